"""What the published benchmark reports: the summary over seeds, the table next to Ward et al.'s, the targets,
the price of robustness per rho, the critic's table, the robust posterior next to NPE and NNPE (its estimated rho
and its sampling cost), and ``published.json``.

Everything works on the plain records of the runs (dicts, as stored in ``published.json``).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np

from ..common.metrics import spread
from ..common.tables import fmt, text_table
from ..common.targets import Target, target
from .config import ESTIMATED, ROBUST, TARGET_RHO, PublishedConfig
from .tasks import LEVELS, PUBLISHED_TASKS, WARD_MSE, WARD_MSE_PER_PARAMETER

METRICS = ("mse", "coverage90", "log_density", "post_sd")
TARGETS = {"sir": WARD_MSE["sir"]["RNPE"], "cs": WARD_MSE["cs"]["RNPE"]}  # NNPE (rho = 0.5) MSE at or below RNPE's
TARGET_COVERAGE = 0.85  # NNPE (rho = 0.5), misspecified observations, every task
# The robust posterior at the estimated rho: misspecified MSE at most RNPE's (Ward's tasks), clean MSE at most this
# many times NPE's (every task), 90% coverage at least TARGET_COVERAGE (every task and level).
ROBUST_TARGETS = {task: WARD_MSE[task]["RNPE"] for task in ("gaussian", "sir", "cs")}
ROBUST_CLEAN_RATIO = 1.10
TARGETS_TITLE = (
    "Targets (seed means; NNPE rho=0.5 on misspecified observations, RobustPosterior at the rho estimated on each set "
    "of observations):"
)

Row = dict[str, Any]
Run = dict[str, Any]


def variant_key(run_or_row: dict) -> tuple[str, float | str | None]:
    return run_or_row["variant"], run_or_row["rho"]


def label(variant: str, rho: float | str | None) -> str:
    """``NPE``, ``NNPE rho=0.5``, ``RobustPosterior rho=0.1``, ``RobustPosterior rho=estimated``."""
    if rho is None:
        return variant
    return f"{variant} rho={rho}" if isinstance(rho, str) else f"{variant} rho={rho:g}"


VARIANT_ORDER = ("NPE", "NNPE", ROBUST)


def order(key: tuple[str, float | str | None]) -> tuple:
    """The order of the variants in the records: NPE, NNPE by decreasing rho, the robust posterior by decreasing rho
    and then at the estimated rho."""
    variant, rho = key
    rank = VARIANT_ORDER.index(variant) if variant in VARIANT_ORDER else len(VARIANT_ORDER)
    if isinstance(rho, str):
        return rank, 2, 0.0, rho
    return rank, int(rho is not None), -(rho or 0.0), ""


def summarize(runs: list[Run]) -> list[Row]:
    """One record per task, variant (and rho) and level: means over seeds, with per-seed values and spreads."""
    rows = []
    tasks = [t for t in PUBLISHED_TASKS if any(r["task"] == t for r in runs)]
    for task in tasks:
        keys = sorted({variant_key(r) for r in runs if r["task"] == task}, key=order)
        for variant, rho in keys:
            chosen = sorted(
                (r for r in runs if r["task"] == task and variant_key(r) == (variant, rho)), key=lambda r: r["seed"]
            )
            for level in LEVELS:
                row: Row = {
                    "task": task,
                    "variant": variant,
                    "rho": rho,
                    "label": label(variant, rho),
                    "level": level,
                    "seeds": len(chosen),
                }
                stats = {}
                for metric in METRICS:
                    values = [r["metrics"][level][metric] for r in chosen]
                    stats[metric] = spread(values)
                    row[metric] = stats[metric]["mean"]
                    row[f"{metric}_per_seed"] = values
                for metric in ("mse_per_param", "coverage90_per_param", "post_sd_per_param"):
                    row[metric] = np.mean([r["metrics"][level][metric] for r in chosen], axis=0).tolist()
                stats["train_time_s"] = spread([r["train_time_s"] for r in chosen])
                row["train_time_s"] = stats["train_time_s"]["mean"]
                row["train_time_s_per_seed"] = [r["train_time_s"] for r in chosen]
                row["spread"] = stats
                if rho == ESTIMATED:  # the rho per summary estimated on this level's observations (the same critic)
                    row["estimated_rho"] = chosen[0]["estimated_rho"][level]
                ward = WARD_MSE.get(task, {})
                if level == "misspecified" and (variant == "NPE" or rho == TARGET_RHO) and variant in ward:
                    row["ward_mse"] = ward[variant]
                    row["ward_mse_per_param"] = WARD_MSE_PER_PARAMETER[task][variant]
                rows.append(row)
    return rows


def find(rows: list[Row], task: str, level: str, variant: str, rho: float | str | None = None) -> Row | None:
    for r in rows:
        if r["task"] == task and r["level"] == level and r["variant"] == variant and r["rho"] == rho:
            return r
    return None


def tradeoff(rows: list[Row]) -> list[dict]:
    """The price of robustness per task and rho, NPE as the reference (ratios of seed means; per-seed ratios too).

    ``clean_mse_ratio`` and ``clean_sd_ratio``: MSE and posterior SD on clean observations over NPE's;
    ``misspecified_mse`` and its ratio to NPE's.
    """
    out = []
    for task in dict.fromkeys(r["task"] for r in rows):
        npe_clean, npe_mis = find(rows, task, "clean", "NPE"), find(rows, task, "misspecified", "NPE")
        if npe_clean is None or npe_mis is None:
            continue
        for clean in (r for r in rows if r["task"] == task and r["level"] == "clean"):
            mis = find(rows, task, "misspecified", clean["variant"], clean["rho"])

            def per_seed(metric: str, row: Row, ref: Row) -> list[float]:
                return [a / b for a, b in zip(row[f"{metric}_per_seed"], ref[f"{metric}_per_seed"], strict=False)]

            out.append(
                {
                    "task": task,
                    "variant": clean["variant"],
                    "rho": clean["rho"],
                    "label": clean["label"],
                    "clean_mse": clean["mse"],
                    "clean_mse_ratio": clean["mse"] / npe_clean["mse"],
                    "clean_mse_ratio_per_seed": per_seed("mse", clean, npe_clean),
                    "clean_sd_ratio": clean["post_sd"] / npe_clean["post_sd"],
                    "clean_sd_ratio_per_seed": per_seed("post_sd", clean, npe_clean),
                    "clean_coverage90": clean["coverage90"],
                    "misspecified_mse": mis["mse"],
                    "misspecified_mse_min": mis["spread"]["mse"]["min"],
                    "misspecified_mse_max": mis["spread"]["mse"]["max"],
                    "misspecified_mse_ratio": mis["mse"] / npe_mis["mse"],
                    "misspecified_coverage90": mis["coverage90"],
                    "misspecified_sd_ratio": mis["post_sd"] / npe_mis["post_sd"],
                }
            )
    return out


def check_targets(rows: list[Row], graded: bool) -> list[Target]:
    """The targets on seed means, NNPE at rho = 0.5 on misspecified observations, per-seed values alongside (graded
    by full runs only)."""
    targets = []
    for task, threshold in TARGETS.items():
        row = find(rows, task, "misspecified", "NNPE", TARGET_RHO)
        if row is not None:
            npe = find(rows, task, "misspecified", "NPE")
            note = f"Ward et al.: NPE {WARD_MSE[task]['NPE']}, NNPE {WARD_MSE[task]['NNPE']}, RNPE {threshold}"
            if npe is not None:
                note += f"; ours: NPE {npe['mse']:.3g}"
            name = f"{task} misspecified: NNPE rho=0.5 MSE"
            targets.append(
                target(name, row["mse"], "<=", threshold, graded=graded, per_seed=row["mse_per_seed"], note=note)
            )
    for task in PUBLISHED_TASKS:
        row = find(rows, task, "misspecified", "NNPE", TARGET_RHO)
        if row is not None:
            name = f"{task} misspecified: NNPE rho=0.5 90% coverage"
            per_seed = row["coverage90_per_seed"]
            targets.append(target(name, row["coverage90"], ">=", TARGET_COVERAGE, graded=graded, per_seed=per_seed))
    targets += robust_targets(rows, graded)
    return targets


def robust_targets(rows: list[Row], graded: bool) -> list[Target]:
    """The robust posterior's targets at the estimated rho (seed means, per-seed values alongside): misspecified MSE
    at most RNPE's on Ward's tasks; clean MSE at most ``ROBUST_CLEAN_RATIO`` times NPE's (the ratio of seed means);
    90% coverage at least ``TARGET_COVERAGE`` on every task and level."""
    targets = []
    for task, threshold in ROBUST_TARGETS.items():
        row = find(rows, task, "misspecified", ROBUST, ESTIMATED)
        if row is not None:
            note = f"Ward et al.: NPE {WARD_MSE[task]['NPE']}, NNPE {WARD_MSE[task]['NNPE']}, RNPE {threshold}"
            name = f"{task} misspecified: RobustPosterior rho=estimated MSE"
            targets.append(
                target(name, row["mse"], "<=", threshold, graded=graded, per_seed=row["mse_per_seed"], note=note)
            )
    for task in PUBLISHED_TASKS:
        row, npe = find(rows, task, "clean", ROBUST, ESTIMATED), find(rows, task, "clean", "NPE")
        if row is not None and npe is not None:
            per_seed = [a / b for a, b in zip(row["mse_per_seed"], npe["mse_per_seed"], strict=False)]
            note = f"MSE {row['mse']:.4g} against NPE's {npe['mse']:.4g}"
            name = f"{task} clean: RobustPosterior rho=estimated MSE / NPE's"
            ratio = row["mse"] / npe["mse"]
            targets.append(target(name, ratio, "<=", ROBUST_CLEAN_RATIO, graded=graded, per_seed=per_seed, note=note))
    for task in PUBLISHED_TASKS:
        for level in LEVELS:
            row = find(rows, task, level, ROBUST, ESTIMATED)
            if row is not None:
                name = f"{task} {level}: RobustPosterior rho=estimated 90% coverage"
                per_seed = row["coverage90_per_seed"]
                targets.append(target(name, row["coverage90"], ">=", TARGET_COVERAGE, graded=graded, per_seed=per_seed))
    return targets


def format_summary(rows: list[Row], seeds: int) -> str:
    """All metrics per task, variant and level, in standardized theta."""
    note = f"mean [min, max] over {seeds} seeds" if seeds > 1 else "1 seed"
    header = ("task", "level", "method", "MSE (Ward)", "cov90", "log p(theta)", "post SD", "train s")
    body = [
        (r["task"], r["level"], r["label"], *(fmt(r["spread"][m]) for m in METRICS), fmt(r["spread"]["train_time_s"]))
        for r in rows
    ]
    return text_table(f"Posterior metrics in standardized theta (prior sds; {note})", header, body)


def format_ward_table(rows: list[Row], rhos: tuple[float, ...]) -> str:
    """Misspecified MSE next to Ward et al.'s published numbers; clean MSE for the cost."""
    header = ("task", "Ward NPE", "Ward NNPE", "Ward RNPE", "NPE", *(f"NNPE rho={r:g}" for r in rhos))
    body = []
    for task in dict.fromkeys(r["task"] for r in rows):
        ward = WARD_MSE.get(task)
        cells = [f"{ward[k]:.3f}" if ward else "-" for k in ("NPE", "NNPE", "RNPE")]
        for level in LEVELS:
            ours = [find(rows, task, level, "NPE"), *(find(rows, task, level, "NNPE", rho) for rho in rhos)]
            shown = [fmt(r["spread"]["mse"]) if r else "-" for r in ours]
            body.append((f"{task}, {level}", *(cells if level == "misspecified" else ["", "", ""]), *shown))
    title = (
        "Posterior-mean MSE in standardized theta (Ward et al.'s measure), ours next to Ward et al.'s (2022) "
        "misspecified-observation results"
    )
    return text_table(title, header, body)


def format_robust_table(rows: list[Row], rhos: tuple[float, ...], robust_rhos: tuple[float | str, ...]) -> str:
    """The robust posterior at each of its rho beside NPE and NNPE (at the robust posterior's numeric rho, where
    trained): MSE and 90% coverage per task and level."""
    shown = [rho for rho in robust_rhos if not isinstance(rho, str) and rho in rhos]
    columns = [("NPE", None), *(("NNPE", rho) for rho in shown), *((ROBUST, rho) for rho in robust_rhos)]
    names = [label(v, rho).replace(f"{ROBUST} ", "Robust ") for v, rho in columns]
    body = []
    for task in dict.fromkeys(r["task"] for r in rows):
        for level in LEVELS:
            found = [find(rows, task, level, v, rho) for v, rho in columns]
            body.append((task, level, "MSE", *(fmt(r["spread"]["mse"]) if r else "-" for r in found)))
            body.append(("", "", "cov90", *(f"{r['coverage90']:.3f}" if r else "-" for r in found)))
    title = (
        "RobustPosterior (one indicator-conditioned network, the critic's p_rho(z | y)) beside NPE and NNPE: "
        "posterior-mean MSE in standardized theta and 90% coverage"
    )
    return text_table(title, ("task", "level", "metric", *names), body)


def format_robust(robust: dict[str, dict]) -> str:
    """Per task: the robust posterior's critic, its rho estimated on each set of observations (per summary), the
    exact error-model posterior where the task has one, and the sampling cost against NPE's approximator."""
    header = ("task", "summary", "rho est. clean", "rho est. misspecified")
    body = []
    for task, info in robust.items():
        for j, name in enumerate(info["summary_names"]):
            clean, mis = (info["estimated_rho"][level][j] for level in LEVELS)
            body.append((task if j == 0 else "", name, f"{clean:.3f}", f"{mis:.3f}"))
    lines = [text_table("RobustPosterior: rho estimated per summary on each set of observations (EM)", header, body)]
    exact = [
        (task if i == 0 else "", rho, *(f"{v[level][m]:.4g}" for level in LEVELS for m in ("mse", "coverage90")))
        for task, info in robust.items()
        for i, (rho, v) in enumerate(info.get("exact", {}).items())
    ]
    if exact:
        header = ("task", "rho", "clean MSE", "clean cov90", "misspec. MSE", "misspec. cov90")
        title = "The exact error-model posterior (quadrature), which NNPE and RobustPosterior approximate"
        lines.append(text_table(title, header, exact))
    costs = []
    for task, info in robust.items():
        c, critic = info.get("cost"), info["critic"]
        kind = "defaults" if critic["defaults"] else "quick budget"
        fit = f"critic ({kind}: widths {critic['widths']}, {critic['epochs']} epochs) {critic['train_time_s']:.0f} s"
        if c is None:
            costs.append((task, fit, "-", "-", "-", "-"))
            continue
        m = c["median_s"]
        costs.append(
            (
                task,
                fit,
                f"{c['observations']} x {c['draws']}",
                f"{m['approximator']:.2f}",
                f"{m['robust']:.2f} (indicators {m['indicators']:.2f})",
                f"{c['ratio']:.2f}",
            )
        )
    header = ("task", "critic", "obs x draws", "NPE sample s", "RobustPosterior s", "ratio")
    lines.append(text_table("Sampling cost (median of the timed calls, after one to compile)", header, costs))
    return "\n\n".join(lines)


def format_tradeoff(points: list[dict]) -> str:
    header = ("task", "method", "clean MSE / NPE", "clean SD / NPE", "clean cov90", "misspec. MSE", "misspec. cov90")
    body = [
        (
            p["task"],
            p["label"],
            f"{p['clean_mse_ratio']:.3g}",
            f"{p['clean_sd_ratio']:.3g}",
            f"{p['clean_coverage90']:.3f}",
            f"{p['misspecified_mse']:.3g} [{p['misspecified_mse_min']:.3g}, {p['misspecified_mse_max']:.3g}]",
            f"{p['misspecified_coverage90']:.3f}",
        )
        for p in points
    ]
    return text_table(
        "The price of robustness: clean-data cost against misspecified error, as rho varies", header, body
    )


def format_critics(critics: dict[str, dict]) -> str:
    header = ("task", "summary", "P(wrong) clean", "P(wrong) misspecified", "share > prior (misspec.)", "flagged")
    body = []
    for task, c in critics.items():
        for j, name in enumerate(c["summary_names"]):
            body.append(
                (
                    task,
                    name,
                    f"{c['clean']['mean'][j]:.3f}",
                    f"{c['misspecified']['mean'][j]:.3f}",
                    f"{c['misspecified']['share_above_prior'][j]:.2f}",
                    "yes" if name in c["flagged"] else "",
                )
            )
    title = "Misspecification critic (slab_probability 0.5): mean probability per summary that the simulator is wrong"
    return text_table(title, header, body)


def format_guided(guided: list[dict], rows: list[Row]) -> str:
    """The criticism-guided NPE (leaves out the summaries the critic flags; seed 0) next to NPE and NNPE."""
    header = ("task", "method", "MSE clean", "MSE misspecified", "cov90 misspecified")
    body = []
    for ref in guided:
        task = ref["task"]
        for r in (find(rows, task, "clean", "NPE"), find(rows, task, "clean", "NNPE", TARGET_RHO)):
            if r is not None:
                mis = find(rows, task, "misspecified", r["variant"], r["rho"])
                body.append((task, r["label"], f"{r['mse']:.3g}", f"{mis['mse']:.3g}", f"{mis['coverage90']:.3f}"))
        m = ref["metrics"]
        body.append(
            (
                task,
                f"NPE without {', '.join(ref['without'])} (guided, seed 0)",
                f"{m['clean']['mse']:.3g}",
                f"{m['misspecified']['mse']:.3g}",
                f"{m['misspecified']['coverage90']:.3f}",
            )
        )
    title = "Criticism-guided NPE: trained again without the summaries the critic flags (seed 0 only)"
    return text_table(title, header, body)


def task_descriptions(task_names: list[str]) -> dict[str, dict]:
    out = {}
    for name in task_names:
        task = PUBLISHED_TASKS[name]
        out[name] = {
            "title": task.title,
            "param_names": list(task.param_names),
            "summary_names": list(task.summary_names),
            "misspecification": task.misspecification,
            "theta_standardization": {"mean": task.prior_mean.tolist(), "sd": task.prior_sd.tolist()},
            "dummy_parameter": task.dummy,
        }
    return out


def config_record(config: PublishedConfig) -> dict:
    return asdict(config)
