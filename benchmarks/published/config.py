"""What the published benchmark trains, and with which budget, in its two modes (full and quick).

Every variant of a task gets the task's budget (``common.config.TrainingBudget``: simulations, epochs, batch,
network); only the NNPE slab probability ``rho`` differs between variants (None: plain NPE).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..common.config import TrainingBudget

RHOS = (0.5, 0.2, 0.1)  # the NNPE slab probabilities compared with NPE; 0.5 is Ward et al.'s (the targets')
TARGET_RHO = 0.5


@dataclass(frozen=True)
class PublishedVariant:
    """One trained posterior estimator: NPE (``rho`` None) or NNPE with slab probability ``rho``."""

    rho: float | None = None

    def __post_init__(self) -> None:
        if self.rho is not None and not 0.0 < self.rho <= 1.0:
            raise ValueError(f"rho must lie in (0, 1], got {self.rho!r}")

    @property
    def name(self) -> str:
        return "NPE" if self.rho is None else "NNPE"

    @property
    def label(self) -> str:
        return self.name if self.rho is None else f"NNPE rho={self.rho:g}"


def variants(rhos: tuple[float, ...]) -> tuple[PublishedVariant, ...]:
    """NPE first, then NNPE at each ``rho``."""
    return (PublishedVariant(), *(PublishedVariant(rho) for rho in rhos))


@dataclass(frozen=True)
class CriticBudget:
    """The misspecification critic: one per task, on the clean training simulations of seed 0."""

    epochs: int
    batch_size: int
    widths: tuple[int, ...]
    slab_probability: float = 0.5


@dataclass(frozen=True)
class PublishedConfig:
    """Budget of one mode. ``budgets[task]`` is what every variant of that task gets (all seeds alike)."""

    mode: str
    seeds: int
    rhos: tuple[float, ...]
    num_test: int  # observations per level ("clean", "misspecified"), shared by every variant and seed
    num_post: int  # posterior draws per observation
    input_map: str  # the map of the z-scored summaries in the adapter (every variant): transforms.InputMap
    critic: CriticBudget
    budgets: dict[str, TrainingBudget] = field(default_factory=dict)
    # Criticism-guided NPE (seed 0 only): NPE trained again without the summaries that the task's critic flags on
    # the misspecified observations (``evaluation.flagged``): criticize, then leave out what is wrong.
    guided: bool = True
    graded: bool = True  # whether the targets are graded (full runs only: a quick run is a demonstration)


FULL = PublishedConfig(
    mode="full",
    seeds=3,
    rhos=RHOS,
    num_test=500,
    num_post=500,
    input_map="arcsinh",
    critic=CriticBudget(epochs=20, batch_size=512, widths=(128, 128)),
    budgets={
        "gaussian": TrainingBudget(num_train=20_000, num_val=2_000, epochs=30, batch_size=256, depth=4, width=64),
        "sir": TrainingBudget(num_train=50_000, num_val=2_000, epochs=25, batch_size=256, depth=4, width=64),
        "cs": TrainingBudget(num_train=50_000, num_val=2_000, epochs=25, batch_size=256, depth=4, width=64),
        "sensors": TrainingBudget(num_train=20_000, num_val=2_000, epochs=30, batch_size=256, depth=4, width=64),
    },
    guided=True,
    graded=True,
)
QUICK_BUDGET = TrainingBudget(num_train=4_000, num_val=500, epochs=10, batch_size=256, depth=2, width=64)
QUICK = PublishedConfig(
    mode="quick",
    seeds=1,
    rhos=(0.5,),
    num_test=200,
    num_post=200,
    input_map="arcsinh",
    critic=CriticBudget(epochs=3, batch_size=512, widths=(64, 64)),
    budgets=dict.fromkeys(("gaussian", "sir", "cs", "sensors"), QUICK_BUDGET),
    guided=False,
    graded=False,
)
