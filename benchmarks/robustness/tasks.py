"""The robustness benchmark's view of its two tasks: contamination levels, clean simulations, test sets, oracle.

Each task knows its contamination levels (the clean one first), its summaries at every level, and the exact
posterior of theta given the contamination (``references.posteriors``), the floor no trained estimator beats on
average. The simulators are those of ``simulators``.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from ..common.seeds import observations_rng
from ..references import posteriors
from ..simulators import gaussian, sensors

Data = dict[str, np.ndarray]


class Task(Protocol):
    """What the benchmark needs from a task (a new task implements these and joins ``TASKS``)."""

    name: str
    num_params: int
    dummy: bool  # the simulations carry an independent N(0, 1) dummy parameter ``aux``
    prior_sd: float  # metrics are in units of this
    levels: tuple[float, ...]  # contamination levels, the clean one first
    headline: float  # the level of the targets and the posterior example
    level_name: str
    summary_names: tuple[str, ...]
    clean_summary_sd: np.ndarray  # the model's sd of each clean summary

    def simulate(self, n: int, rng: np.random.Generator) -> Data: ...

    def test_set(self, n: int, rng: np.random.Generator) -> list[Data]: ...

    def label(self, level: float) -> str: ...

    def oracle(self, test: Data, level: float) -> tuple[np.ndarray, np.ndarray]: ...


class GaussianTask:
    """Ward et al. (2022): theta ~ N(0, 5^2), 100 draws N(theta, v); summaries: sample mean and sample variance."""

    name = gaussian.NAME
    num_params = 1
    dummy = True  # CouplingFlow needs >= 2 inference variables: an independent N(0, 1) dummy (see simulate)
    prior_sd = gaussian.PRIOR_SD
    levels = (1.0, 1.5, 2.0, 3.0)  # variance of the draws; 1 is the simulator's (clean)
    headline = gaussian.WARD_VARIANCE
    level_name = "variance"
    summary_names = gaussian.SUMMARY_NAMES
    clean_summary_sd = gaussian.CLEAN_SUMMARY_SD

    def simulate(self, n: int, rng: np.random.Generator) -> Data:
        """Clean simulations ``theta`` and ``x``, and ``aux`` ~ N(0, 1), independent of everything.

        BayesFlow's CouplingFlow splits the inference variables in two halves, so it cannot model one variable
        alone. The dummy makes it two; its posterior is its prior, theta's posterior is the marginal, and
        ``common.metrics.log_density_of`` integrates the dummy out.
        """
        theta = gaussian.sample_prior(n, rng)
        x = gaussian.summaries(theta, gaussian.sample_noise(n, rng))
        return {"theta": theta, "x": x, "aux": rng.normal(size=(n, 1))}

    def test_set(self, n: int, rng: np.random.Generator) -> list[Data]:
        """One set per level, with the same theta and draws at every level (common random numbers)."""
        theta, noise = gaussian.sample_prior(n, rng), gaussian.sample_noise(n, rng)
        return [{"theta": theta, "x": gaussian.summaries(theta, noise, level)} for level in self.levels]

    def label(self, level: float) -> str:
        return f"var={level:g}" + (" (clean)" if level == 1.0 else "")

    def oracle(self, test: Data, level: float) -> tuple[np.ndarray, np.ndarray]:
        """Exact posterior mean and sd of theta knowing the true variance: the sample mean is sufficient then."""
        return posteriors.gaussian_posterior(test["x"], level)


class SensorTask:
    """theta ~ N(0, I_2); 5 sensors per coordinate with noise sd 0.3; at test time one sensor gets an outlier."""

    name = sensors.NAME
    num_params = sensors.BLOCKS
    dummy = False
    prior_sd = sensors.PRIOR_SD
    levels = (0.0, 2.0, 5.0, 10.0, 20.0)  # outlier size in clean summary sds; 0 is clean
    headline = 20.0
    level_name = "outlier (clean sds)"
    summary_names = sensors.SUMMARY_NAMES
    clean_summary_sd = sensors.CLEAN_SUMMARY_SD

    def simulate(self, n: int, rng: np.random.Generator) -> Data:
        """Clean simulations ``theta``, ``x``. The outlier sensor is drawn too, unused, as the test sets draw it."""
        theta = sensors.sample_prior(n, rng)
        x = sensors.summaries(theta, sensors.sample_noise(n, rng))
        sensors.sample_outlier_sensor(n, rng)
        return {"theta": theta, "x": x}

    def test_set(self, n: int, rng: np.random.Generator) -> list[Data]:
        """One set per level, with the same theta, noise and outlier sensor at every level (common random numbers)."""
        theta = sensors.sample_prior(n, rng)
        clean = sensors.summaries(theta, sensors.sample_noise(n, rng))
        outlier = sensors.sample_outlier_sensor(n, rng)
        return [
            {"theta": theta, "x": sensors.with_outlier(clean, outlier, level), "outlier": outlier}
            for level in self.levels
        ]

    def label(self, level: float) -> str:
        return f"s={level:g}" + (" (clean)" if level == 0.0 else "")

    def oracle(self, test: Data, level: float) -> tuple[np.ndarray, np.ndarray]:
        """Exact posterior mean and sd of theta from the sensors that are not corrupted (knows which one is)."""
        return posteriors.sensors_posterior(test["x"], test["outlier"] if level else None)


TASKS: dict[str, Task] = {task.name: task for task in (GaussianTask(), SensorTask())}


def make_test_sets(task: Task, num_test: int) -> list[Data]:
    """The task's fixed test sets, one per contamination level (the same in every run)."""
    return task.test_set(num_test, observations_rng(task.name))
