"""The budgets of the criticism benchmark's two modes: full (the committed figures) and quick (CI)."""

from __future__ import annotations

from dataclasses import dataclass

from ..references import mcmc


@dataclass(frozen=True)
class Config:
    """Budget of one mode."""

    mode: str
    rhos: tuple[float, ...]  # the priors at which each critic is evaluated (slab_probability=rho)
    num_train: int  # clean simulations per task (one critic per task)
    epochs: int | None  # None: the critic's default
    num_clean: int  # clean test observations
    num_noisy: int  # held-out noisy simulations (contaminated MAE, reliability, cross-entropy)
    num_predict: int  # observations in the timed predict calls
    num_outlier: int  # observations per outlier size
    outlier_sizes: tuple[float, ...]
    num_ward: int  # gaussian observations with variance 2
    num_sweep: int  # sensors observations per offset
    sweep_sizes: tuple[float, ...]
    bar_size: float  # the sweep offset shown in the bar chart
    num_joint: int  # sensors observations per set (clean; one sensor off) for the joint against the exact joint
    joint_outlier_size: float  # clean sds of the broken sensor in the joint's second set
    mcmc_check_per_rho: int  # observations per rho for the MCMC accuracy check
    mcmc_check_warmup: int
    mcmc_check_samples: int
    mcmc_timing_chains: int  # chains side by side in the MCMC timing run
    mcmc_timing_warmup: int
    mcmc_timing_samples: int
    graded: bool  # whether the targets are graded (full runs only: a quick run is a demonstration)


SWEEP = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 15.0, 20.0)
FULL = Config(
    mode="full",
    rhos=(0.5, 0.2, 0.05, 0.02),
    num_train=50_000,
    epochs=None,
    num_clean=10_000,
    num_noisy=30_000,
    num_predict=10_000,
    num_outlier=2_000,
    outlier_sizes=(15.0, 20.0),
    num_ward=1_000,
    num_sweep=1_000,
    sweep_sizes=SWEEP,
    bar_size=2.0,
    num_joint=1_000,
    joint_outlier_size=15.0,
    mcmc_check_per_rho=6,
    mcmc_check_warmup=mcmc.WARD_WARMUP,
    mcmc_check_samples=mcmc.WARD_SAMPLES,
    mcmc_timing_chains=3_000,
    mcmc_timing_warmup=100,
    mcmc_timing_samples=500,
    graded=True,
)
QUICK = Config(
    mode="quick",
    rhos=(0.5, 0.2, 0.05, 0.02),
    num_train=10_000,
    epochs=4,
    num_clean=1_000,
    num_noisy=4_000,
    num_predict=2_000,
    num_outlier=200,
    outlier_sizes=(15.0, 20.0),
    num_ward=200,
    num_sweep=100,
    sweep_sizes=(0.0, 2.0, 5.0, 10.0, 20.0),
    bar_size=2.0,
    num_joint=50,
    joint_outlier_size=15.0,
    mcmc_check_per_rho=3,
    mcmc_check_warmup=300,
    mcmc_check_samples=1_000,
    mcmc_timing_chains=100,
    mcmc_timing_warmup=100,
    mcmc_timing_samples=500,
    graded=False,
)
