"""The sensors task (ours): two blocks of five redundant sensors, so the summaries depend on each other.

theta ~ N(0, I_2); ``x = repeat(theta, 5) + 0.3 * noise``: sensors 0-4 read theta_0, sensors 5-9 read theta_1.
Misspecified observations: ONE sensor gets an outlier of ``size`` clean-summary standard deviations (the model's
sd of a raw summary, ``sqrt(1 + 0.3^2)``); the other four sensors of its block still carry its information.

Random numbers are drawn in a fixed order, theta, then the sensor noise, then (where a test set needs it) the
sensor that gets the outlier, so that ``simulate_summaries(n, rng)`` equals ``summaries(sample_prior(n, rng),
sample_noise(n, rng))`` with the same generator.
"""

from __future__ import annotations

import math

import numpy as np

NAME = "sensors"
BLOCKS = 2  # parameters: one block of sensors each
SENSORS_PER_BLOCK = 5
SENSOR_SD = 0.3
NUM_SUMMARIES = BLOCKS * SENSORS_PER_BLOCK
PARAM_NAMES: tuple[str, ...] = tuple(f"theta{j}" for j in range(BLOCKS))
SUMMARY_NAMES: tuple[str, ...] = tuple(f"s{j}" for j in range(NUM_SUMMARIES))
PRIOR_MEAN = np.zeros(BLOCKS)
PRIOR_SD = 1.0
BOUNDS: tuple[np.ndarray, np.ndarray] | None = None  # an unbounded prior
# the model's mean and sd of each clean summary (marginally over the prior)
CLEAN_SUMMARY_MEAN = np.zeros(NUM_SUMMARIES)
CLEAN_SUMMARY_SD = np.full(NUM_SUMMARIES, math.sqrt(PRIOR_SD**2 + SENSOR_SD**2))


def sample_prior(n: int, rng: np.random.Generator) -> np.ndarray:
    """``(n, 2)`` draws of theta ~ N(0, I_2)."""
    return rng.normal(size=(n, BLOCKS))


def sample_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    """``(n, 10)`` standard normals: the noise of each sensor, before scaling by ``SENSOR_SD``."""
    return rng.normal(size=(n, NUM_SUMMARIES))


def sample_outlier_sensor(n: int, rng: np.random.Generator) -> np.ndarray:
    """``(n,)`` the sensor (0-9, uniformly) that gets the outlier of a misspecified observation."""
    return rng.integers(0, NUM_SUMMARIES, size=n)


def summaries(theta: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """``(n, 10)`` sensor readings ``repeat(theta, 5) + 0.3 * noise``."""
    return np.repeat(theta, SENSORS_PER_BLOCK, axis=1) + SENSOR_SD * noise


def with_outlier(x: np.ndarray, sensor: np.ndarray, size: float) -> np.ndarray:
    """A copy of ``x`` with sensor ``sensor[i]`` of observation ``i`` off by ``size`` clean-summary sds."""
    x = np.array(x, dtype=np.float64, copy=True)
    if size:
        x[np.arange(len(x)), sensor] += size * CLEAN_SUMMARY_SD[sensor]
    return x


def simulate_summaries(n: int, rng: np.random.Generator) -> np.ndarray:
    """Raw clean summaries of ``n`` observations, shape ``(n, 10)``."""
    theta = sample_prior(n, rng)
    return summaries(theta, sample_noise(n, rng))
