"""The tasks of the published benchmark behind one interface: prior, clean simulations, paired observation sets.

Ward et al.'s (2022) three tasks, Gaussian, SIR and cancer-stromal (CS), and our sensors task, each with
one misspecification, as ``PublishedTask``:

- ``gaussian``: ``simulators.gaussian``; misspecified observations draw with variance 2 instead of 1 (Ward's).
- ``sir``: ``simulators.sir`` (Ward's SIR SDE in numpy); misspecified observations: weekend under-reporting.
- ``cs``: ``simulators.cancer`` (Ward's cancer-stromal process); misspecified observations: necrosis.
- ``sensors``: ``simulators.sensors``; misspecified observations: one sensor off by 20 clean sds.

Observation sets use common random numbers: the clean and the misspecified observation ``i`` share theta and
every random draw of the simulator (the same noise for the Gaussian and sensors tasks, the same epidemic for SIR,
the same cells, parents and radii for CS); only the misspecification differs.

Theta is standardized with the prior's mean and sd for the metrics, as Ward et al. do (``Task.scale`` in their
``rnpe/tasks.py`` z-scores theta with the mean and sd of the 50,000 prior draws of the training set; we use the exact
prior moments, the limit of those, so that the unit does not depend on the training seed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..common.seeds import observations_rng
from ..references.error_model import SensorBlocks
from ..simulators import cancer, gaussian, sensors, sir

Data = dict[str, np.ndarray]
LEVELS = ("clean", "misspecified")

# Ward et al. (2022), Table 1 / ``results/residual.csv`` of danielward27/rnpe: the posterior-mean squared error in
# standardized theta on misspecified observations, averaged over 1000 observations (one per run) and the parameters.
WARD_MSE = {
    "gaussian": {"NPE": 0.160, "NNPE": 0.038, "RNPE": 0.024},
    "sir": {"NPE": 0.852, "NNPE": 0.155, "RNPE": 0.124},
    "cs": {"NPE": 1.049, "NNPE": 0.709, "RNPE": 0.695},
}
# The same per parameter (two decimals in residual.csv), in the order of ``PublishedTask.param_names``.
WARD_MSE_PER_PARAMETER = {
    "gaussian": {"NPE": [0.16], "NNPE": [0.04], "RNPE": [0.02]},
    "sir": {"NPE": [1.11, 0.60], "NNPE": [0.20, 0.11], "RNPE": [0.16, 0.09]},
    "cs": {"NPE": [0.12, 1.11, 1.92], "NNPE": [0.12, 0.80, 1.21], "RNPE": [0.13, 0.75, 1.21]},
}

Simulator = Callable[[np.ndarray, np.random.Generator, bool], np.ndarray]


@dataclass(frozen=True)
class PublishedTask:
    """One task: a prior, a simulator with a misspecified twin, the standardization of theta.

    ``simulator(theta, rng, misspecified)`` returns summaries ``(n, d)``; called twice with generators in the same
    state, the clean and the misspecified call see the same random draws (common random numbers).
    ``prior_mean`` and ``prior_sd`` are the exact moments of the prior, per parameter.
    ``dummy``: the task has one parameter, and an independent N(0, 1) ``aux`` joins the inference variables,
    because BayesFlow's CouplingFlow cannot model one variable.
    ``support``: the bounds ``(lower, upper)`` per parameter of a bounded prior (None: unbounded). The adapter
    constrains theta to them (``training.build_workflow``), so that no posterior draw falls outside them.
    ``error_model``: NNPE's error model on this task where its posterior is computable by quadrature
    (``references.error_model``), the exact posterior that NNPE and the robust posterior approximate; None elsewhere.
    """

    name: str
    title: str
    param_names: tuple[str, ...]
    summary_names: tuple[str, ...]
    prior_mean: np.ndarray
    prior_sd: np.ndarray
    misspecification: str
    sample_prior: Callable[[int, np.random.Generator], np.ndarray]
    simulator: Simulator
    dummy: bool = False
    support: tuple[np.ndarray, np.ndarray] | None = None
    error_model: SensorBlocks | None = None

    @property
    def num_params(self) -> int:
        return len(self.param_names)

    def standardize(self, theta: np.ndarray) -> np.ndarray:
        """Theta in prior sds from the prior mean, per parameter (Ward et al.'s unit of the MSE)."""
        return (np.asarray(theta, dtype=np.float64) - self.prior_mean) / self.prior_sd

    def simulate(self, n: int, rng: np.random.Generator) -> Data:
        """``n`` clean training simulations: ``theta``, ``x`` (and the dummy ``aux`` for a one-parameter task)."""
        theta = self.sample_prior(n, rng)
        data = {"theta": theta, "x": self.simulator(theta, rng, False)}
        if self.dummy:
            data["aux"] = rng.normal(size=(n, 1))
        return data

    def observations(self, n: int) -> dict[str, Data]:
        """``n`` clean and ``n`` misspecified observations with common random numbers, fixed per task.

        The same for every variant, training seed and run of the benchmark: ``{"clean": ..., "misspecified": ...}``,
        each with ``theta`` (the truth) and ``x``. For the Gaussian and sensors tasks these are the robustness
        benchmark's test sets at its clean and headline levels (the same generator, the same draws).
        """
        rng = observations_rng(self.name)
        theta = self.sample_prior(n, rng)
        state = rng.bit_generator.state
        out = {}
        for level in LEVELS:
            rng.bit_generator.state = state  # common random numbers: both sets draw from the same state
            out[level] = {"theta": theta, "x": self.simulator(theta, rng, level == "misspecified")}
        return out


def _gaussian() -> PublishedTask:
    def simulator(theta: np.ndarray, rng: np.random.Generator, misspecified: bool) -> np.ndarray:
        variance = gaussian.WARD_VARIANCE if misspecified else 1.0
        return gaussian.summaries(theta, gaussian.sample_noise(len(theta), rng), variance)

    return PublishedTask(
        name=gaussian.NAME,
        title="Gaussian (Ward et al.)",
        param_names=gaussian.PARAM_NAMES,
        summary_names=gaussian.SUMMARY_NAMES,
        prior_mean=gaussian.PRIOR_MEAN,
        prior_sd=np.full(1, gaussian.PRIOR_SD),
        misspecification=f"the 100 draws have variance {gaussian.WARD_VARIANCE:g} instead of 1",
        sample_prior=gaussian.sample_prior,
        simulator=simulator,
        dummy=True,
    )


SENSORS_OUTLIER = 20.0  # the misspecified sensor's offset, in clean summary sds


def _sensors() -> PublishedTask:
    def simulator(theta: np.ndarray, rng: np.random.Generator, misspecified: bool) -> np.ndarray:
        x = sensors.summaries(theta, sensors.sample_noise(len(theta), rng))
        outlier = sensors.sample_outlier_sensor(len(theta), rng)  # drawn for both (common random numbers)
        return sensors.with_outlier(x, outlier, SENSORS_OUTLIER if misspecified else 0.0)

    return PublishedTask(
        name=sensors.NAME,
        title="sensors (ours)",
        param_names=sensors.PARAM_NAMES,
        summary_names=sensors.SUMMARY_NAMES,
        prior_mean=sensors.PRIOR_MEAN,
        prior_sd=np.full(sensors.BLOCKS, sensors.PRIOR_SD),
        misspecification=f"one random sensor off by {SENSORS_OUTLIER:g} clean summary sds",
        sample_prior=sensors.sample_prior,
        simulator=simulator,
        error_model=SensorBlocks(
            blocks=sensors.BLOCKS,
            sensors=sensors.SENSORS_PER_BLOCK,
            sensor_sd=sensors.SENSOR_SD,
            prior_sd=sensors.PRIOR_SD,
        ),  # Ward et al.'s spike and slab scales, as the benchmark's NNPE (``NNPE.from_simulations`` defaults)
    )


def _sir() -> PublishedTask:
    return PublishedTask(
        name=sir.NAME,
        title="SIR (Ward et al.)",
        param_names=sir.PARAM_NAMES,
        summary_names=sir.SUMMARY_NAMES,
        prior_mean=sir.PRIOR_MEAN,
        prior_sd=sir.PRIOR_SD,
        misspecification="weekend under-reporting: 5% of Saturday's and Sunday's values reported on Monday",
        sample_prior=sir.sample_prior,
        simulator=lambda theta, rng, misspecified: sir.simulate(theta, rng, misspecified=misspecified),
        support=sir.BOUNDS,
    )


def _cs() -> PublishedTask:
    return PublishedTask(
        name=cancer.NAME,
        title="cancer-stromal (Ward et al.)",
        param_names=cancer.PARAM_NAMES,
        summary_names=cancer.SUMMARY_NAMES,
        prior_mean=cancer.PRIOR_MEAN,
        prior_sd=cancer.PRIOR_SD,
        misspecification="necrosis: cells within 0.8 radii of a necrotic parent (probability 0.75) are removed",
        sample_prior=cancer.sample_prior,
        simulator=lambda theta, rng, misspecified: cancer.simulate(theta, rng, misspecified=misspecified),
        support=cancer.BOUNDS,
    )


PUBLISHED_TASKS: dict[str, PublishedTask] = {t.name: t for t in (_gaussian(), _sir(), _cs(), _sensors())}


def without_summaries(task: PublishedTask, data: Data, dropped: tuple[str, ...]) -> Data:
    """``data`` with the summaries named in ``dropped`` left out of ``x`` (for the criticism-guided NPE)."""
    unknown = set(dropped) - set(task.summary_names)
    if unknown:
        raise ValueError(f"{task.name} has no summaries {sorted(unknown)}")
    keep = [j for j, name in enumerate(task.summary_names) if name not in dropped]
    return {**data, "x": data["x"][:, keep]}
