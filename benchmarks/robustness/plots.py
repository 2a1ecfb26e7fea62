"""The benchmark's figures: the contamination sweep, one posterior example, and the two traps.

They are drawn from the stored records (``robustness.json``) alone, so ``--replot`` can redraw them without
training.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from ..common.plotting import pyplot
from .report import ORACLE, Row, Run, find
from .tasks import TASKS, Data, make_test_sets
from .variants import BASELINE, RECIPE, TRAP, VARIANTS, names

COLORS = {BASELINE.name: "tab:red", RECIPE.name: "tab:blue", TRAP.name: "tab:gray", ORACLE: "black"}


def plot_sweep(rows: list[Row], path: Path, seeds: int) -> None:
    """RMSE and coverage of every method against the contamination level, one row of panels per task."""
    plt = pyplot()
    tasks = [t for t in TASKS.values() if any(r["task"] == t.name for r in rows)]
    fig, axes = plt.subplots(len(tasks), 2, figsize=(11, 3.8 * len(tasks)), squeeze=False)
    for (ax_rmse, ax_cov), task in zip(axes, tasks, strict=True):
        levels = np.array(task.levels)
        for variant in (*names(VARIANTS), ORACLE):
            chosen = [find(rows, task.name, level, variant) for level in task.levels]
            if any(c is None for c in chosen):
                continue
            label = "oracle (knows the contamination)" if variant == ORACLE else variant
            style = {"color": COLORS[variant], "label": label}
            line = "--" if variant == ORACLE else "o-"
            for ax, metric in ((ax_rmse, "rmse"), (ax_cov, "coverage90")):
                ax.plot(levels, [c[metric]["mean"] for c in chosen], line, **style)
                if seeds > 1 and variant != ORACLE:
                    low = [c[metric]["min"] for c in chosen]
                    high = [c[metric]["max"] for c in chosen]
                    ax.fill_between(levels, low, high, color=COLORS[variant], alpha=0.2, linewidth=0)
        ax_rmse.set_yscale("log")
        ax_rmse.set_ylabel("RMSE of posterior mean (prior sds)")
        ax_cov.axhline(0.9, color="black", linestyle=":", linewidth=1)
        ax_cov.set_ylim(-0.02, 1.02)
        ax_cov.set_ylabel("coverage of central 90% intervals")
        for ax in (ax_rmse, ax_cov):
            ax.set_xlabel(task.level_name + (" (1 = clean)" if task.name == "gaussian" else " (0 = clean)"))
            ax.axvline(task.headline, color="black", alpha=0.12, linewidth=8)
            ax.set_title(task.name)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=8)
    band = f"lines: mean over {seeds} seeds, bands: min-max" if seeds > 1 else "1 seed"
    fig.suptitle(f"Robustness to misspecified observations ({band}; grey bar: headline level)", fontsize=10)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_posteriors(examples: dict, tests: dict[str, list[Data]], path: Path) -> None:
    """Posterior draws of each main variant for test observation 0 at the headline level, with the oracle."""
    plt = pyplot()
    tasks = [TASKS[name] for name in examples]
    variants = [v for v in names(VARIANTS) if all(v in examples[t.name] for t in tasks)]
    fig, axes = plt.subplots(
        len(tasks), len(variants), figsize=(3.8 * len(variants), 3.6 * len(tasks)), squeeze=False, sharey="row"
    )
    for row, task in zip(axes, tasks, strict=True):
        index = task.levels.index(task.headline)
        obs = tests[task.name][index]
        truth = obs["theta"][0] / task.prior_sd
        oracle_mean, oracle_sd = (v[0] / task.prior_sd for v in task.oracle(obs, task.headline))
        drawn = [examples[task.name][v][str(task.headline)] for v in variants]
        for ax, variant, draws in zip(row, variants, drawn, strict=True):
            if task.num_params == 1:
                lo = min(truth[0] - 4 * oracle_sd[0], *(np.quantile(d[:, 0], 0.05) for d in drawn))
                hi = max(truth[0] + 4 * oracle_sd[0], *(np.quantile(d[:, 0], 0.95) for d in drawn))
                lo, hi = lo - 0.3 * (hi - lo), hi + 0.3 * (hi - lo)
                grid = np.linspace(lo, hi, 400)
                ax.hist(draws[:, 0], bins=np.linspace(lo, hi, 60), color=COLORS[variant], alpha=0.8, density=True)
                density = np.exp(-0.5 * ((grid - oracle_mean[0]) / oracle_sd[0]) ** 2)
                density /= oracle_sd[0] * math.sqrt(2 * math.pi)
                ax.plot(grid, density, "k-", linewidth=1, label="oracle posterior")
                ax.axvline(truth[0], color="black", linestyle="--", label="true theta")
                ax.set_xlabel("theta / 5")
                ax.set_xlim(lo, hi)
            else:
                ax.scatter(draws[:, 0], draws[:, 1], s=3, alpha=0.3, color=COLORS[variant])
                ax.plot(*truth, "k*", markersize=12, label="true theta")
                ax.plot(*oracle_mean, "kx", markersize=9, label="oracle posterior mean")
                ax.set_xlabel("theta[0]")
                ax.set_ylabel("theta[1]")
                both = np.concatenate([*drawn, truth[None], oracle_mean[None]])
                low, high = np.quantile(both, 0.005, axis=0), np.quantile(both, 0.995, axis=0)
                pad = 0.1 * (high - low)
                ax.set_xlim(low[0] - pad[0], high[0] + pad[0])
                ax.set_ylim(low[1] - pad[1], high[1] + pad[1])
            ax.set_title(f"{task.name}, {task.label(task.headline)}: {variant}", fontsize=9)
            ax.legend(fontsize=7)
        row[0].annotate(
            "x = [" + ", ".join(f"{v:.2f}" for v in obs["x"][0]) + "]",
            xy=(0, -0.3),
            xycoords="axes fraction",
            fontsize=7,
            annotation_clip=False,
        )
    fig.suptitle("Posterior draws for test observation 0 at the headline contamination (seed 0)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_losses(runs: list[Run], path: Path) -> None:
    """Trap 2: training loss, keras val_loss (noisy where the adapter adds the noise) and clean val loss, seed 0."""
    plt = pyplot()
    tasks = [t for t in TASKS if any(r["task"] == t for r in runs)]
    fig, axes = plt.subplots(1, len(tasks), figsize=(6.5 * len(tasks), 4.5), squeeze=False)
    for ax, task in zip(axes[0], tasks, strict=True):
        curves = []  # (values, style, color, label)
        for variant in VARIANTS:
            name = variant.name
            chosen = [r for r in runs if r["task"] == task and r["variant"] == name and r["seed_index"] == 0]
            if not chosen:
                continue
            h = chosen[0]["history"]
            curves.append((h["loss"], "-", COLORS[name], f"{name}: training loss"))
            curves.append((h["clean_val_loss"], "--", COLORS[name], f"{name}: clean val loss"))
            if variant.noise == "adapter":  # the validation batches go through the adapter: noisy
                curves.append((h["val_loss"], ":", COLORS[name], f"{name}: keras val_loss (noisy)"))
        values = np.concatenate([np.asarray(c[0], dtype=float) for c in curves])
        values = values[np.isfinite(values)]
        # Cauchy draws make single epochs of the noisy losses explode: clip the axis, mark the clipped points
        top = float(np.quantile(values, 0.85)) + 1.0
        bottom = float(values.min()) - 0.3
        for series, style, color, label in curves:
            y = np.asarray(series, dtype=float)
            epochs = np.arange(1, len(y) + 1)
            ax.plot(epochs, np.minimum(y, top), style, color=color, label=label)
            off = np.flatnonzero(y > top)
            ax.plot(epochs[off], np.full(len(off), top), "^", color=color, clip_on=False)
        series, _, _, label = max(curves, key=lambda c: np.nanmax(np.asarray(c[0], dtype=float)))
        worst = int(np.nanargmax(np.asarray(series, dtype=float)))
        ax.set_ylim(bottom, top)
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss: NLL of standardized parameters")
        ax.set_title(
            f"{task}, seed 0 (triangles: off the scale)\nlargest {series[worst]:.3g}: {label}, epoch {worst + 1}",
            fontsize=9,
        )
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=8)
    fig.suptitle("Trap 2: NNPE's training loss measures the noisy objective; monitor the clean one", fontsize=10)
    fig.subplots_adjust(left=0.07, right=0.98, top=0.83, bottom=0.26, wspace=0.18)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_running_std(runs: list[Run], path: Path) -> None:
    """Trap 1: the running std that standardize='all' learns, over the clean summary sd, per epoch and summary."""
    plt = pyplot()
    trap = [r for r in runs if r["variant"] == TRAP.name and "running_std" in r]
    tasks = [t for t in TASKS if any(r["task"] == t for r in trap)]
    fig, axes = plt.subplots(1, max(1, len(tasks)), figsize=(6.5 * max(1, len(tasks)), 4.5), squeeze=False)
    for ax, task in zip(axes[0], tasks, strict=False):
        task_obj = TASKS[task]
        clean_sd = task_obj.clean_summary_sd
        for r in (r for r in trap if r["task"] == task):
            ratio = np.array(r["running_std"]) / clean_sd
            epochs = np.arange(1, len(ratio) + 1)
            for j in range(ratio.shape[1]):
                label = f"seed {r['seed_index']}" if j == 0 else None
                ax.plot(epochs, ratio[:, j], color=f"C{r['seed_index']}", alpha=0.7, label=label)
        ax.axhline(1.0, color="black", linestyle=":", label="clean summary sd")
        ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel("learned running std / clean summary sd")
        shown = task_obj.summary_names
        ax.set_title(f"{task}: one line per summary ({', '.join(shown[:3])}{', ...' if len(shown) > 3 else ''})")
        ax.legend(fontsize=7)
    fig.suptitle("Trap 1: standardize='all' learns its running std from Cauchy-noised batches", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_all(
    rows: list[Row], runs: list[Run], examples: dict, tests: dict[str, list[Data]], out: Path, seeds: int
) -> None:
    """All four figures (the posterior example only if there are draws for it) into ``out``."""
    plot_sweep(rows, out / "robustness_sweep.png", seeds)
    if examples:
        plot_posteriors(examples, tests, out / "posterior_example.png")
    plot_losses(runs, out / "loss_curves.png")
    plot_running_std(runs, out / "running_std.png")


def replot(out: Path) -> None:
    """Redraw the figures from ``out/robustness.json`` without training (the posterior example needs its draws)."""
    result = json.loads((out / "robustness.json").read_text())
    runs = [r for r in result["runs"] if r["variant"] in names(VARIANTS)]
    examples = {
        task: {variant: {level: np.asarray(d) for level, d in by_level.items()} for variant, by_level in v.items()}
        for task, v in result.get("examples", {}).items()
    }
    tests = {task: make_test_sets(TASKS[task], result["config"]["num_test"]) for task in examples}
    plot_all(result["summary"], runs, examples, tests, out, result["config"]["seeds"])
    print(f"Redrew the figures in {out} from robustness.json" + ("" if examples else " (no posterior example draws)"))
