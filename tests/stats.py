"""Exact reference distributions and decision rules shared by the tests.

Every randomized test uses a fixed seed and a significance level ALPHA: a correct sampler fails one with
probability ALPHA at most (for a seed chosen once, never again), and the power checks show that the same
sample sizes reject the plausible bugs (wrong mixture weight, wrong scale, swapped components).
"""

import numpy as np
from scipy import stats

ALPHA = 1e-3


def mixture_cdf(x, spike, slab, p_slab=0.5):
    """CDF of 0.5 * Normal(0, spike) + 0.5 * Cauchy(0, slab); a zero scale is a point mass at 0."""
    normal = stats.norm.cdf(x, scale=spike) if spike > 0 else (x >= 0).astype(float)
    cauchy = stats.cauchy.cdf(x, scale=slab) if slab > 0 else (x >= 0).astype(float)
    return (1 - p_slab) * normal + p_slab * cauchy


def ks_pvalue(sample, spike, slab, p_slab=0.5):
    return stats.kstest(np.asarray(sample, dtype=np.float64), lambda x: mixture_cdf(x, spike, slab, p_slab)).pvalue


def binomial_ok(successes, n, p=0.5):
    """Whether `successes` of `n` is consistent with Binomial(n, p) at level ALPHA (exact two-sided test)."""
    return stats.binomtest(int(successes), int(n), p).pvalue > ALPHA
