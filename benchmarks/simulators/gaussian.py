"""Ward et al.'s (2022) Gaussian task: theta ~ N(0, 5^2); 100 draws x_i ~ N(theta, v); summaries: sample mean and
sample variance (ddof=1).

The simulator's draws have variance ``v = 1``; misspecified observations draw with a larger variance (Ward et al.:
``WARD_VARIANCE = 2``). Under the model the two summaries are independent (Cochran): the mean is N(0, 25 + 1/100)
marginally, the variance chi2(99) / 99.

Random numbers are drawn in a fixed order, theta then the draws, so that ``simulate_summaries(n, rng)`` equals
``summaries(sample_prior(n, rng), sample_noise(n, rng))`` with the same generator, and the same theta and noise
give the clean and the misspecified observation (common random numbers).
"""

from __future__ import annotations

import math

import numpy as np

NAME = "gaussian"
PARAM_NAMES: tuple[str, ...] = ("mu",)
SUMMARY_NAMES: tuple[str, ...] = ("mean", "variance")
PRIOR_SD = 5.0
PRIOR_MEAN = np.zeros(1)
BOUNDS: tuple[np.ndarray, np.ndarray] | None = None  # an unbounded prior
DRAWS = 100  # draws per data set; the variance summary is chi2(DRAWS - 1) / (DRAWS - 1)
WARD_VARIANCE = 2.0  # the variance of the draws of Ward et al.'s misspecified observation
# the model's mean and sd of each clean summary (marginally over the prior)
CLEAN_SUMMARY_MEAN = np.array([0.0, 1.0])
CLEAN_SUMMARY_SD = np.array([math.sqrt(PRIOR_SD**2 + 1 / DRAWS), math.sqrt(2 / (DRAWS - 1))])


def sample_prior(n: int, rng: np.random.Generator) -> np.ndarray:
    """``(n, 1)`` draws of theta ~ N(0, 5^2)."""
    return PRIOR_SD * rng.normal(size=(n, 1))


def sample_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    """``(n, DRAWS)`` standard normals: the draws of each data set, before scaling by the variance's root."""
    return rng.normal(size=(n, DRAWS))


def summaries(theta: np.ndarray, noise: np.ndarray, variance: float = 1.0) -> np.ndarray:
    """``(n, 2)`` sample means and variances of the draws ``theta + sqrt(variance) * noise``."""
    draws = theta + math.sqrt(variance) * noise
    return np.stack([draws.mean(axis=1), draws.var(axis=1, ddof=1)], axis=1)


def simulate_summaries(n: int, rng: np.random.Generator, variance: float = 1.0) -> np.ndarray:
    """Raw summaries of ``n`` data sets, shape ``(n, 2)``: theta from the prior, draws with ``variance``."""
    theta = sample_prior(n, rng)
    return summaries(theta, sample_noise(n, rng), variance)
