"""The MCMC baseline of amortized criticism: RNPE's per-observation posterior inclusion probabilities, in numpy.

RNPE (Ward et al., 2022) computes ``P(z_j = 1 | y)`` for ONE observation by MCMC over ``(x, z)`` under the
spike-and-slab error model (``y = x + eps``, ``eps_j ~ Cauchy(0, slab)`` if ``z_j = 1`` else ``Normal(0, spike)``,
``z_j ~ Bernoulli(rho)``), with a normalizing flow fitted to the clean simulations as the prior of ``x``: numpyro's
``MixedHMC(HMC(trajectory_length=1))`` with 20,000 warm-up and 100,000 kept iterations per observation
(``scripts/run_task.py`` of github.com/danielward27/rnpe). This baseline is given every advantage over RNPE: the
prior of ``x`` is the task's EXACT density of the z-scored clean summaries (no flow to fit, no flow error, a density
far cheaper than a flow and its gradients), and chains for many observations run side by side in vectorized numpy.
Its cost per observation is thus a lower bound for RNPE's.

Sampler: Metropolis-within-Gibbs, one sweep per iteration:

1. ``z | x, y``: exact Gibbs (the ``z_j`` are independent given ``x``):
   ``P(z_j = 1 | x_j, y_j) = rho C(y_j - x_j) / (rho C(y_j - x_j) + (1 - rho) N(y_j - x_j))``.
2. ``x_j | x_{-j}, z, y``, one group of summaries at a time: random-walk Metropolis on each ``x_j`` of the group
   (a group holds summaries that are conditionally independent given the others, so their updates are separate
   Metropolis steps done at once: both ``gaussian`` summaries; sensors ``j`` and ``j + 5``), with a Normal step
   whose scale depends on ``z_j`` (pinned near ``y_j`` within the spike if ``z_j = 0``, wide if ``z_j = 1``). The
   step scales, one per chain, summary and state of ``z_j``, start at ``2.4 spike`` and ``2.4 slab`` and adapt
   during warm-up only (Robbins-Monro on the log scale towards the 1-d optimal acceptance rate 0.44); they are
   frozen afterwards, so the kept iterations are a time-homogeneous Markov chain with the right stationary
   distribution. Choosing the scale from the current ``z`` is valid: ``z`` is held fixed during the ``x`` update,
   whose kernel leaves ``p(x | z, y)`` invariant for every fixed scale. Chains start at ``x = y`` (or, for a
   negative observed variance, at the prior mode of the variance).

Estimates, over the kept iterations: ``p_rb`` the Rao-Blackwellized mean of ``P(z_j = 1 | x_j, y_j)`` (step 1's
probability; lower variance, what this benchmark reports) and ``p_z`` the mean of the sampled indicators (what
RNPE reports), each with a batch-means Monte Carlo standard error (50 batches).

Priors of ``x`` (z-scored with the statistics ``m``, ``s`` the critic used):

- ``gaussian``: independent summaries; the sample mean is ``N(0, 25 + 1/100)``, the sample variance
  ``chi2(99) / 99`` (see ``inclusion``); on the z scale ``f_j(x) = s_j f(m_j + s_j x)``.
- ``sensors``: multivariate Normal, mean ``-m / s`` and covariance ``D^-1 (B 1 1^T B + 0.09 I) D^-1`` blockwise
  (``D = diag(s)``): ``x = repeat(theta, 5) + 0.3 noise`` with ``theta ~ N(0, I_2)``.

Cost: one sweep costs ``O(d)`` vectorized numpy operations over the chains; :func:`run` returns the wall time, and
the benchmark divides it by the number of observations (chains) and extrapolates a shorter timing run (warm-up and
kept iterations in Ward's ratio 1:5) linearly in the number of iterations: a sweep costs the same at every
iteration (warm-up sweeps adapt the steps, kept ones accumulate the estimates, about the same work).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln

from ..simulators import gaussian, sensors

__all__ = ["WARD_SAMPLES", "WARD_WARMUP", "GaussianPrior", "McmcResult", "NormalPrior", "prior_for", "run"]

WARD_WARMUP = 20_000  # RNPE's chain length per observation (Ward et al., 2022)
WARD_SAMPLES = 100_000
TARGET_ACCEPT = 0.44  # optimal acceptance rate of a 1-d random-walk Metropolis step
BATCHES = 50  # batch means for the Monte Carlo standard error
_CHUNK = 100  # iterations whose random numbers are drawn at once (3 arrays of _CHUNK x chains x d)


class GaussianPrior:
    """``gaussian`` task: exact density of the z-scored (sample mean, sample variance), independent."""

    order = np.array([0, 1])  # no reordering needed: ...
    groups = (slice(0, 2),)  # ... the two summaries are independent, both are updated at once

    def __init__(self, mean, std):
        self.m, self.s = np.asarray(mean, dtype=np.float64), np.asarray(std, dtype=np.float64)
        self.mu0 = -self.m[0] / self.s[0]
        self.sd0 = math.sqrt(gaussian.PRIOR_SD**2 + 1 / gaussian.DRAWS) / self.s[0]
        self._k = gaussian.DRAWS - 1
        self._const = math.log(self._k) - (self._k / 2) * math.log(2) - gammaln(self._k / 2) + math.log(self.s[1])

    def initial(self, y: np.ndarray) -> np.ndarray:
        """Where the chains start: at the observation, or at the mode where it lies outside the support (a
        negative variance)."""
        x = y.copy()
        mode = ((self._k - 2) / self._k - self.m[1]) / self.s[1]
        x[:, 1] = np.where(self.m[1] + self.s[1] * y[:, 1] > 0, y[:, 1], mode)
        return x

    def log_density(self, x: np.ndarray) -> np.ndarray:
        """log f_j(x_j) per summary (up to a constant per summary), x of shape (n, 2)."""
        out = np.empty_like(x)
        out[:, 0] = -0.5 * np.square((x[:, 0] - self.mu0) / self.sd0)
        kv = self._k * (self.m[1] + self.s[1] * x[:, 1])
        with np.errstate(divide="ignore", invalid="ignore"):
            out[:, 1] = np.where(kv > 0, (self._k / 2 - 1) * np.log(kv) - kv / 2 + self._const, -np.inf)
        return out

    def log_ratio(self, x: np.ndarray, group: slice, proposal: np.ndarray) -> np.ndarray:
        """log p(x with x[:, group] = proposal) - log p(x), per chain and summary of the group."""
        return self.log_density(proposal) - self.log_density(x)


class NormalPrior:
    """A multivariate Normal density of x (mean ``mu``, covariance ``cov``): the ``sensors`` task.

    The coordinates are reordered (``order``) so that each group of coordinates with no precision between each other
    (conditionally independent given the rest; a greedy colouring) is a contiguous slice, updated at once."""

    def __init__(self, mu, cov):
        precision = np.linalg.inv(np.asarray(cov, dtype=np.float64))
        colours = _colouring(precision)
        self.order = np.concatenate(colours)
        bounds = np.cumsum([0] + [len(c) for c in colours])
        self.groups = tuple(slice(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:], strict=True))
        self.mu = np.asarray(mu, dtype=np.float64)[self.order]
        self.precision = precision[np.ix_(self.order, self.order)]
        self.diag = np.diag(self.precision).copy()
        self._columns = {g.start: np.ascontiguousarray(self.precision[:, g]) for g in self.groups}

    @classmethod
    def sensors(cls, mean, std) -> NormalPrior:
        m, s = np.asarray(mean, dtype=np.float64), np.asarray(std, dtype=np.float64)
        d = len(m)
        block = np.kron(
            np.eye(d // sensors.SENSORS_PER_BLOCK), np.ones((sensors.SENSORS_PER_BLOCK, sensors.SENSORS_PER_BLOCK))
        )
        cov_raw = block + sensors.SENSOR_SD**2 * np.eye(d)
        return cls(-m / s, cov_raw / np.outer(s, s))

    def initial(self, y: np.ndarray) -> np.ndarray:
        """Where the chains start: at the observation (reordered coordinates)."""
        return y.copy()

    def log_ratio(self, x: np.ndarray, group: slice, proposal: np.ndarray) -> np.ndarray:
        """log p(x with x[:, group] = proposal) - log p(x) per coordinate of the group (reordered coordinates):
        each one's Normal conditional given the others (coordinates of a group do not interact)."""
        delta = x - self.mu
        old = delta[:, group]
        diag = self.diag[group]
        others = delta @ self._columns[group.start] - diag * old
        new = proposal - self.mu[group]
        return -0.5 * diag * (new * new - old * old) - (new - old) * others


def _colouring(precision: np.ndarray) -> list[np.ndarray]:
    """Greedy colouring: groups of coordinates with zero precision between each other."""
    groups: list[list[int]] = []
    for j in range(len(precision)):
        for group in groups:
            if all(abs(precision[j, k]) < 1e-12 * math.sqrt(precision[j, j] * precision[k, k]) for k in group):
                group.append(j)
                break
        else:
            groups.append([j])
    return [np.array(g) for g in groups]


def prior_for(task: str, mean, std):
    """The exact prior of the z-scored clean summaries of a task of ``inclusion``."""
    if task == "gaussian":
        return GaussianPrior(mean, std)
    if task == "sensors":
        return NormalPrior.sensors(mean, std)
    raise ValueError(f"unknown task {task!r}")


@dataclass
class McmcResult:
    p_rb: np.ndarray  # (n, d) Rao-Blackwellized estimate of P(z_j = 1 | y)
    se_rb: np.ndarray  # (n, d) its batch-means standard error
    p_z: np.ndarray  # (n, d) mean of the sampled indicators (RNPE's estimate)
    se_z: np.ndarray
    acceptance: np.ndarray  # (2,) acceptance rate of the x steps over the kept iterations, given z_j = 0 and 1
    warmup: int
    samples: int
    seconds: float  # wall time of the whole run (all chains)


def run(
    y: np.ndarray,
    prior,
    *,
    spike: float = 0.01,
    slab: float = 0.25,
    rho: float | np.ndarray = 0.5,
    warmup: int = WARD_WARMUP,
    samples: int = WARD_SAMPLES,
    seed: int | None = None,
) -> McmcResult:
    """One chain per observation (row of ``y``, z-scored summaries), all chains vectorized.

    ``rho`` is one prior slab probability for all observations, or one per observation (shape ``(n,)``).

    Returns the estimates of ``P(z_j = 1 | y)`` with their Monte Carlo errors and the wall time.
    """
    y = np.array(y, dtype=np.float64, ndmin=2)
    n, d = y.shape
    if samples < BATCHES or samples % BATCHES:
        raise ValueError(f"samples must be a positive multiple of {BATCHES}, got {samples}")
    rho = np.broadcast_to(np.asarray(rho, dtype=np.float64), (n,))[:, None]
    if not np.all((rho > 0) & (rho < 1)):
        raise ValueError(f"rho must lie in (0, 1), got {rho.ravel()}")
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    y = np.ascontiguousarray(y[:, prior.order])  # groups of conditionally independent summaries are slices
    log_odds0 = np.log(rho) - np.log1p(-rho) + math.log(slab / math.pi) + 0.5 * math.log(2 * math.pi)
    log_odds0 += math.log(spike)  # + log C(r) - log N(r): the prior odds times the Cauchy / Normal kernel ratio
    half_inv_spike2 = 0.5 / spike**2
    slab2 = slab * slab

    x = prior.initial(y)  # start where the spike puts x: at the observation (if the prior allows it)
    log_step = np.empty((2, n, d))  # random-walk scales given z_j = 0 and z_j = 1
    log_step[0], log_step[1] = math.log(2.4 * spike), math.log(2.4 * slab)
    step = np.exp(log_step)
    batch = samples // BATCHES
    sums_rb = np.zeros((BATCHES, n, d))
    sums_z = np.zeros((BATCHES, n, d))
    accepted, proposed = np.zeros((2, d)), np.zeros((2, d))
    total = warmup + samples
    for chunk_start in range(0, total, _CHUNK):
        steps = min(_CHUNK, total - chunk_start)
        u_z = rng.random((steps, n, d))
        normals = rng.standard_normal((steps, n, d))
        log_u = np.log(rng.random((steps, n, d)))
        for i in range(steps):
            it = chunk_start + i
            adapting = it < warmup
            # 1. z | x, y (exact)
            r2 = np.square(y - x)
            p1 = 0.5 + 0.5 * np.tanh(0.5 * (log_odds0 - np.log(slab2 + r2) + half_inv_spike2 * r2))
            z = u_z[i] < p1
            # 2. x | z, y, one group of conditionally independent summaries at a time
            for g in prior.groups:
                zg = z[:, g]
                old = x[:, g]
                new = old + np.where(zg, step[1, :, g], step[0, :, g]) * normals[i, :, g]
                r_old, r_new = np.square(y[:, g] - old), np.square(y[:, g] - new)
                log_lik = np.where(zg, np.log((slab2 + r_old) / (slab2 + r_new)), half_inv_spike2 * (r_old - r_new))
                log_accept = prior.log_ratio(x, g, new) + log_lik
                accept = log_u[i, :, g] < log_accept
                x[:, g] = np.where(accept, new, old)
                if adapting:  # Robbins-Monro on the log scale of the state's step, towards acceptance 0.44
                    move = ((it + 1) ** -0.6) * (np.exp(np.minimum(log_accept, 0.0)) - TARGET_ACCEPT)
                    log_step[1, :, g] += np.where(zg, move, 0.0)
                    log_step[0, :, g] += np.where(zg, 0.0, move)
                    step[:, :, g] = np.exp(log_step[:, :, g])
                else:
                    proposed[1, g] += zg.sum(axis=0)
                    accepted[1, g] += (accept & zg).sum(axis=0)
                    accepted[0, g] += (accept & ~zg).sum(axis=0)
            if not adapting:
                b = (it - warmup) // batch
                sums_rb[b] += p1
                sums_z[b] += z
    seconds = time.perf_counter() - start
    proposed[0] = n * samples - proposed[1]
    back = np.argsort(prior.order)
    means_rb, means_z = sums_rb[..., back] / batch, sums_z[..., back] / batch
    return McmcResult(
        p_rb=means_rb.mean(axis=0),
        se_rb=means_rb.std(axis=0, ddof=1) / math.sqrt(BATCHES),
        p_z=means_z.mean(axis=0),
        se_z=means_z.std(axis=0, ddof=1) / math.sqrt(BATCHES),
        acceptance=accepted.sum(axis=1) / np.maximum(proposed.sum(axis=1), 1),
        warmup=warmup,
        samples=samples,
        seconds=seconds,
    )
