"""What the benchmark trains: the names of the variants and the NNPE scales of Ward et al.'s recipe."""

from __future__ import annotations

VARIANTS = ("NPE", "NNPE", "NNPE+std=all")
SPIKE, SLAB = 0.01, 0.25  # Ward et al. (2022), on summaries z-scored with statistics of clean simulations
ABLATION_SLABS = (0.02, 0.05, 0.1)  # full mode, seed 0: "NNPE slab=..." variants (adapter recipe, other slab)


def nnpe_slab(variant: str) -> float | None:
    """The slab scale of an adapter-NNPE variant ("NNPE", or "NNPE slab=0.05" in the ablation), else None."""
    if variant == "NNPE":
        return SLAB
    if variant.startswith("NNPE slab="):
        return float(variant.removeprefix("NNPE slab="))
    return None
