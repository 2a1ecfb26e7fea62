"""What the benchmark measures of a trained seed: the robust posterior and NPE against the exact posterior, the
joint critic against the exact joint, the empirical Bayes, and the cost of sampling."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from ..references.error_model import SensorBlocks
from .tasks import Observations
from .training import KEY

LEVEL = 0.9  # the central posterior interval whose coverage is measured


def draws_metrics(draws: np.ndarray, theta: np.ndarray, exact: Any) -> dict[str, float]:
    """A sampled posterior ``(m, S, blocks)`` against the truth and against the exact posterior (``Posterior``)."""
    mean = draws.mean(axis=1)
    low, high = np.quantile(draws, [(1 - LEVEL) / 2, (1 + LEVEL) / 2], axis=1)
    rmse = float(np.sqrt(np.mean((mean - theta) ** 2)))
    rmse_exact = float(np.sqrt(np.mean((exact.mean - theta) ** 2)))
    return {
        "mean_error_sds": float(np.mean(np.abs(mean - exact.mean) / exact.sd)),
        "rmse": rmse,
        "rmse_exact": rmse_exact,
        "rmse_ratio": rmse / rmse_exact,
        "coverage90": float(np.mean((low <= theta) & (theta <= high))),
        "coverage90_exact": float(np.mean((exact.lower <= theta) & (theta <= exact.upper))),
        "post_sd": float(draws.std(axis=1).mean()),
        "post_sd_exact": float(exact.sd.mean()),
    }


def posterior_records(
    model: SensorBlocks, robust: Any, npe: Any, sets: dict[str, Observations], rhos: tuple, draws: int, seed: int
) -> dict[str, Any]:
    """Per set: the robust posterior at each rho, at rho = 0 and at the rho estimated on the set, and NPE; each
    against the exact posterior at the same rho (the critic's z-scoring std defines the error model's scales)."""
    std = robust.critic.summary_std.ravel()
    out = {}
    for name, obs in sets.items():
        estimated = robust.critic.estimate_slab_probability(obs.y, seed=seed)
        by_rho = {}
        for label, rho in [(f"{r:g}", r) for r in (0.0, *rhos)] + [("estimated", estimated)]:
            exact = model.posterior(obs.y, std=std, rho=rho)
            sample = robust.sample({KEY: obs.y.astype(np.float32)}, draws, slab_probability=rho, seed=seed)["theta"]
            by_rho[label] = draws_metrics(sample, obs.theta, exact)
        npe_draws = npe.sample(num_samples=draws, conditions={KEY: obs.y.astype(np.float32)}, seed=seed)["theta"]
        out[name] = {
            "rho": by_rho,
            "estimated_rho": estimated,
            "npe": draws_metrics(npe_draws, obs.theta, model.posterior(obs.y, std=std, rho=0.0)),
        }
    return out


def total_variation(p: np.ndarray, q: np.ndarray) -> float:
    """The mean over observations of the total variation between two distributions over patterns ``(m, P)``."""
    return float(0.5 * np.abs(p - q).sum(axis=1).mean())


def product_of_marginals(joint: np.ndarray, patterns: np.ndarray) -> np.ndarray:
    """The joint that treats the summaries as independent, with the marginals of ``joint``."""
    marginals = joint @ patterns
    return np.prod(np.where(patterns[None] > 0, marginals[:, None], 1 - marginals[:, None]), axis=-1)


def joint_records(model: SensorBlocks, critic: Any, sets: dict[str, Observations], rhos: tuple) -> dict[str, Any]:
    """The critic's joint over all patterns against the exact joint, and the products of marginals."""
    std = critic.summary_std.ravel()
    out = {}
    for name, obs in sets.items():
        out[name] = {}
        for rho in rhos:
            exact = model.pattern_probabilities(obs.y, std=std, rho=rho)
            patterns, joint = critic.pattern_probabilities(obs.y, slab_probability=rho)
            out[name][f"{rho:g}"] = {
                "tv": total_variation(joint, exact),
                "tv_product_of_critic_marginals": total_variation(product_of_marginals(joint, patterns), exact),
                "tv_product_of_exact_marginals": total_variation(product_of_marginals(exact, patterns), exact),
                "marginal_mae": float(np.abs(joint @ patterns - exact @ patterns).mean()),
            }
    return out


def empirical_bayes_records(model: SensorBlocks, critic: Any, sets: dict, seed: int, exact: bool) -> dict[str, Any]:
    """The critic's estimates (per summary and scalar) on each set, and (``exact``) the exact scalar estimate."""
    std = critic.summary_std.ravel()
    out = {}
    for name, (y, rate) in sets.items():
        per_summary = critic.estimate_slab_probability(y, seed=seed)
        record = {
            "true_rate": rate,
            "per_summary": per_summary,
            "max": float(np.max(per_summary)),
            "scalar": critic.estimate_slab_probability(y, per_summary=False, seed=seed),
        }
        if exact:
            record["exact_scalar"] = model.estimate_slab_probability(y, std=std)
        out[name] = record
    return out


def sampling_cost(robust: Any, npe: Any, y: np.ndarray, draws: int, seed: int) -> dict[str, float]:
    """Seconds to sample ``draws`` per observation with the robust posterior (at rho = 0.5) and with NPE, both warm
    (each called once before), in the same process, and their ratio."""
    conditions = {KEY: y.astype(np.float32)}

    def robust_call() -> None:
        robust.sample(conditions, draws, slab_probability=0.5, seed=seed)

    def npe_call() -> None:
        npe.sample(num_samples=draws, conditions=conditions, seed=seed)

    times = {}
    for name, call in (("robust_s", robust_call), ("npe_s", npe_call)):
        call()  # compile and warm up
        start = time.perf_counter()
        call()
        times[name] = time.perf_counter() - start
    return {**times, "ratio": times["robust_s"] / times["npe_s"], "observations": len(y), "draws": draws}


def sensitivity(model: SensorBlocks, robust: Any, y: np.ndarray, rhos: tuple, draws: int, seed: int) -> dict[str, Any]:
    """One observation's posterior as rho goes from 0 to 1: the network's and the exact mean and 90% interval of
    each parameter, and the critic's and the exact inclusion probabilities."""
    std = robust.critic.summary_std.ravel()
    out: dict[str, Any] = {"rhos": list(rhos), "y": y}
    rows = []
    for rho in rhos:
        sample = robust.sample({KEY: y[None].astype(np.float32)}, draws, slab_probability=rho, seed=seed)["theta"][0]
        exact = model.posterior(y[None], std=std, rho=rho)
        rows.append(
            {
                "mean": sample.mean(axis=0),
                "lower": np.quantile(sample, (1 - LEVEL) / 2, axis=0),
                "upper": np.quantile(sample, (1 + LEVEL) / 2, axis=0),
                "exact_mean": exact.mean[0],
                "exact_lower": exact.lower[0],
                "exact_upper": exact.upper[0],
                "inclusion": robust.critic.inclusion_probabilities(y, slab_probability=rho),
                "exact_inclusion": model.inclusion_probabilities(y[None], std=std, rho=rho)[0],
            }
        )
    out["by_rho"] = rows
    return out
