"""The benchmark's tasks: clean simulators, contaminated test sets and the exact posteriors (the oracle).

Each task knows its prior, its summaries at every contamination level, and the exact posterior of theta given the
contamination, which is the floor no trained estimator beats on average.
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np

Data = dict[str, np.ndarray]


class Task(Protocol):
    """What the benchmark needs from a task (a new task implements these and joins ``TASKS`` and ``TASK_IDS``)."""

    name: str
    num_params: int
    dummy: bool  # append an independent N(0, 1) dummy parameter (see simulate)
    prior_sd: float  # metrics are in units of this
    levels: tuple[float, ...]  # contamination levels, the clean one first
    headline: float  # the level of the targets and the posterior example
    level_name: str
    summary_names: tuple[str, ...]

    def prior(self, n: int, rng: np.random.Generator) -> np.ndarray: ...

    def noise(self, n: int, rng: np.random.Generator) -> np.ndarray: ...

    def summaries(self, theta: np.ndarray, noise: np.ndarray, level: float = ...) -> np.ndarray: ...

    def clean_summary_sd(self) -> np.ndarray: ...

    def label(self, level: float) -> str: ...

    def oracle(self, test: Data, level: float) -> tuple[np.ndarray, np.ndarray]: ...


class GaussianTask:
    """Ward et al. (2022): theta ~ N(0, 5^2), 100 draws N(theta, v); summaries: sample mean and sample variance."""

    name = "gaussian"
    num_params = 1
    dummy = True  # CouplingFlow needs >= 2 inference variables: add an independent N(0, 1) dummy (see simulate)
    prior_sd = 5.0
    draws = 100
    levels = (1.0, 1.5, 2.0, 3.0)  # variance of the draws; 1 is the simulator's (clean)
    headline = 2.0
    level_name = "variance"
    summary_names = ("mean", "variance")

    def prior(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return self.prior_sd * rng.normal(size=(n, 1))

    def noise(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.normal(size=(n, self.draws))

    def summaries(self, theta: np.ndarray, noise: np.ndarray, level: float = 1.0) -> np.ndarray:
        draws = theta + math.sqrt(level) * noise
        return np.stack([draws.mean(axis=1), draws.var(axis=1, ddof=1)], axis=1)

    def clean_summary_sd(self) -> np.ndarray:
        """Population sd of the clean summaries: mean ~ N(0, 25 + 1/n) marginally, variance ~ chi2(n-1)/(n-1)."""
        return np.array([math.sqrt(self.prior_sd**2 + 1 / self.draws), math.sqrt(2 / (self.draws - 1))])

    def label(self, level: float) -> str:
        return f"var={level:g}" + (" (clean)" if level == 1.0 else "")

    def oracle(self, test: Data, level: float) -> tuple[np.ndarray, np.ndarray]:
        """Exact posterior mean and sd of theta knowing the true variance: the sample mean is sufficient then."""
        precision = 1 / self.prior_sd**2 + self.draws / level
        mean = (self.draws / level) * test["x"][:, :1] / precision
        return mean, np.full_like(mean, 1 / math.sqrt(precision))


class SensorTask:
    """theta ~ N(0, I_2); 5 sensors per coordinate with noise sd 0.3; at test time one sensor gets an outlier."""

    name = "sensors"
    num_params = 2
    dummy = False
    prior_sd = 1.0
    sensors = 5
    sensor_sd = 0.3
    levels = (0.0, 2.0, 5.0, 10.0, 20.0)  # outlier size in clean summary sds; 0 is clean
    headline = 20.0
    level_name = "outlier (clean sds)"
    summary_names = tuple(f"s{j}" for j in range(10))

    def prior(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.normal(size=(n, self.num_params))

    def noise(self, n: int, rng: np.random.Generator) -> np.ndarray:
        # sensor noise, then the index of the sensor that gets the outlier (used only when level > 0)
        dims = self.num_params * self.sensors
        return np.concatenate([rng.normal(size=(n, dims)), rng.integers(0, dims, size=(n, 1))], axis=1)

    def summaries(self, theta: np.ndarray, noise: np.ndarray, level: float = 0.0) -> np.ndarray:
        dims = self.num_params * self.sensors
        x = np.repeat(theta, self.sensors, axis=1) + self.sensor_sd * noise[:, :dims]
        if level:
            which = noise[:, dims].astype(int)
            x[np.arange(len(x)), which] += level * self.clean_summary_sd()[which]
        return x

    def clean_summary_sd(self) -> np.ndarray:
        return np.full(self.num_params * self.sensors, math.sqrt(1 + self.sensor_sd**2))

    def label(self, level: float) -> str:
        return f"s={level:g}" + (" (clean)" if level == 0.0 else "")

    def oracle(self, test: Data, level: float) -> tuple[np.ndarray, np.ndarray]:
        """Exact posterior mean and sd of theta from the sensors that are not corrupted (knows which one is)."""
        dims = self.num_params * self.sensors
        used = np.ones((len(test["x"]), dims))
        if level:
            used[np.arange(len(used)), test["noise"][:, dims].astype(int)] = 0.0
        means, sds = [], []
        for j in range(self.num_params):
            cols = slice(j * self.sensors, (j + 1) * self.sensors)
            precision = 1 / self.prior_sd**2 + used[:, cols].sum(axis=1) / self.sensor_sd**2
            means.append((test["x"][:, cols] * used[:, cols]).sum(axis=1) / self.sensor_sd**2 / precision)
            sds.append(1 / np.sqrt(precision))
        return np.stack(means, axis=1), np.stack(sds, axis=1)


TASKS: dict[str, Task] = {task.name: task for task in (GaussianTask(), SensorTask())}
TASK_IDS = {"gaussian": 1, "sensors": 2}  # seeds the task's test sets, simulations and training


def simulate(task: Task, n: int, rng: np.random.Generator) -> Data:
    """Clean training simulations. A one-parameter task also gets ``aux`` ~ N(0, 1), independent of everything.

    BayesFlow's CouplingFlow splits the inference variables in two halves, so it cannot model one variable alone.
    The dummy makes it two; its posterior is its prior, theta's posterior is the marginal, and
    ``evaluation.log_density_of`` integrates the dummy out.
    """
    theta = task.prior(n, rng)
    data = {"theta": theta, "x": task.summaries(theta, task.noise(n, rng))}
    if task.dummy:
        data["aux"] = rng.normal(size=(n, 1))
    return data


def make_test_sets(task: Task, num_test: int) -> list[Data]:
    """One test set per contamination level, with common random numbers: the same theta and noise at every level."""
    rng = np.random.default_rng([TASK_IDS[task.name], 2022])
    theta = task.prior(num_test, rng)
    noise = task.noise(num_test, rng)
    return [{"theta": theta, "noise": noise, "x": task.summaries(theta, noise, level)} for level in task.levels]
