"""Exact posteriors of theta that know the misspecification: the oracle, a floor no trained estimator beats on
average.

Both tasks are conjugate Normal models once the misspecification is known: for ``gaussian`` the sample mean is
sufficient for theta given the variance of the draws; for ``sensors`` the sensors other than the corrupted one are.
"""

from __future__ import annotations

import math

import numpy as np

from ..simulators import gaussian, sensors


def gaussian_posterior(x: np.ndarray, variance: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mean and sd of theta, each ``(n, 1)``, from summaries ``x`` ``(n, 2)`` of draws with ``variance``."""
    precision = 1 / gaussian.PRIOR_SD**2 + gaussian.DRAWS / variance
    mean = (gaussian.DRAWS / variance) * x[:, :1] / precision
    return mean, np.full_like(mean, 1 / math.sqrt(precision))


def sensors_posterior(x: np.ndarray, outlier_sensor: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mean and sd of theta, each ``(n, 2)``, from the sensors ``x`` ``(n, 10)`` that are not corrupted.

    ``outlier_sensor`` ``(n,)``: the sensor of each observation that is left out (None: a clean observation, all
    sensors count).
    """
    used = np.ones((len(x), sensors.NUM_SUMMARIES))
    if outlier_sensor is not None:
        used[np.arange(len(used)), outlier_sensor] = 0.0
    means, sds = [], []
    for j in range(sensors.BLOCKS):
        cols = slice(j * sensors.SENSORS_PER_BLOCK, (j + 1) * sensors.SENSORS_PER_BLOCK)
        precision = 1 / sensors.PRIOR_SD**2 + used[:, cols].sum(axis=1) / sensors.SENSOR_SD**2
        means.append((x[:, cols] * used[:, cols]).sum(axis=1) / sensors.SENSOR_SD**2 / precision)
        sds.append(1 / np.sqrt(precision))
    return np.stack(means, axis=1), np.stack(sds, axis=1)
