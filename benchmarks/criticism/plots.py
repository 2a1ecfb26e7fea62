"""The criticism benchmark's figures, drawn from its JSON record alone (``--replot``): reliability diagrams,
Ward-style bar charts and the sensors sweep."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..common.criticism import bar_chart
from ..common.plotting import pyplot
from . import observations as ct
from .evaluation import BINS

MIN_PLOTTED = 20  # reliability bins with fewer predictions are left out of the figure


def plot_reliability(results: dict, path: Path) -> None:
    """Reliability diagrams of the critic and of the exact probabilities, per task and rho, with bin counts."""
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


def plot_bars(results: dict, rho: str, bar_size: float, path: Path) -> None:
    """Ward-style bar charts (``common.criticism.bar_chart``) of the mean probabilities, with 10-90% whiskers over
    observations.

    The package's chart draws ``(m, d)`` arrays itself, but fails when a mean lies outside its 10-90% quantiles (e.g.
    95% of the exact values are 1.0): it gets the means here, and the whiskers are drawn on top."""
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
            ax = bar_chart(bars["mean"], names, prior=float(rho), ax=axes[row, col], title=titles[name])
            ax.vlines(range(len(names)), bars["q10"], bars["q90"], color="black", linewidth=1, label="10-90% of obs.")
            if task == "gaussian" and name != "alone" and float(rho) == 0.5:
                ax.plot(range(2), [ct.WARD_REPORTED[k] for k in names], "k*", markersize=10, label="Ward et al.")
            ax.legend(fontsize=8, loc="upper left")
            ax.title.set_fontsize(9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_all(results: dict, config_rho: str, bar_size: float, out: Path) -> None:
    """Every figure into ``out``, from the results of the JSON record alone (``--replot``)."""
    plot_reliability(results, out / "criticism_reliability.png")
    plot_bars(results, config_rho, bar_size, out / "criticism_ward.png")
    if "sensors" in results:
        plot_sweep(results, out / "criticism_sensors_sweep.png")


def plot_sweep(results: dict, path: Path) -> None:
    """``sensors``: mean probabilities of the broken sensor and of the others against its offset, per rho."""
    plt = pyplot()
    rhos = list(results["sensors"]["rhos"])
    cols = min(len(rhos), 2)
    rows = -(-len(rhos) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.5 * cols + 2, 4 * rows), squeeze=False)
    for ax in axes.ravel()[len(rhos) :]:
        ax.set_visible(False)
    for ax, rho in zip(axes.ravel(), rhos, strict=False):
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
    axes[0, cols - 1].legend(fontsize=8, loc="center left", bbox_to_anchor=(1.02, 0.5))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
