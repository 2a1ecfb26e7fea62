"""What the published benchmark trains, and with which budget, in its two modes (full and quick).

Every variant of a task gets the task's budget (``config.Config``: simulations, epochs, batch, network); only the
NNPE slab probability ``rho`` differs between variants (None: plain NPE).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .config import Config

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
    input_map: str  # the map of the z-scored summaries in the adapter (every variant): published_training.InputMap
    critic: CriticBudget
    budgets: dict[str, Config] = field(default_factory=dict)
    # Criticism-guided NPE (seed 0 only): NPE trained again without the summaries that the task's critic flags on
    # the misspecified observations (``published_evaluation.flagged``): criticize, then leave out what is wrong.
    guided: bool = True


def _config(mode: str, seeds: int, rhos, num_test, num_post, input_map, critic, budgets, guided) -> PublishedConfig:
    full = {
        task: Config(mode, n, val, epochs, batch, depth, width, num_test, num_post, seeds)
        for task, (n, val, epochs, batch, depth, width) in budgets.items()
    }
    return PublishedConfig(mode, seeds, tuple(rhos), num_test, num_post, input_map, critic, full, guided)


# (num_train, num_val, epochs, batch_size, depth, width) per task
FULL = _config(
    "full",
    seeds=3,
    rhos=RHOS,
    num_test=500,
    num_post=500,
    input_map="arcsinh",
    critic=CriticBudget(epochs=20, batch_size=512, widths=(128, 128)),
    budgets={
        "gaussian": (20_000, 2_000, 30, 256, 4, 64),
        "sir": (50_000, 2_000, 25, 256, 4, 64),
        "cs": (50_000, 2_000, 25, 256, 4, 64),
        "sensors": (20_000, 2_000, 30, 256, 4, 64),
    },
    guided=True,
)
QUICK = _config(
    "quick",
    seeds=1,
    rhos=(0.5,),
    num_test=200,
    num_post=200,
    input_map="arcsinh",
    critic=CriticBudget(epochs=3, batch_size=512, widths=(64, 64)),
    budgets={
        "gaussian": (4_000, 500, 10, 256, 2, 64),
        "sir": (4_000, 500, 10, 256, 2, 64),
        "cs": (4_000, 500, 10, 256, 2, 64),
        "sensors": (4_000, 500, 10, 256, 2, 64),
    },
    guided=False,
)
