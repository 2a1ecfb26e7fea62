"""What the benchmark reports: summaries over seeds, text tables, the targets, the traps, and the CSV and JSON files.

Everything here works on the plain records of the runs (dicts, as stored in ``robustness.json``), so tables and
files can be rebuilt from the JSON without training.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from ..common.io import environment
from ..common.metrics import spread
from ..common.tables import fmt, text_table
from ..common.targets import Target, format_targets, target
from .config import Config
from .tasks import TASKS
from .variants import BASELINE, RECIPE, TRAP, VARIANTS, names

ORACLE = "oracle"  # the method name of the exact posterior's rows
METRICS = ("rmse", "mse", "coverage90", "log_density", "post_sd")

Row = dict[str, Any]
Run = dict[str, Any]


def summarize(runs: list[Run], oracles: dict, variants: tuple[str, ...]) -> list[Row]:
    """One row per task, level and method (mean, min, max, sd over seeds), with the oracle last."""
    rows = []
    for task in TASKS.values():
        if task.name not in oracles:
            continue
        for level in task.levels:
            for variant in (*variants, ORACLE):
                if variant == ORACLE:
                    chosen = [{"metrics": oracles[task.name]}]
                else:
                    chosen = [r for r in runs if r["task"] == task.name and r["variant"] == variant]
                if not chosen:
                    continue
                row = {"task": task.name, "level": level, "label": task.label(level), "variant": variant}
                for metric in METRICS:
                    row[metric] = spread([r["metrics"][str(level)][metric] for r in chosen])
                if variant != ORACLE:
                    row["train_time_s"] = spread([r["train_time_s"] for r in chosen])
                rows.append(row)
    return rows


def find(rows: list[Row], task: str, level: float, variant: str) -> Row | None:
    for r in rows:
        if r["task"] == task and r["level"] == level and r["variant"] == variant:
            return r
    return None


def format_table(rows: list[Row], title: str) -> str:
    header = ("task", "level", "method", "RMSE", "MSE", "cov90", "log p(theta)", "post SD")
    body = [(r["task"], r["label"], r["variant"], *(fmt(r[m]) for m in METRICS)) for r in rows]
    return text_table(title, header, body)


def format_training(runs: list[Run], variants: tuple[str, ...]) -> str:
    header = ("task", "method", "train time s", "train loss", "keras val_loss", "clean val loss")
    body = []
    for task in TASKS:
        for variant in variants:
            chosen = [r for r in runs if r["task"] == task and r["variant"] == variant]
            if not chosen:
                continue
            last = {k: spread([r["history"][k][-1] for r in chosen]) for k in ("loss", "val_loss", "clean_val_loss")}
            times = spread([r["train_time_s"] for r in chosen])
            body.append((task, variant, fmt(times), *(fmt(last[k]) for k in ("loss", "val_loss", "clean_val_loss"))))
    title = (
        "Training: last-epoch losses (negative log density of the standardized parameters; keras val_loss runs the\n"
        "validation set through the adapter, so it is noisy for NNPE; clean val loss: clean simulations, no noise)"
    )
    return text_table(title, header, body)


def check_targets(rows: list[Row], runs: list[Run], graded: bool) -> list[Target]:
    """The acceptance targets, on seed means, with the per-seed values alongside (graded by full runs only)."""
    npe_name, nnpe_name = BASELINE.name, RECIPE.name
    targets = []

    def add(
        name: str,
        task: str,
        level: float,
        metric: str,
        fn: Callable[[float, float], float],
        threshold: float,
        relation: str,
        note: str = "",
    ) -> None:
        npe, nnpe = find(rows, task, level, npe_name), find(rows, task, level, nnpe_name)
        if npe is None or nnpe is None:
            return
        got = fn(npe[metric]["mean"], nnpe[metric]["mean"])
        by_seed = {}
        for r in runs:
            if r["task"] == task and r["variant"] in (npe_name, nnpe_name):
                by_seed.setdefault(r["seed"], {})[r["variant"]] = r["metrics"][str(level)][metric]
        per_seed = [fn(v[npe_name], v[nnpe_name]) for _, v in sorted(by_seed.items()) if len(v) == 2]
        targets.append(target(name, got, relation, threshold, graded=graded, per_seed=per_seed, note=note))

    gauss_note = ""
    npe, oracle = find(rows, "gaussian", 2.0, npe_name), find(rows, "gaussian", 2.0, ORACLE)
    if npe is not None and oracle is not None:
        floor = oracle["mse"]["mean"] / npe["mse"]["mean"]
        gauss_note = (
            f"NPE MSE {npe['mse']['mean']:.3g}; the oracle (exact posterior that knows the variance) has "
            f"{oracle['mse']['mean']:.3g}, a ratio of {floor:.2f} to NPE: the target asks for less than half NPE's MSE"
        )
    add("gaussian var=2: MSE NNPE / NPE", "gaussian", 2.0, "mse", lambda a, b: b / a, 0.5, "<=", gauss_note)
    add("sensors s=20: RMSE NPE / NNPE", "sensors", 20.0, "rmse", lambda a, b: a / b, 4.0, ">=")
    add("sensors s=20: NNPE 90% coverage", "sensors", 20.0, "coverage90", lambda a, b: b, 0.9, ">=")
    add("sensors clean: RMSE NNPE / NPE", "sensors", 0.0, "rmse", lambda a, b: b / a, 1.25, "<=")
    return targets


def trap_summary(runs: list[Run]) -> dict:
    """The two traps per task: trap 1, the running statistics of NNPE+std=all; trap 2, the NNPE loss anatomy."""
    out = {}
    for task_name, task in TASKS.items():
        chosen = [r for r in runs if r["task"] == task_name]
        if not chosen:
            continue
        clean_sd = task.clean_summary_sd
        entry = {"clean_summary_sd": clean_sd.tolist()}
        trap = [r for r in chosen if r["variant"] == TRAP.name]
        if trap:
            ratios = np.array([r["running_std_over_clean_sd"] for r in trap])
            trajectories = [np.array(r["running_std"]) / clean_sd for r in trap]
            jumps = [float(np.max(t[1:] / t[:-1])) if len(t) > 1 else 1.0 for t in trajectories]
            offsets = np.array([np.array(r["running_mean"][-1]) / clean_sd for r in trap])
            entry["running_std_over_clean_sd_final"] = {
                "per_seed_per_dim": ratios.tolist(),
                "min": float(ratios.min()),
                "median": float(np.median(ratios)),
                "max": float(ratios.max()),
            }
            entry["running_std_largest_one_epoch_jump_per_seed"] = jumps
            entry["running_std_over_clean_sd_by_epoch_seed0"] = trajectories[0].tolist()
            entry["running_mean_offset_in_clean_sd_final"] = {
                "per_seed_per_dim": offsets.tolist(),
                "max_abs": float(np.abs(offsets).max()),
            }
        for variant in (RECIPE.name, TRAP.name):
            anatomy = [r["loss_anatomy"] for r in chosen if r["variant"] == variant and "loss_anatomy" in r]
            if anatomy:
                entry[f"loss_anatomy_{variant}"] = {k: spread([a[k] for a in anatomy]) for k in anatomy[0]}
            runs_v = [r for r in chosen if r["variant"] == variant]
            if runs_v:
                entry[f"best_epoch_{variant}"] = [
                    {k: int(np.argmin(r["history"][k])) + 1 for k in ("loss", "val_loss", "clean_val_loss")}
                    for r in runs_v
                ]
        out[task_name] = entry
    return out


def format_traps(traps: dict) -> str:
    lines = [f"Trap 1: running standardization of NNPE-noised conditions ({TRAP.name}: standardize='all')"]
    for task, entry in traps.items():
        if "running_std_over_clean_sd_final" not in entry:
            continue
        r = entry["running_std_over_clean_sd_final"]
        per_seed = "; ".join(" ".join(f"{v:.3g}" for v in dims) for dims in r["per_seed_per_dim"])
        lines.append(f"  {task}: learned running std / clean summary sd, per dimension (seeds separated by ;):")
        lines.append(f"    {per_seed}")
        traj = np.array(entry["running_std_over_clean_sd_by_epoch_seed0"])
        pick = sorted({0, len(traj) // 4, len(traj) // 2, 3 * len(traj) // 4, len(traj) - 1})
        jumps = ", ".join(f"x{j:.3g}" for j in entry["running_std_largest_one_epoch_jump_per_seed"])
        lines.append(
            "    median over dimensions by epoch (seed 0): "
            + ", ".join(f"ep{e + 1} {np.median(traj[e]):.3g}" for e in pick)
            + f"; largest one-epoch jump per seed {jumps}; running mean off by up to "
            f"{entry['running_mean_offset_in_clean_sd_final']['max_abs']:.3g} clean sds"
        )
    lines.append("Trap 2: the NNPE training loss (on clean validation simulations with one draw of training noise)")
    for task, entry in traps.items():
        for variant in (RECIPE.name, TRAP.name):
            a = entry.get(f"loss_anatomy_{variant}")
            if not a:
                continue
            lines.append(
                f"  {task} {variant}: NLL clean {fmt(a['clean_nll_mean'])}, with training noise "
                f"{fmt(a['noisy_nll_mean'])} (median {fmt(a['noisy_nll_median'])}), spike noise only "
                f"{fmt(a['spike_only_nll_mean'])}"
            )
            lines.append(
                f"    share of the excess due to the Cauchy slab {fmt(a['slab_share_of_excess'])}; carried by the 5% "
                f"largest noise draws {fmt(a['top5pct_noise_share_of_excess'])}; sd of 128-batch mean losses clean "
                f"{fmt(a['batch_loss_sd_clean'])}, noisy {fmt(a['batch_loss_sd_noisy'])}"
            )
        best = entry.get(f"best_epoch_{RECIPE.name}")
        if best:
            lines.append(
                f"  {task} {RECIPE.name} best epoch by (training loss, keras val_loss, clean val loss), per seed: "
                + "; ".join(f"({b['loss']}, {b['val_loss']}, {b['clean_val_loss']})" for b in best)
            )
    return "\n".join(lines)


def printed_tables(
    rows: list[Row], runs: list[Run], targets: list[Target], traps: dict, ablation_rows: list[Row], seeds: int
) -> dict[str, str]:
    """The text the benchmark prints and stores: metrics, training losses, targets, traps (and the ablation)."""
    seeds_note = f"mean [min, max] over {seeds} seeds" if seeds > 1 else "1 seed"
    printed = {
        "table": format_table(rows, f"Posterior metrics in units of the prior sd of theta ({seeds_note})"),
        "training": format_training(runs, names(VARIANTS)),
        "targets": format_targets(targets, "Targets (on seed means):", "make robustness"),
        "traps": format_traps(traps),
    }
    if ablation_rows:
        shown = [r for r in ablation_rows if r["level"] in (TASKS[r["task"]].levels[0], TASKS[r["task"]].headline)]
        printed["ablation"] = format_table(
            shown, "Ablation: NNPE slab scale (adapter recipe, spike 0.01; seed 0 for the slab variants)"
        )
    return printed


def config_record(config: Config) -> dict[str, Any]:
    """The configuration as ``robustness.json`` records it: flat (the budget's fields next to the others)."""
    record = asdict(config)
    return {**{key: value for key, value in record.items() if key != "budget"}, **record["budget"]}


def result_record(
    *,
    config: Config,
    task_names: list[str],
    wall_time_s: float,
    rows: list[Row],
    ablation_rows: list[Row],
    targets: list[Target],
    traps: dict,
    examples: dict[str, dict[str, dict[str, np.ndarray]]],
    runs: list[Run],
    printed: dict[str, str],
) -> dict[str, Any]:
    """The content of ``robustness.json``: configuration, environment, every run, the summary, targets and traps."""
    return {
        "mode": config.mode,
        "config": config_record(config),
        "noise": {
            "spike_scale": RECIPE.spike_scale,
            "slab_scale": RECIPE.slab_scale,
            "per_dimension": False,
            "applied_to": "fixed z-scores",
        },
        "units": "theta / prior sd (5 for gaussian, 1 for sensors); log densities of theta / prior sd",
        "environment": environment(),
        "tasks": {
            name: {
                "doc": TASKS[name].__doc__,
                "levels": list(TASKS[name].levels),
                "level_name": TASKS[name].level_name,
                "headline": TASKS[name].headline,
                "clean_summary_sd": TASKS[name].clean_summary_sd.tolist(),
            }
            for name in task_names
        },
        "wall_time_s": wall_time_s,
        "summary": rows,
        "ablation": ablation_rows,
        "targets": targets,
        "traps": traps,
        "examples": {  # the draws of the posterior example figure: main variants, headline level
            task: {
                variant: {str(TASKS[task].headline): draws[str(TASKS[task].headline)].tolist()}
                for variant, draws in by_variant.items()
                if variant in names(VARIANTS)
            }
            for task, by_variant in examples.items()
        },
        "runs": runs,
        "printed": printed,
    }


def write_csv(rows: list[Row], path: Path) -> None:
    """The summary rows, one column per statistic of each metric (empty where there is none)."""
    fields = ["task", "level", "label", "variant", "n_seeds"]
    for metric in (*METRICS, "train_time_s"):
        fields += [f"{metric}_{s}" for s in ("mean", "min", "max", "sd")]
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        for r in rows:
            out = {k: r[k] for k in ("task", "level", "label", "variant")}
            out["n_seeds"] = r["rmse"]["n"] if r["variant"] != ORACLE else 0
            for metric in (*METRICS, "train_time_s"):
                for s in ("mean", "min", "max", "sd"):
                    stat = r.get(metric)
                    out[f"{metric}_{s}"] = "" if stat is None or stat[s] is None else f"{stat[s]:.6g}"
            writer.writerow(out)
