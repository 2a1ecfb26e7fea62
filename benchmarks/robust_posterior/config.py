"""The budgets of the robust-posterior benchmark's two modes: full (the committed figures) and quick (CI)."""

from __future__ import annotations

from dataclasses import dataclass

from ..common.config import TrainingBudget


@dataclass(frozen=True)
class Config:
    """Budget of one mode."""

    mode: str
    tasks: tuple[str, ...]
    seeds: int
    budget: TrainingBudget  # NPE and the indicator-conditioned network alike
    critic_num_train: int  # clean simulations of the critic
    critic_epochs: int | None  # None: the critic's default
    num_test: int  # observations per test set (clean; with one reading off)
    num_draws: int  # posterior draws per observation
    rhos: tuple[float, ...]  # the priors of the graded posterior metrics
    tv_rhos: tuple[float, ...]  # the priors of the joint critic's total variation
    outlier_size: float  # clean-summary sds of the reading that is off
    num_eb: int  # observations per empirical-Bayes set
    slab_fraction: float  # observations with one summary drawn from the slab
    shift_fraction: float  # observations with one reading outlier_size sds off
    num_timing: int  # observations of the timed draws
    timing_draws: int
    sensitivity_rhos: tuple[float, ...]
    graded: bool  # whether the targets are graded (full runs only)


FULL = Config(
    mode="full",
    tasks=("sensors6", "sensors"),
    seeds=3,
    budget=TrainingBudget(num_train=50_000, num_val=2_000, epochs=120, batch_size=128, depth=4, width=128),
    critic_num_train=50_000,
    critic_epochs=None,
    num_test=400,
    num_draws=1_000,
    rhos=(0.1, 0.5),
    tv_rhos=(0.02, 0.1, 0.5),
    outlier_size=15.0,
    num_eb=500,
    slab_fraction=0.5,
    shift_fraction=0.2,
    num_timing=500,
    timing_draws=1_000,
    sensitivity_rhos=(0.0, 1e-3, 0.01, 0.03, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 0.99),
    graded=True,
)
QUICK = Config(
    mode="quick",
    tasks=("sensors6",),
    seeds=1,
    budget=TrainingBudget(num_train=3_000, num_val=300, epochs=3, batch_size=128, depth=2, width=32),
    critic_num_train=3_000,
    critic_epochs=3,
    num_test=40,
    num_draws=200,
    rhos=(0.1, 0.5),
    tv_rhos=(0.02, 0.5),
    outlier_size=15.0,
    num_eb=60,
    slab_fraction=0.5,
    shift_fraction=0.2,
    num_timing=40,
    timing_draws=100,
    sensitivity_rhos=(0.0, 0.1, 0.5, 0.9),
    graded=False,
)
