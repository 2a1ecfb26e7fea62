"""Evaluation and report of the criticism benchmark (``benchmarks/criticism.py``): metrics, targets, table, figures.

Every reference value is exact (``inclusion.py`` by quadrature), computed with the critic's own ``summary_mean`` and
``summary_std`` and never through the critic. The figures are drawn from the JSON record alone (``--replot``).
"""

from __future__ import annotations

import math
import time

import numpy as np
from scipy import stats

from . import criticism_tasks as ct
from . import mcmc
from .plots import pyplot

TARGETS = {"clean_mae": 0.02, "noisy_mae": 0.04, "outlier_min": 0.98}
BINS = 20
MIN_PLOTTED = 20  # reliability bins with fewer predictions are left out of the figure


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


def timed_predict(critic, raw: np.ndarray, repeats: int = 3) -> dict:
    """Wall time of ``critic.predict`` on ``raw``: the first call (traces the forward pass) and warm calls."""
    start = time.perf_counter()
    p = critic.predict(raw)
    first = time.perf_counter() - start
    warm = []
    for _ in range(repeats):
        start = time.perf_counter()
        critic.predict(raw)
        warm.append(time.perf_counter() - start)
    return {"n": int(len(raw)), "first_s": first, "warm_s": float(np.median(warm)), "warm_all_s": warm, "p": p}


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


# ------------------------------------------------------------------------------------------------------- evaluation
def bar_stats(p: np.ndarray) -> dict:
    """What a Ward-style bar chart shows for many observations: per summary, the mean and the 10%/90% quantiles."""
    low, high = np.quantile(p, [0.1, 0.9], axis=0)
    return {"mean": p.mean(axis=0).tolist(), "q10": low.tolist(), "q90": high.tolist()}


def evaluate_critic(task: ct.Task, critic, rho: float, config) -> dict:
    """Every measurement of one trained critic (everything the figures need, too)."""
    m, s = critic.summary_mean, critic.summary_std
    exact = task.exact
    record: dict = {"summary_mean": m.tolist(), "summary_std": s.tolist()}

    # cost of criticism: 10,000 noisy observations (the first call traces the forward pass)
    raw_noisy, y_noisy, z_noisy = ct.noisy(task, config.num_noisy, m, s, rho)
    timing = timed_predict(critic, raw_noisy[: config.num_predict])
    ref_noisy, exact_s = timed(exact, y_noisy, m, s, rho)
    p_noisy = critic.predict(raw_noisy)
    record["cost"] = {
        "predict_n": timing["n"],
        "predict_first_s": timing["first_s"],
        "predict_warm_s": timing["warm_s"],
        "predict_warm_all_s": timing["warm_all_s"],
        "exact_quadrature_s_per_10k": exact_s * 1e4 / len(y_noisy),
    }

    # accuracy against the exact values
    raw_clean, y_clean = ct.clean(task, config.num_clean, m, s)
    record["clean"] = errors(critic.predict(raw_clean), exact(y_clean, m, s, rho))
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
        p, ref = critic.predict(raw), exact(y, m, s, rho)
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
        p, ref = critic.predict(raw), exact(y, m, s, rho)
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
        p = critic.predict(raw.reshape(-1, task.d)).reshape(raw.shape)
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
    return record


def mcmc_baseline(task: ct.Task, mean, std, rhos, critics: dict, config) -> dict:
    """The MCMC baseline: accuracy at the check chain length on a few observations, and cost."""
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
        critic_p[rows] = critics[rho].predict(y[rows] * std + mean)
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


# ------------------------------------------------------------------------------------------------------------ targets
def check_targets(results: dict) -> list[dict]:
    targets = []

    def add(name, task, rho, value, threshold, relation, note=""):
        met = value <= threshold if relation == "<=" else value >= threshold
        targets.append(
            {
                "target": name,
                "task": task,
                "rho": rho,
                "value": value,
                "threshold": threshold,
                "relation": relation,
                "met": bool(met),
                "note": note,
            }
        )

    for task, by_task in results.items():
        for rho_key, r in by_task["rhos"].items():
            rho = float(rho_key)
            add("MAE clean", task, rho, r["clean"]["mae"], TARGETS["clean_mae"], "<=")
            add("MAE contaminated", task, rho, r["noisy"]["mae"], TARGETS["noisy_mae"], "<=")
            for size, o in r["outliers"].items():
                add(
                    f"outlier {size} sd: min p",
                    task,
                    rho,
                    o["critic_min"],
                    TARGETS["outlier_min"],
                    ">=",
                    f"mean {o['critic_mean']:.4f}; exact min {o['exact_min']:.4f}",
                )
    return targets


# -------------------------------------------------------------------------------------------------------------- table
def text_table(title: str, header: tuple[str, ...], body: list[tuple[str, ...]]) -> str:
    widths = [max(len(h), *(len(row[i]) for row in body)) for i, h in enumerate(header)]
    line = "  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True))
    rows = ["  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in body]
    return "\n".join([title, line, "-" * len(line), *rows])


def format_report(results: dict, targets: list[dict], mode: str) -> dict[str, str]:
    acc, cost, ward, sweep = [], [], [], []
    for task, by_task in results.items():
        mc = by_task["mcmc"]
        for rho_key, r in by_task["rhos"].items():
            o = r["outliers"]
            outlier = "  ".join(
                f"{v['critic_mean']:.4f}/{v['critic_min']:.4f} ({v['exact_min']:.4f})" for v in o.values()
            )
            acc.append(
                (
                    task,
                    rho_key,
                    f"{r['clean']['mae']:.4f}",
                    f"{r['noisy']['mae']:.4f}",
                    f"{r['noisy']['max_abs_error']:.3f}",
                    outlier,
                    f"{r['noisy']['bce_critic']:.4f}/{r['noisy']['bce_exact']:.4f}",
                    f"{r['reliability']['critic']['ece']:.4f}/{r['reliability']['exact']['ece']:.4f}",
                    f"{r['noisy']['alone_mae_vs_exact']:.3f}",
                )
            )
            c = r["cost"]
            cost.append(
                (
                    task,
                    rho_key,
                    f"{r['train_s']:.0f}",
                    f"{c['predict_first_s']:.2f}",
                    f"{c['predict_warm_s']:.3f}",
                    f"{c['exact_quadrature_s_per_10k']:.2f}",
                    f"{mc['cost']['seconds_per_observation_ward_length']:.3f}",
                    f"{mc['cost']['seconds_per_10k_observations_ward_length'] / 3600:.2f} h",
                )
            )
            if "ward" in r:
                w = r["ward"]
                reported = "0.5 / 0.97" if w["ward_reported"] else "-"
                ward.append(
                    (
                        rho_key,
                        f"{w['critic_mean'][0]:.3f} / {w['critic_mean'][1]:.3f}",
                        f"{w['exact_mean'][0]:.3f} / {w['exact_mean'][1]:.3f}",
                        reported,
                    )
                )
            if "sweep" in r:
                s = r["sweep"]
                for i, size in enumerate(s["sizes"]):
                    sweep.append(
                        (
                            rho_key,
                            f"{size:g}",
                            f"{s['critic']['broken'][i]:.3f}",
                            f"{s['exact']['broken'][i]:.3f}",
                            f"{s['alone']['broken'][i]:.3f}",
                            f"{s['critic']['same_block'][i]:.3f}",
                            f"{s['exact']['same_block'][i]:.3f}",
                            f"{s['critic']['other_block'][i]:.3f}",
                            f"{s['exact']['other_block'][i]:.3f}",
                        )
                    )
    first = next(iter(next(iter(results.values()))["rhos"].values()))
    sizes = "  ".join(f"{k} sd" for k in first["outliers"])
    printed = {
        "accuracy": text_table(
            "Critic vs exact P(z_j = 1 | y) (default settings; MAE over all summaries)",
            (
                "task",
                "rho",
                "MAE clean",
                "MAE contam.",
                "max err",
                f"outlier {sizes}: mean/min (exact min)",
                "BCE critic/exact",
                "ECE critic/exact",
                "alone MAE",
            ),
            acc,
        ),
        "ward": text_table(
            f"Ward's example: gaussian task, {ct.WARD_VARIANCE:g}x variance, mean p for (mean / variance)",
            ("rho", "critic", "exact", "Ward et al. (RNPE)"),
            ward,
        ),
        "sweep": text_table(
            f"sensors: sensor {ct.SWEEP_SENSOR} off by k clean sds, mean p",
            (
                "rho",
                "k",
                "critic",
                "exact",
                "alone",
                "critic same block",
                "exact same block",
                "critic other",
                "exact other",
            ),
            sweep,
        ),
        "cost": text_table(
            "Cost (wall seconds, 2 shared cores): training; predict 10,000 observations; exact quadrature per 10,000; "
            "MCMC at Ward's length",
            ("task", "rho", "train s", "predict 1st s", "predict warm s", "exact s", "MCMC s/obs", "MCMC 10k obs"),
            cost,
        ),
        "mcmc": text_table(
            "MCMC baseline vs exact (Rao-Blackwellized; a few observations, both rhos)",
            (
                "task",
                "obs",
                "chain",
                "MAE MCMC",
                "MAE z-mean",
                "max err",
                "mean SE",
                "within 3 SE",
                "critic MAE",
                "s/obs",
            ),
            [
                (
                    task,
                    str(b["mcmc"]["check"]["n"]),
                    f"{b['mcmc']['check']['warmup']}+{b['mcmc']['check']['samples']}",
                    f"{b['mcmc']['check']['mae_rb']:.4f}",
                    f"{b['mcmc']['check']['mae_indicator_mean']:.4f}",
                    f"{b['mcmc']['check']['max_abs_error_rb']:.4f}",
                    f"{b['mcmc']['check']['mean_se_rb']:.4f}",
                    f"{b['mcmc']['check']['fraction_within_3se']:.2f}",
                    f"{b['mcmc']['check']['critic_mae_same_observations']:.4f}",
                    f"{b['mcmc']['check']['seconds_per_observation']:.2f}",
                )
                for task, b in results.items()
            ],
        ),
        "targets": ("" if mode == "full" else f"({mode} mode: small budgets, not a target check)\n")
        + "\n".join(
            f"{'met   ' if t['met'] else 'MISSED'} {t['task']:<8} rho={t['rho']:<4g} {t['target']:<26} "
            f"{t['value']:.4f} {t['relation']} {t['threshold']}  {t['note']}"
            for t in targets
        ),
    }
    return printed


# ------------------------------------------------------------------------------------------------------------ figures
def plot_reliability(results: dict, path) -> None:
    plt = pyplot()
    tasks = list(results)
    rhos = list(next(iter(results.values()))["rhos"])
    fig, axes = plt.subplots(len(tasks), len(rhos), figsize=(4.6 * len(rhos), 4.2 * len(tasks)), squeeze=False)
    for row, task in enumerate(tasks):
        for col, rho in enumerate(rhos):
            ax = axes[row, col]
            rel = results[task]["rhos"][rho]["reliability"]
            ax.plot([0, 1], [0, 1], color="0.6", linewidth=1)
            for name, style in (
                ("critic", {"color": "tab:blue", "fmt": "o"}),
                ("exact", {"color": "black", "fmt": "x"}),
            ):
                r = rel[name]
                keep = np.array(r["count"]) >= MIN_PLOTTED  # the JSON has every bin
                mean_p, freq = np.array(r["mean_p"])[keep], np.array(r["freq"])[keep]
                err = np.stack([freq - np.array(r["ci95_low"])[keep], np.array(r["ci95_high"])[keep] - freq])
                ax.errorbar(
                    mean_p,
                    freq,
                    yerr=err,
                    markersize=4,
                    capsize=2,
                    linewidth=1,
                    label=f"{name} (ECE {r['ece']:.3f})",
                    **style,
                )
            ax.axvline(float(rho), color="tab:red", linestyle="--", linewidth=0.8, label=f"prior {float(rho):g}")
            counts = np.array(rel["critic"]["count"])
            twin = ax.twinx()
            twin.bar(np.linspace(0, 1, BINS + 1)[:-1], counts, width=1 / BINS, align="edge", color="0.85", zorder=0)
            twin.set_yscale("log")
            twin.set_ylim(1, counts.max() * 300)
            twin.set_yticks([])
            ax.set_zorder(twin.get_zorder() + 1)
            ax.patch.set_visible(False)
            ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="predicted P(misspecified | y)", ylabel="observed frequency of z=1")
            ax.set_title(f"{task}, rho = {float(rho):g} (bars: counts, log; bins >= {MIN_PLOTTED})", fontsize=10)
            ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_bars(results: dict, rho: str, bar_size: float, path) -> None:
    """Ward-style bar charts (``plot_criticism``) of the mean probabilities, with 10-90% whiskers over observations.

    ``plot_criticism`` draws ``(m, d)`` arrays itself, but fails when a mean lies outside its 10-90% quantiles (e.g.
    95% of the exact values are 1.0): it gets the means here, and the whiskers are drawn on top."""
    from bayesflow_nnpe import plot_criticism

    plt = pyplot()
    tasks = list(results)
    fig, axes = plt.subplots(len(tasks), 3, figsize=(13, 3.4 * len(tasks)), squeeze=False)
    for row, task in enumerate(tasks):
        names = results[task]["summary_names"]
        record = results[task]["rhos"][rho]
        if task == "gaussian":
            what = f"{record['ward']['n']} obs. with variance {ct.WARD_VARIANCE:g}"
        else:
            what = f"{record['sweep']['n']} obs., sensor {ct.SWEEP_SENSOR} off by {bar_size:g} sd"
        titles = {
            "critic": f"{task}: critic ({what})",
            "exact": "exact (quadrature)",
            "alone": "each summary alone" + (" (= exact: independent)" if task == "gaussian" else ""),
        }
        for col, name in enumerate(("critic", "exact", "alone")):
            bars = record["bars"][name]
            ax = plot_criticism(bars["mean"], names, prior=float(rho), ax=axes[row, col], title=titles[name])
            ax.vlines(range(len(names)), bars["q10"], bars["q90"], color="black", linewidth=1, label="10-90% of obs.")
            if task == "gaussian" and name != "alone" and float(rho) == 0.5:
                ax.plot(range(2), [ct.WARD_REPORTED[k] for k in names], "k*", markersize=10, label="Ward et al.")
            ax.legend(fontsize=8, loc="upper left")
            ax.title.set_fontsize(9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_all(results: dict, config_rho: str, bar_size: float, out) -> None:
    plot_reliability(results, out / "criticism_reliability.png")
    plot_bars(results, config_rho, bar_size, out / "criticism_ward.png")
    if "sensors" in results:
        plot_sweep(results, out / "criticism_sensors_sweep.png")


def plot_sweep(results: dict, path) -> None:
    plt = pyplot()
    rhos = list(results["sensors"]["rhos"])
    fig, axes = plt.subplots(1, len(rhos), figsize=(5.5 * len(rhos) + 2, 4), squeeze=False)
    for ax, rho in zip(axes[0], rhos, strict=True):
        s = results["sensors"]["rhos"][rho]["sweep"]
        k = s["sizes"]
        for part, color in (("broken", "tab:red"), ("same_block", "tab:blue"), ("other_block", "tab:gray")):
            label = {
                "broken": f"sensor {s['sensor']}",
                "same_block": "others, same block",
                "other_block": "other block",
            }
            ax.plot(k, s["critic"][part], "o-", color=color, markersize=4, label=f"critic: {label[part]}")
            ax.plot(k, s["exact"][part], "k--", linewidth=1, label="exact" if part == "broken" else None)
        ax.plot(k, s["alone"]["broken"], ":", color="tab:red", linewidth=2, label=f"sensor {s['sensor']} judged alone")
        ax.axhline(float(rho), color="black", linewidth=0.8, linestyle="-.", label="prior rho")
        ax.set_xscale("symlog", linthresh=2, linscale=1.5)  # linear up to 2 sds, where the joint answer turns
        ax.set_xticks([0, 0.5, 1, 1.5, 2, 3, 5, 10, 20], ["0", "0.5", "1", "1.5", "2", "3", "5", "10", "20"])
        ax.set_xlim(0, max(k) * 1.05)
        ax.set(xlabel=f"sensor {s['sensor']} offset (clean sds)", ylabel="mean P(misspecified | y)", ylim=(0, 1.02))
        ax.set_title(f"sensors, rho = {float(rho):g} ({s['n']} observations per offset)", fontsize=10)
    axes[0, -1].legend(fontsize=8, loc="center left", bbox_to_anchor=(1.02, 0.5))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def to_json(value):
    """Non-finite floats to None, numpy scalars to Python: strict JSON."""
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_json(value.tolist())
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer | np.bool_):
        return value.item()
    return value
