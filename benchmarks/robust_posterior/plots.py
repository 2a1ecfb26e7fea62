"""The benchmark's figure: one observation's posterior as rho goes from 0 to 1, network against exact."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..common.plotting import pyplot


def plot_sensitivity(record: dict[str, Any], path: Path) -> None:
    """Per parameter, the posterior mean and 90% interval against rho; and the inclusion probabilities."""
    plt = pyplot()
    rhos = np.asarray(record["rhos"], dtype=float)
    rows = record["by_rho"]
    blocks = len(rows[0]["mean"])
    x = np.clip(rhos, 1e-4, None)
    fig, axes = plt.subplots(1, blocks + 1, figsize=(4.2 * (blocks + 1), 3.4))
    for b in range(blocks):
        ax = axes[b]
        for prefix, color, label in (("", "tab:blue", "RobustPosterior"), ("exact_", "black", "exact")):
            mean = [r[f"{prefix}mean"][b] for r in rows]
            low, high = [r[f"{prefix}lower"][b] for r in rows], [r[f"{prefix}upper"][b] for r in rows]
            ax.plot(x, mean, color=color, marker="o" if not prefix else None, label=label)
            ax.fill_between(x, low, high, color=color, alpha=0.15 if not prefix else 0.08)
        ax.axhline(record["theta"][b], color="tab:red", linestyle=":", label="true theta")
        ax.set_xscale("log")
        ax.set_xlabel("rho (0 drawn at 1e-4)")
        ax.set_title(f"theta{b}: mean and 90% interval")
    axes[0].legend(fontsize=8)
    ax = axes[-1]
    inclusion = np.array([r["inclusion"] for r in rows])
    exact = np.array([r["exact_inclusion"] for r in rows])
    off = int(record["sensor_off"])
    for j in range(inclusion.shape[1]):
        style = {"color": "tab:red" if j == off else "tab:gray", "alpha": 1.0 if j == off else 0.5}
        ax.plot(x, inclusion[:, j], marker="o", markersize=3, **style)
        ax.plot(x, exact[:, j], linestyle="--", **style)
    ax.set_xscale("log")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("rho")
    ax.set_title(f"P(z_j = 1 | y): critic (solid), exact (dashed); s{off} is off")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
