"""The published benchmark's figures, drawn from the stored records alone (``published.json``).

- ``published_tradeoff_<task>.png``: the price of robustness, one figure per task: the clean-data cost (MSE and
  posterior SD on clean observations, relative to NPE) against the misspecified MSE, as rho varies (NNPE: circles;
  the robust posterior: diamonds, at each of its rho);
- ``published_mse.png``: the misspecified MSE of every variant next to Ward et al.'s published numbers;
- ``published_critic.png``: the critic's mean probability per summary on clean and misspecified observations.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..common.criticism import bar_chart
from ..common.plotting import pyplot
from .config import ROBUST
from .report import Row
from .tasks import LEVELS, PUBLISHED_TASKS, WARD_MSE

WARD_STYLE = {"NPE": ":", "NNPE": "--", "RNPE": "-."}
VARIANT_STYLE = {"NPE": ("s", "tab:red"), "NNPE": ("o", "tab:blue"), ROBUST: ("D", "tab:purple")}


def plot_tradeoff(points: list[dict], task: str, path: Path, guided: dict | None = None) -> None:
    """Clean MSE / NPE and clean posterior SD / NPE against the misspecified MSE, one point per variant (and rho);
    and the criticism-guided NPE (seed 0), if given as a point with the same keys (``guided_point``)."""
    plt = pyplot()
    chosen = [p for p in points if p["task"] == task]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for ax, key, xlabel in (
        (axes[0], "clean_mse_ratio", "clean-data MSE / NPE's"),
        (axes[1], "clean_sd_ratio", "clean-data posterior SD / NPE's"),
    ):
        for p in chosen:
            style = VARIANT_STYLE.get(p["variant"], ("o", "tab:gray"))
            y, low, high = p["misspecified_mse"], p["misspecified_mse_min"], p["misspecified_mse_max"]
            ax.errorbar(p[key], y, yerr=[[y - low], [high - y]], fmt=style[0], color=style[1], capsize=3)
            robust = p["variant"] == ROBUST
            text = p["label"].replace("NNPE ", "").replace(f"{ROBUST} ", "").replace("=estimated", " est.")
            offset = (6, -11) if robust else (6, 4)  # robust points below-right: they often sit near each other
            ax.annotate(text, (p[key], y), textcoords="offset points", xytext=offset, fontsize=8, color=style[1])
        nnpe = sorted((p for p in chosen if p["variant"] == "NNPE"), key=lambda p: p["rho"])
        ax.plot([p[key] for p in nnpe], [p["misspecified_mse"] for p in nnpe], "-", color="tab:blue", alpha=0.5)
        if guided is not None:
            x, y = guided[key], guided["misspecified_mse"]
            ax.plot(x, y, "*", color="tab:green", markersize=12, label=guided["label"])
        for method, value in WARD_MSE.get(task, {}).items():
            ax.axhline(value, color="gray", linestyle=WARD_STYLE[method], linewidth=1, label=f"Ward et al. {method}")
        ax.axvline(1.0, color="black", linewidth=0.5)
        ax.set_xlabel(xlabel)
        ax.set_yscale("log")
    axes[0].set_ylabel("misspecified MSE (standardized theta)")
    if WARD_MSE.get(task) or guided is not None:
        axes[0].legend(fontsize=8)
    seeds = chosen[0].get("seeds") if chosen else None
    fig.suptitle(
        f"{PUBLISHED_TASKS[task].title}: the price of robustness as rho varies\n(NPE: square; NNPE: circles; "
        "RobustPosterior: diamonds; "
        f"bars: min-max over seeds{'' if seeds is None else f', {seeds}'})",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_mse(rows: list[Row], path: Path) -> None:
    """Misspecified (and clean) MSE of every variant per task, with Ward et al.'s numbers as horizontal lines."""
    plt = pyplot()
    tasks = list(dict.fromkeys(r["task"] for r in rows))
    fig, axes = plt.subplots(1, len(tasks), figsize=(3.6 * len(tasks), 3.8), squeeze=False)
    for ax, task in zip(axes[0], tasks, strict=True):
        labels = list(dict.fromkeys(r["label"] for r in rows if r["task"] == task))
        for k, level in enumerate(LEVELS):
            chosen = [
                next(r for r in rows if r["task"] == task and r["label"] == lab and r["level"] == level)
                for lab in labels
            ]
            heights = [r["mse"] for r in chosen]
            low = [r["spread"]["mse"]["min"] for r in chosen]
            high = [r["spread"]["mse"]["max"] for r in chosen]
            positions = np.arange(len(labels)) + (k - 0.5) * 0.38
            ax.bar(
                positions,
                heights,
                width=0.38,
                color="tab:gray" if level == "clean" else "tab:orange",
                yerr=[np.subtract(heights, low), np.subtract(high, heights)],
                capsize=2,
                label=level,
            )
        for method, value in WARD_MSE.get(task, {}).items():
            ax.axhline(value, color="black", linestyle=WARD_STYLE[method], linewidth=1, label=f"Ward {method}")
        ticks = [lab.replace("NNPE rho=", "NNPE\n").replace(f"{ROBUST} rho=", "robust\n") for lab in labels]
        ax.set_xticks(range(len(labels)), ticks, fontsize=8)
        ax.set_yscale("log")
        ax.set_title(PUBLISHED_TASKS[task].title, fontsize=9)
    axes[0, 0].set_ylabel("posterior-mean MSE (standardized theta)")
    handles, names = [], []
    for ax in axes[0]:
        for h, n in zip(*ax.get_legend_handles_labels(), strict=True):
            if n not in names:
                handles.append(h)
                names.append(n)
    fig.legend(handles, names, loc="lower center", ncol=len(names), fontsize=8)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_critics(critics: dict[str, dict], path: Path) -> None:
    """The critic's mean probability per summary (bars; lines: 10%-90% over observations), per task and level.

    Red bars: the summaries the benchmark flags (``evaluation.flagged``), on the misspecified level.
    """
    plt = pyplot()
    tasks = list(critics)
    fig, axes = plt.subplots(len(tasks), 2, figsize=(11, 2.9 * len(tasks)), squeeze=False)
    for row, task in zip(axes, tasks, strict=True):
        c = critics[task]
        for ax, level in zip(row, LEVELS, strict=True):
            mean = np.asarray(c[level]["mean"])
            bar_chart(mean, c["summary_names"], prior=c["prior"], ax=ax, title=f"{task}, {level} observations")
            for bar, name in zip(ax.patches, c["summary_names"], strict=True):  # red: what the benchmark flags
                bar.set_color("tab:red" if level == "misspecified" and name in c["flagged"] else "tab:gray")
            low, high = np.asarray(c[level]["q10"]), np.asarray(c[level]["q90"])
            # the 10%-90% range as lines of its own: a skewed spread may lie wholly above or below the mean
            ax.vlines(np.arange(len(mean)), low, high, color="black", linewidth=1.2)
            if len(mean) > 2:
                ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def guided_point(rows: list[Row], record: dict) -> dict:
    """The criticism-guided NPE's run as a point of the trade-off: its clean MSE and SD over NPE's (seed means)."""
    npe = next(r for r in rows if r["task"] == record["task"] and r["level"] == "clean" and r["rho"] is None)
    clean, misspecified = record["metrics"]["clean"], record["metrics"]["misspecified"]
    return {
        "label": f"NPE without {', '.join(record['without'])} (seed 0)",
        "clean_mse_ratio": clean["mse"] / npe["mse"],
        "clean_sd_ratio": clean["post_sd"] / npe["post_sd"],
        "misspecified_mse": misspecified["mse"],
    }


def plot_all(
    rows: list[Row],
    points: list[dict],
    critics: dict[str, dict],
    out: Path,
    guided: list[dict] = (),
    robust_points: list[dict] = (),
) -> list[Path]:
    """Every figure into ``out``; returns their paths. ``robust_points``: the robust posterior's trade-off points
    (``published.json``'s ``robust.tradeoff``), drawn beside NPE's and NNPE's."""
    paths = []
    guided_by_task = {record["task"]: guided_point(rows, record) for record in guided}
    for task in dict.fromkeys(p["task"] for p in points):
        path = out / f"published_tradeoff_{task}.png"
        plot_tradeoff([*points, *robust_points], task, path, guided_by_task.get(task))
        paths.append(path)
    plot_mse(rows, out / "published_mse.png")
    paths.append(out / "published_mse.png")
    if critics:
        plot_critics(critics, out / "published_critic.png")
        paths.append(out / "published_critic.png")
    return paths
