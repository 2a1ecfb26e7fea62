"""The budgets of the robustness benchmark's two modes: full (the committed figures) and quick (``make demo``)."""

from __future__ import annotations

from dataclasses import dataclass

from ..common.config import TrainingBudget


@dataclass(frozen=True)
class Config:
    """Budget of one mode; every method and task gets exactly this."""

    mode: str
    budget: TrainingBudget  # per training seed (all methods of a seed share the simulations)
    num_test: int  # test observations per contamination level (shared by all methods and seeds)
    num_post: int  # posterior draws per test observation
    seeds: int
    graded: bool  # whether the targets are graded (full runs only: a quick run is a demonstration)


FULL = Config(
    mode="full",
    budget=TrainingBudget(num_train=20_000, num_val=2_000, epochs=60, batch_size=256, depth=4, width=128),
    num_test=500,
    num_post=500,
    seeds=3,
    graded=True,
)
QUICK = Config(
    mode="quick",
    budget=TrainingBudget(num_train=8_000, num_val=500, epochs=15, batch_size=256, depth=3, width=64),
    num_test=200,
    num_post=300,
    seeds=1,
    graded=False,
)
# the wall time of ``make demo`` (this quick mode) on the 2-core development machine, measured with an existing .venv
QUICK_TIME = "about 45 s on 2 CPU cores"
