"""What the benchmark trains: one frozen description per variant, instead of names parsed back into settings.

Every variant gets the same simulations, network, epochs, optimizer and seeds; only these fields differ.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

SPIKE, SLAB = 0.01, 0.25  # Ward et al. (2022), on summaries z-scored with statistics of clean simulations
ABLATION_SLABS = (0.02, 0.05, 0.1)  # full mode, seed 0: the adapter recipe with another slab scale


@dataclass(frozen=True)
class Variant:
    """One trained posterior estimator.

    ``noise`` says whether and how NNPE noise is added to the summaries ``x`` of training batches:

    - None: no noise (plain NPE);
    - ``"adapter"``: the adapter z-scores ``x`` with FIXED mean and std of the clean training simulations, then an
      ``NNPETransform`` adds spike-and-slab noise with the fixed scales ``spike_scale`` and ``slab_scale`` to those
      z-scores (``per_dimension=False``): Ward et al.'s recipe;
    - ``"augmentation"``: ``augmentations={"x": NNPE()}`` noises the raw summaries with automatic per-dimension
      scales (the defaults times the batch std), and the adapter does not z-score them.

    ``standardize`` is the approximator's (``BasicWorkflow(standardize=...)``): running statistics learned from the
    training batches.
    """

    name: str
    noise: Literal["adapter", "augmentation"] | None = None
    spike_scale: float | None = None
    slab_scale: float | None = None
    standardize: str = "inference_variables"

    def __post_init__(self) -> None:
        if self.noise not in (None, "adapter", "augmentation"):
            raise ValueError(f"{self.name}: unknown noise {self.noise!r}")
        fixed_scales = self.spike_scale is not None and self.slab_scale is not None
        if self.noise == "adapter" and not fixed_scales:
            raise ValueError(f"{self.name}: adapter noise on fixed z-scores needs spike_scale and slab_scale")
        if self.noise != "adapter" and (self.spike_scale is not None or self.slab_scale is not None):
            raise ValueError(f"{self.name}: only adapter noise takes fixed scales (augmentation: automatic ones)")

    @property
    def nnpe(self) -> bool:
        """Whether training batches get NNPE noise."""
        return self.noise is not None

    @property
    def fixed_zscores(self) -> bool:
        """Whether the adapter z-scores ``x`` with fixed statistics of the clean training simulations."""
        return self.noise != "augmentation"


BASELINE = Variant("NPE")
RECIPE = Variant("NNPE", noise="adapter", spike_scale=SPIKE, slab_scale=SLAB)
# Trap 1: the approximator z-scores the conditions with running statistics learned from Cauchy-contaminated
# batches. bayesflow_nnpe warns about exactly this setup; the warning printed for this variant is expected.
TRAP = Variant("NNPE+std=all", noise="augmentation", standardize="all")

VARIANTS = (BASELINE, RECIPE, TRAP)
ABLATION = tuple(replace(RECIPE, name=f"NNPE slab={slab:g}", slab_scale=slab) for slab in ABLATION_SLABS)


def names(variants: tuple[Variant, ...]) -> tuple[str, ...]:
    """The names of ``variants``, as the runs and summary rows record them."""
    return tuple(variant.name for variant in variants)
