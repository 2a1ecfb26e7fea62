"""Posterior metrics, shared by the benchmarks so that every table reports the same quantities, and summaries of
a metric over training seeds.

All are in the units the caller chooses (the robustness benchmark: prior sds of theta; the published one:
standardized theta); one function computes them for sampled and for exact Normal posteriors alike.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .training import estimator_of

Z90 = 1.6448536269514722  # the 95% quantile of N(0, 1): central 90% intervals of a Normal posterior

Metrics = dict[str, float]


def posterior_metrics(
    truth: np.ndarray,
    mean: np.ndarray,
    sd: np.ndarray,
    interval: tuple[np.ndarray, np.ndarray],
    log_density: np.ndarray,
) -> Metrics:
    """The metrics of posteriors for n test observations.

    ``truth``, the posterior ``mean`` and ``sd`` and the bounds of the central 90% ``interval`` have shape
    (n, num_params); ``log_density`` (n,) is the log posterior density of the truth.
    """
    low, high = interval
    mse = float(np.mean((mean - truth) ** 2))
    return {
        "rmse": math.sqrt(mse),
        "mse": mse,
        "coverage90": float(np.mean((truth >= low) & (truth <= high))),
        "log_density": float(np.mean(log_density)),
        "log_density_median": float(np.median(log_density)),
        "post_sd": float(sd.mean()),
    }


def normal_log_density(x: np.ndarray, mean: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """Log density of independent Normals at the rows of ``x`` (n, d), summed over the d coordinates."""
    z = (x - mean) / sd
    return np.sum(-0.5 * z**2 - np.log(sd) - 0.5 * math.log(2 * math.pi), axis=1)


def log_density_of(
    workflow: Any,
    theta: np.ndarray,
    x: np.ndarray,
    scale: float | np.ndarray,
    dummy: bool = False,
    draws: int = 8,
    conditions: dict[str, np.ndarray] | None = None,
) -> np.ndarray:
    """Log posterior density of ``theta / scale`` (``scale``: one for all parameters, or one per parameter) given
    summaries ``x``, from a trained ``workflow`` (its approximator's ``log_prob``).

    ``dummy``: the workflow also models an independent N(0, 1) ``aux`` parameter (a CouplingFlow cannot model a
    single variable); it is integrated out by importance sampling from its prior with ``draws`` draws.
    ``conditions``: further conditions of the estimator, one row per row of ``theta`` (e.g. slab indicators).
    """
    estimator = estimator_of(workflow)
    shift = float(np.sum(np.log(np.broadcast_to(np.asarray(scale, dtype=np.float64), (theta.shape[1],)))))
    extra = dict(conditions or {})
    if not dummy:
        return np.asarray(estimator.log_prob({"theta": theta, "x": x, **extra}), dtype=np.float64) + shift
    rng = np.random.default_rng(99)
    terms = []
    for _ in range(draws):
        aux = rng.normal(size=(len(theta), 1))
        joint = np.asarray(estimator.log_prob({"theta": theta, "aux": aux, "x": x, **extra}), dtype=np.float64)
        terms.append(joint + 0.5 * aux[:, 0] ** 2 + 0.5 * math.log(2 * math.pi))
    terms = np.stack(terms)
    top = terms.max(axis=0)
    return top + np.log(np.mean(np.exp(terms - top), axis=0)) + shift


def spread(values: Sequence[float]) -> dict[str, Any]:
    """Mean, min, max and sd of values over seeds; all None (and a count) if any is not finite."""
    v = np.asarray(values, dtype=np.float64)
    finite = v[np.isfinite(v)]
    if len(finite) < len(v):
        bad = int(len(v) - len(finite))
        return {"mean": None, "min": None, "max": None, "sd": None, "n": len(v), "non_finite": bad}
    return {"mean": float(v.mean()), "min": float(v.min()), "max": float(v.max()), "sd": float(v.std()), "n": len(v)}
