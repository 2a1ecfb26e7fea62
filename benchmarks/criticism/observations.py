"""Tasks and observation sets of the criticism benchmark.

Two tasks of ``simulators`` whose exact posterior inclusion probabilities are known by quadrature
(``references.inclusion``):

- ``gaussian`` (Ward et al., 2022): theta ~ N(0, 5^2), 100 draws N(theta, 1); summaries: sample mean and sample
  variance, independent under the model.
- ``sensors``: theta ~ N(0, I_2), ``x = repeat(theta, 5) + 0.3 noise``: two blocks of 5 redundant sensors. A
  summary's inclusion probability depends on the other sensors of its block, so a critic judging each summary alone
  must fail; :meth:`Task.alone` is the best such critic (the exact answer from the summary's own marginal).

Observation sets, all as ``(raw, z)`` with ``z = (raw - m) / s`` the critic's z-scoring (``m``, ``s`` its
``summary_mean`` and ``summary_std``), drawn from fixed seeds:

- ``clean``: fresh simulator draws, ``y = x``;
- ``noisy``: ``y = x + eps`` from the error model at the ``rho`` the critic is evaluated at, with the slab
  indicators;
- ``outliers``: clean draws with ``size`` clean sds (the model's sd of the raw summary) added to one summary per
  observation (cycling through the summaries, random sign);
- ``ward`` (``gaussian``): 100 draws N(theta, 2) instead of N(theta, 1), Ward et al.'s misspecified observation;
- ``sweep`` (``sensors``): sensor 2 (block 0) off by ``size`` clean sds, the same clean draws for every size.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import expit, voigt_profile

from ..common.seeds import TASK_SEEDS, task_rng
from ..common.zscore import zscore
from ..references import inclusion, mcmc
from ..simulators import gaussian, sensors

SPIKE, SLAB = 0.01, 0.25  # the critic's defaults (Ward et al.'s)
WARD_VARIANCE = gaussian.WARD_VARIANCE  # the variance of Ward et al.'s misspecified Gaussian observation
WARD_REPORTED = {"mean": 0.5, "variance": 0.97}  # their posterior inclusion probabilities (rho = 0.5, RNPE, MCMC)
SWEEP_SENSOR = 2


@dataclass(frozen=True)
class Task:
    name: str
    task_id: int
    summary_names: tuple[str, ...]
    simulate: Callable[[int, np.random.Generator], np.ndarray]
    exact_fn: Callable[..., np.ndarray]
    clean_sd: np.ndarray  # the model's sd of each raw clean summary
    marginal_mean: np.ndarray  # the model's mean of each raw clean summary
    doc: str

    def exact(self, y_z: np.ndarray, mean, std, rho: float) -> np.ndarray:
        """Exact P(z_j = 1 | y) by quadrature (``references.inclusion``), with the critic's z-scoring statistics."""
        return self.exact_fn(y_z, mean=mean, std=std, spike=SPIKE, slab=SLAB, rho=rho)

    def alone(self, y_z: np.ndarray, mean, std, rho: float) -> np.ndarray:
        """Exact P(z_j = 1 | y_j): each summary judged alone, from its own marginal (the best per-summary critic).

        ``gaussian``: equal to :meth:`exact` (independent summaries). ``sensors``: each sensor's marginal is
        N(0, 1 + 0.3^2), so ``logit p = logit rho + log Voigt(y - mu; sd, slab) - log N(y - mu; sd^2 + spike^2)``."""
        if self.name == "gaussian":
            return self.exact(y_z, mean, std, rho)
        mean, std = np.asarray(mean, dtype=np.float64), np.asarray(std, dtype=np.float64)
        mu, sd = (self.marginal_mean - mean) / std, self.clean_sd / std
        r = y_z - mu
        sd0 = np.hypot(sd, SPIKE)
        log_spike = -0.5 * (r / sd0) ** 2 - np.log(sd0 * math.sqrt(2 * math.pi))
        with np.errstate(divide="ignore"):
            log_slab = np.log(voigt_profile(r, sd, SLAB))
        return expit(math.log(rho) - math.log1p(-rho) + log_slab - log_spike)

    def mcmc_prior(self, mean, std):
        return mcmc.prior_for(self.name, mean, std)

    @property
    def d(self) -> int:
        return len(self.summary_names)


TASKS = {
    "gaussian": Task(
        gaussian.NAME,
        TASK_SEEDS[gaussian.NAME],
        gaussian.SUMMARY_NAMES,
        gaussian.simulate_summaries,
        inclusion.gaussian_inclusion,
        gaussian.CLEAN_SUMMARY_SD,
        gaussian.CLEAN_SUMMARY_MEAN,
        "Ward et al. (2022): theta ~ N(0, 5^2), 100 draws N(theta, 1); summaries: sample mean and variance "
        "(independent).",
    ),
    "sensors": Task(
        sensors.NAME,
        TASK_SEEDS[sensors.NAME],
        sensors.SUMMARY_NAMES,
        sensors.simulate_summaries,
        inclusion.sensors_inclusion,
        sensors.CLEAN_SUMMARY_SD,
        sensors.CLEAN_SUMMARY_MEAN,
        "theta ~ N(0, I_2); x = repeat(theta, 5) + 0.3 * N(0, I_10): sensors 0-4 read theta_0, 5-9 read theta_1 "
        "(dependent summaries).",
    ),
}


def rng_for(task: Task, *purpose: int) -> np.random.Generator:
    """A fixed generator per task and purpose: the same observations in every run (and at every rho, but for the
    contaminated ones, drawn at that rho)."""
    return task_rng(task.name, *purpose)


def training_set(task: Task, n: int) -> np.ndarray:
    return task.simulate(n, rng_for(task, 0))


def clean(task: Task, n: int, mean, std) -> tuple[np.ndarray, np.ndarray]:
    raw = task.simulate(n, rng_for(task, 1))
    return raw, zscore(raw, mean, std)


def noisy(task: Task, n: int, mean, std, rho: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Held-out noisy simulations: ``(raw, y_z, z)``, ``y_z = x_z + eps`` with the error model of slab prob rho."""
    rng = rng_for(task, 2, int(round(1e6 * rho)))
    x_z = zscore(task.simulate(n, rng), mean, std)
    y_z, z = inclusion.corrupt(x_z, rng, SPIKE, SLAB, rho)
    return y_z * std + mean, y_z, z


def outliers(task: Task, n: int, size: float, mean, std) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Clean draws with one summary per observation off by ``size`` clean sds: ``(raw, y_z, broken mask)``."""
    rng = rng_for(task, 3)
    raw = task.simulate(n, rng)
    cols = np.arange(n) % task.d
    signs = rng.choice([-1.0, 1.0], size=n)
    raw[np.arange(n), cols] += signs * size * task.clean_sd[cols]
    mask = np.zeros(raw.shape, dtype=bool)
    mask[np.arange(n), cols] = True
    return raw, zscore(raw, mean, std), mask


def ward(n: int, mean, std) -> tuple[np.ndarray, np.ndarray]:
    """Ward et al.'s misspecified Gaussian observations (variance 2), ``(raw, z)``."""
    raw = gaussian.simulate_summaries(n, rng_for(TASKS["gaussian"], 4), WARD_VARIANCE)
    return raw, zscore(raw, mean, std)


def sweep(n: int, sizes, mean, std) -> tuple[np.ndarray, np.ndarray]:
    """``sensors``: sensor 2 off by each size (in clean sds), the same clean draws for every size.

    Returns ``(raw, z)`` of shape ``(len(sizes), n, 10)``."""
    task = TASKS["sensors"]
    base = task.simulate(n, rng_for(task, 5))
    raw = np.repeat(base[None], len(sizes), axis=0)
    raw[:, :, SWEEP_SENSOR] += np.asarray(sizes, dtype=np.float64)[:, None] * task.clean_sd[SWEEP_SENSOR]
    return raw, zscore(raw, mean, std)


def mcmc_check_set(task: Task, per_rho: int, rhos, mean, std) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """A few observations per rho for the MCMC accuracy check: about a third clean, a third noisy (the error model
    with that rho), the rest with a 15 sd outlier. Returns ``(y_z, rho per row, kind per row)``."""
    rng = rng_for(task, 6)
    ys, rho_rows, kinds = [], [], []
    for rho in rhos:
        n_clean = per_rho // 3
        n_noisy = per_rho // 3
        n_out = per_rho - n_clean - n_noisy
        x_z = zscore(task.simulate(per_rho, rng), mean, std)
        y_noisy, _ = inclusion.corrupt(x_z[n_clean : n_clean + n_noisy], rng, SPIKE, SLAB, rho)
        y_out = x_z[n_clean + n_noisy :].copy()
        cols = rng.integers(task.d, size=n_out)
        y_out[np.arange(n_out), cols] += 15.0 * task.clean_sd[cols] / np.asarray(std)[cols]
        ys += [x_z[:n_clean], y_noisy, y_out]
        rho_rows += [rho] * per_rho
        kinds += ["clean"] * n_clean + ["noisy"] * n_noisy + ["outlier 15 sd"] * n_out
    return np.concatenate(ys), np.array(rho_rows), kinds
