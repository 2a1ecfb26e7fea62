"""What the criticism benchmark measures of a trained critic at one prior rho: its errors against the exact inclusion
probabilities, calibration, outliers, Ward et al.'s example, the sensors sweep, the joint of the indicators (sensors),
cost; and the MCMC baseline.

The critic is evaluated at each rho through ``slab_probability=rho`` (one critic per task, trained under its mixture
prior). Every reference value is exact (``references.inclusion`` and, for the joint, ``references.error_model``, by
quadrature), computed with the critic's own ``summary_mean`` and ``summary_std`` at the same rho and never through the
critic.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import stats

from ..common.criticism import inclusion_probabilities, pattern_probabilities
from ..references import mcmc
from ..references.error_model import SensorBlocks
from ..simulators import sensors
from . import observations as ct
from .config import Config

BINS = 20


# ------------------------------------------------------------------------------------------------------------ metrics
def errors(p: np.ndarray, ref: np.ndarray) -> dict:
    err = np.abs(p - ref)
    return {
        "n": int(len(p)),
        "mae": float(err.mean()),
        "mae_per_summary": err.mean(axis=0).tolist(),
        "p99_abs_error": float(np.quantile(err, 0.99)),
        "max_abs_error": float(err.max()),
    }


def bce(p: np.ndarray, z: np.ndarray) -> float:
    """Mean binary cross-entropy per summary (nats)."""
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(-(z * np.log(p) + (1 - z) * np.log1p(-p)).mean())


def reliability(p: np.ndarray, z: np.ndarray, bins: int = BINS) -> dict:
    """Bins of predicted p: count, mean prediction, observed frequency of z = 1 with a 95% Clopper-Pearson interval,
    and the standardized difference ``(sum z - sum p) / sqrt(sum p (1 - p))`` per bin.

    The chi2 statistic (bins with ``sum p (1 - p) >= 25``) treats all summaries as independent given y: exact for
    ``gaussian``; for ``sensors`` the indicators of one observation are dependent given y, so it is approximate."""
    p, z = p.ravel(), z.ravel().astype(np.float64)
    index = np.minimum((p * bins).astype(np.intp), bins - 1)
    count = np.bincount(index, minlength=bins)
    sum_p = np.bincount(index, weights=p, minlength=bins)
    sum_z = np.bincount(index, weights=z, minlength=bins)
    var = np.bincount(index, weights=p * (1 - p), minlength=bins)
    k = sum_z.astype(np.intp)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_p, freq = sum_p / count, sum_z / count
        low = np.where(k > 0, stats.beta.ppf(0.025, k, count - k + 1), 0.0)
        high = np.where(k < count, stats.beta.ppf(0.975, k + 1, count - k), 1.0)
        zscore = (sum_z - sum_p) / np.sqrt(var)
    used = var >= 25
    chi2 = float(np.sum(zscore[used] ** 2))
    return {
        "edges": np.linspace(0, 1, bins + 1).tolist(),
        "count": count.tolist(),
        "mean_p": mean_p.tolist(),
        "freq": freq.tolist(),
        "ci95_low": low.tolist(),
        "ci95_high": high.tolist(),
        "zscore": zscore.tolist(),
        "ece": float(np.nansum(count * np.abs(freq - mean_p)) / count.sum()),
        "chi2": chi2,
        "chi2_bins": int(used.sum()),
        "chi2_pvalue": float(stats.chi2.sf(chi2, used.sum())) if used.any() else None,
    }


def timed_predict(critic, raw: np.ndarray, rho: float, repeats: int = 3) -> dict:
    """Wall time of the critic's probabilities for ``raw`` at prior ``rho``: the first call at this rho (at the first
    rho evaluated, it traces the forward pass) and warm calls."""
    start = time.perf_counter()
    p = inclusion_probabilities(critic, raw, slab_probability=rho)
    first = time.perf_counter() - start
    warm = []
    for _ in range(repeats):
        start = time.perf_counter()
        inclusion_probabilities(critic, raw, slab_probability=rho)
        warm.append(time.perf_counter() - start)
    return {"n": int(len(raw)), "first_s": first, "warm_s": float(np.median(warm)), "warm_all_s": warm, "p": p}


def timed(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, float]:
    """``fn(*args, **kwargs)`` and its wall time in seconds."""
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


# ------------------------------------------------------------------------------------------------------- evaluation
def bar_stats(p: np.ndarray) -> dict:
    """What a Ward-style bar chart shows for many observations: per summary, the mean and the 10%/90% quantiles."""
    low, high = np.quantile(p, [0.1, 0.9], axis=0)
    return {"mean": p.mean(axis=0).tolist(), "q10": low.tolist(), "q90": high.tolist()}


def evaluate_critic(task: ct.Task, critic, rho: float, config: Config) -> dict:
    """Every measurement of one trained critic at prior ``rho`` (everything the figures need, too)."""
    m, s = critic.summary_mean, critic.summary_std
    exact = task.exact

    def predict(raw: np.ndarray) -> np.ndarray:
        return inclusion_probabilities(critic, raw, slab_probability=rho)

    record: dict = {"summary_mean": m.tolist(), "summary_std": s.tolist()}

    # cost of criticism: 10,000 noisy observations (the first call at the first rho traces the forward pass)
    raw_noisy, y_noisy, z_noisy = ct.noisy(task, config.num_noisy, m, s, rho)
    timing = timed_predict(critic, raw_noisy[: config.num_predict], rho)
    ref_noisy, exact_s = timed(exact, y_noisy, m, s, rho)
    p_noisy = predict(raw_noisy)
    record["cost"] = {
        "predict_n": timing["n"],
        "predict_first_s": timing["first_s"],
        "predict_warm_s": timing["warm_s"],
        "predict_warm_all_s": timing["warm_all_s"],
        "exact_quadrature_s_per_10k": exact_s * 1e4 / len(y_noisy),
    }

    # accuracy against the exact values
    raw_clean, y_clean = ct.clean(task, config.num_clean, m, s)
    record["clean"] = errors(predict(raw_clean), exact(y_clean, m, s, rho))
    record["noisy"] = errors(p_noisy, ref_noisy)
    record["noisy"]["bce_critic"] = bce(p_noisy, z_noisy)
    record["noisy"]["bce_exact"] = bce(ref_noisy, z_noisy)  # the Bayes floor of the critic's loss
    record["noisy"]["slab_fraction"] = float(z_noisy.mean())
    alone = task.alone(y_noisy, m, s, rho)
    record["noisy"]["alone_mae_vs_exact"] = float(np.abs(alone - ref_noisy).mean())
    record["noisy"]["bce_alone"] = bce(alone, z_noisy)
    record["reliability"] = {"critic": reliability(p_noisy, z_noisy), "exact": reliability(ref_noisy, z_noisy)}

    record["outliers"] = {}
    for size in config.outlier_sizes:
        raw, y, mask = ct.outliers(task, config.num_outlier, size, m, s)
        p, ref = predict(raw), exact(y, m, s, rho)
        record["outliers"][f"{size:g}"] = {
            "n": int(len(raw)),
            "critic_mean": float(p[mask].mean()),
            "critic_min": float(p[mask].min()),
            "exact_mean": float(ref[mask].mean()),
            "exact_min": float(ref[mask].min()),
            "mae_all_summaries": float(np.abs(p - ref).mean()),
        }

    if task.name == "gaussian":
        raw, y = ct.ward(config.num_ward, m, s)
        p, ref = predict(raw), exact(y, m, s, rho)
        record["ward"] = {
            "n": int(len(raw)),
            "variance": ct.WARD_VARIANCE,
            "critic_mean": p.mean(axis=0).tolist(),
            "exact_mean": ref.mean(axis=0).tolist(),
            "critic_q10_q90": np.quantile(p, [0.1, 0.9], axis=0).tolist(),
            "exact_q10_q90": np.quantile(ref, [0.1, 0.9], axis=0).tolist(),
            "mae": float(np.abs(p - ref).mean()),
            "ward_reported": ct.WARD_REPORTED if rho == 0.5 else None,
        }
        record["bars"] = {"what": "ward", "critic": bar_stats(p), "exact": bar_stats(ref), "alone": bar_stats(ref)}
    else:
        sizes = config.sweep_sizes
        raw, y = ct.sweep(config.num_sweep, sizes, m, s)
        p = predict(raw.reshape(-1, task.d)).reshape(raw.shape)
        ref = exact(y.reshape(-1, task.d), m, s, rho).reshape(raw.shape)
        alone = task.alone(y.reshape(-1, task.d), m, s, rho).reshape(raw.shape)
        j = ct.SWEEP_SENSOR
        same = [k for k in range(5) if k != j]
        rows = {}
        for name, values in (("critic", p), ("exact", ref), ("alone", alone)):
            rows[name] = {
                "broken": values[:, :, j].mean(axis=1).tolist(),
                "same_block": values[:, :, same].mean(axis=(1, 2)).tolist(),
                "other_block": values[:, :, 5:].mean(axis=(1, 2)).tolist(),
            }
        record["sweep"] = {
            "n": int(config.num_sweep),
            "sensor": j,
            "sizes": list(sizes),
            **rows,
            "mae_per_size": np.abs(p - ref).mean(axis=(1, 2)).tolist(),
        }
        at = list(sizes).index(config.bar_size)
        record["bars"] = {
            "what": f"sweep offset {config.bar_size:g}",
            **{name: bar_stats(v[at]) for name, v in (("critic", p), ("exact", ref), ("alone", alone))},
        }
        record["joint"] = joint_record(task, critic, rho, config)
    return record


# ------------------------------------------------------------------------------------------------------------ joint
def product_of_marginals(marginals: np.ndarray, patterns: np.ndarray) -> np.ndarray:
    """The joint ``prod_j p_j^z_j (1 - p_j)^(1 - z_j)`` of every pattern ``(P, d)``, for marginals ``(n, d)``: what
    the indicators would be if they were independent given y. Shape ``(n, P)``."""
    out = np.empty((len(marginals), len(patterns)))
    ones = patterns.astype(bool)[None]
    for start in range(0, len(marginals), 64):
        p = marginals[start : start + 64, None, :]
        out[start : start + 64] = np.where(ones, p, 1.0 - p).prod(axis=-1)
    return out


def total_variation(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``0.5 sum_z |p(z) - q(z)|`` per row: the largest difference in probability the two give to any event of z."""
    return 0.5 * np.abs(p - q).sum(axis=-1)


def joint_errors(critic, raw: np.ndarray, std: np.ndarray, rho: float) -> dict:
    """The critic's joint ``p_rho(z | y)`` over all 2^10 patterns against the exact joint (``references.error_model``,
    on the raw observations with the critic's own z-scoring std), and the products of the marginals beside it."""
    patterns, q = pattern_probabilities(critic, raw, slab_probability=rho)
    blocks = SensorBlocks(
        blocks=sensors.BLOCKS,
        sensors=sensors.SENSORS_PER_BLOCK,
        sensor_sd=sensors.SENSOR_SD,
        prior_sd=sensors.PRIOR_SD,
        spike=ct.SPIKE,
        slab=ct.SLAB,
    )
    exact, exact_s = timed(blocks.pattern_probabilities, raw, std=std, rho=rho)
    patterns = np.asarray(patterns, dtype=np.float64)
    q_marginals, exact_marginals = q @ patterns, exact @ patterns
    tv = total_variation(q, exact)
    tv_q_product = total_variation(product_of_marginals(q_marginals, patterns), exact)
    tv_exact_product = total_variation(product_of_marginals(exact_marginals, patterns), exact)
    return {
        "n": int(len(raw)),
        "tv_critic": float(tv.mean()),
        "tv_critic_q90": float(np.quantile(tv, 0.9)),
        "tv_critic_max": float(tv.max()),
        "tv_critic_marginals_product": float(tv_q_product.mean()),
        "tv_exact_marginals_product": float(tv_exact_product.mean()),
        "tv_exact_marginals_product_max": float(tv_exact_product.max()),
        "mae_marginals": float(np.abs(q_marginals - exact_marginals).mean()),
        "exact_s_per_observation": exact_s / len(raw),
    }


def joint_record(task: ct.Task, critic, rho: float, config: Config) -> dict:
    """``sensors``: the joint of the indicators against the exact joint, on clean observations and on observations
    with one sensor ``config.joint_outlier_size`` clean sds off."""
    m, s = critic.summary_mean, critic.summary_std
    raw_clean, _ = ct.clean(task, config.num_joint, m, s)
    raw_off, _, _ = ct.outliers(task, config.num_joint, config.joint_outlier_size, m, s)
    size = f"{config.joint_outlier_size:g}"
    return {
        "what": "mean total variation 0.5 sum_z |q(z | y) - p(z | y)| over all 2^10 patterns of z, against the exact "
        "joint (references.error_model.SensorBlocks.pattern_probabilities); 'marginals_product': the product of the "
        "critic's (or the exact) marginals in place of the joint, against the exact joint",
        "outlier_size": config.joint_outlier_size,
        "clean": joint_errors(critic, raw_clean, s, rho),
        f"outlier_{size}": joint_errors(critic, raw_off, s, rho),
    }


def mcmc_baseline(task: ct.Task, mean, std, rhos, critic, config: Config) -> dict:
    """The MCMC baseline: accuracy at the check chain length on a few observations per rho (next to the critic at
    the same rho), and cost."""
    y, rho_rows, kinds = ct.mcmc_check_set(task, config.mcmc_check_per_rho, rhos, mean, std)
    prior = task.mcmc_prior(mean, std)
    res = mcmc.run(
        y,
        prior,
        spike=ct.SPIKE,
        slab=ct.SLAB,
        rho=rho_rows,
        warmup=config.mcmc_check_warmup,
        samples=config.mcmc_check_samples,
        seed=100 + task.task_id,
    )
    ref, critic_p = np.empty_like(y), np.empty_like(y)
    for rho in rhos:
        rows = rho_rows == rho
        ref[rows] = task.exact(y[rows], mean, std, rho)
        critic_p[rows] = inclusion_probabilities(critic, y[rows] * std + mean, slab_probability=rho)
    err = np.abs(res.p_rb - ref)
    zscore = (res.p_rb - ref) / np.maximum(res.se_rb, 1e-12)
    within = err <= 3 * res.se_rb + 1e-6  # an SE of 0: p within 1e-6 of 0 or 1, beyond what a chain resolves
    check = {
        "n": int(len(y)),
        "kinds": kinds,
        "rho": rho_rows.tolist(),
        "warmup": res.warmup,
        "samples": res.samples,
        "seconds": res.seconds,
        "seconds_per_observation": res.seconds / len(y),
        "acceptance_given_z0_z1": res.acceptance.tolist(),
        "mae_rb": float(err.mean()),
        "mae_indicator_mean": float(np.abs(res.p_z - ref).mean()),
        "max_abs_error_rb": float(err.max()),
        "mean_se_rb": float(res.se_rb.mean()),
        "max_abs_zscore": float(np.abs(zscore[res.se_rb > 0]).max()) if np.any(res.se_rb > 0) else 0.0,
        "fraction_within_3se": float(within.mean()),
        "critic_mae_same_observations": float(np.abs(critic_p - ref).mean()),
        "p_mcmc": res.p_rb.tolist(),
        "se_mcmc": res.se_rb.tolist(),
        "p_exact": ref.tolist(),
        "p_critic": critic_p.tolist(),
    }
    # cost: a shorter chain on many observations at once (vectorized, the best throughput), extrapolated linearly
    raw_noisy, y_noisy, _ = ct.noisy(task, config.mcmc_timing_chains, mean, std, rhos[0])
    timing = mcmc.run(
        y_noisy,
        prior,
        spike=ct.SPIKE,
        slab=ct.SLAB,
        rho=rhos[0],
        warmup=config.mcmc_timing_warmup,
        samples=config.mcmc_timing_samples,
        seed=200 + task.task_id,
    )
    ward_total = mcmc.WARD_WARMUP + mcmc.WARD_SAMPLES
    iterations = config.mcmc_timing_warmup + config.mcmc_timing_samples
    per_obs = timing.seconds / len(y_noisy) * ward_total / iterations
    cost = {
        "chains": int(len(y_noisy)),
        "iterations_timed": iterations,
        "seconds_timed": timing.seconds,
        "ward_iterations": ward_total,
        "seconds_per_observation_ward_length": per_obs,
        "seconds_per_10k_observations_ward_length": per_obs * 1e4,
        "note": f"{iterations} iterations of {len(y_noisy)} chains side by side, timed and extrapolated linearly to "
        f"Ward et al.'s {mcmc.WARD_WARMUP} + {mcmc.WARD_SAMPLES} iterations per observation",
    }
    return {"check": check, "cost": cost}
