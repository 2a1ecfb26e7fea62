"""The sensor tasks of the benchmark and their fixed observation sets.

Every set is drawn from the task's observation generator (``common.seeds``), so that each training seed meets the
same observations (common random numbers). A reading that is "off" is shifted by ``size`` clean-summary sds, the
model's sd of a raw summary, ``sqrt(prior_sd^2 + sensor_sd^2)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..common.seeds import observations_rng, simulation_rng, task_rng
from ..references.error_model import SensorBlocks

TASKS = {"sensors6": SensorBlocks(blocks=2, sensors=3), "sensors": SensorBlocks(blocks=2, sensors=5)}


@dataclass(frozen=True)
class Observations:
    """Observations with their true parameters: ``theta`` (m, blocks), raw summaries ``y`` (m, d)."""

    theta: np.ndarray
    y: np.ndarray


def clean_sd(model: SensorBlocks) -> float:
    """The model's sd of a raw clean summary."""
    return math.hypot(model.prior_sd, model.sensor_sd)


def training_data(task: str, seed_index: int, num_train: int, num_val: int) -> dict[str, dict[str, np.ndarray]]:
    """Clean training and validation simulations of a training seed, as float32 dicts ``{"theta", "x"}``."""
    rng = simulation_rng(task, seed_index)
    out = {}
    for name, n in (("train", num_train), ("val", num_val)):
        theta, x = TASKS[task].simulate(n, rng)
        out[name] = {"theta": theta.astype(np.float32), "x": x.astype(np.float32)}
    return out


def critic_data(task: str, seed_index: int, n: int) -> np.ndarray:
    """The critic's clean simulations of a training seed, raw summaries ``(n, d)``."""
    return TASKS[task].simulate(n, task_rng(task, seed_index, 8))[1]


def test_sets(task: str, n: int, outlier_size: float) -> dict[str, Observations]:
    """``clean``, and ``outlier``: the same observations with one reading (uniformly chosen) ``outlier_size`` off."""
    model = TASKS[task]
    rng = observations_rng(task)
    theta, y = model.simulate(n, rng)
    off = y.copy()
    off[np.arange(n), rng.integers(0, model.num_summaries, n)] += outlier_size * clean_sd(model)
    return {"clean": Observations(theta, y), "outlier": Observations(theta, off)}


def eb_sets(task: str, n: int, slab_fraction: float, shift_fraction: float, outlier_size: float) -> dict:
    """The empirical-Bayes sets: ``clean``; ``slab``: a fraction of the observations with one summary drawn from the
    error model's slab (z-scale Cauchy(0, slab) times the clean sd); ``shift``: a fraction with one reading off.

    Returns ``{name: (y, true_rate)}``, the true rate being the slab fraction per summary (None for ``shift``).
    """
    model = TASKS[task]
    rng = task_rng(task, 2023)
    d = model.num_summaries
    _, clean = model.simulate(n, rng)
    sets = {"clean": (clean, 0.0)}
    for name, fraction in (("slab", slab_fraction), ("shift", shift_fraction)):
        y = clean.copy()
        rows = rng.choice(n, int(round(fraction * n)), replace=False)
        cols = rng.integers(0, d, len(rows))
        if name == "slab":
            y[rows, cols] += clean_sd(model) * model.slab * rng.standard_cauchy(len(rows))
            sets[name] = (y, len(rows) / (n * d))
        else:
            y[rows, cols] += outlier_size * clean_sd(model)
            sets[name] = (y, None)
    return sets
