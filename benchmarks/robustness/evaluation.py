"""Posterior metrics of the trained estimators and of the exact posterior, and the loss anatomy (trap 2).

All metrics are in units of the prior sd of theta, and one function (``common.metrics.posterior_metrics``) computes
them for both kinds of posterior, so the oracle row and the estimator rows of a table are the same quantities.
"""

from __future__ import annotations

import bayesflow as bf
import numpy as np

from bayesflow_nnpe import DEFAULT_SPIKE, NNPE

from ..common import metrics
from ..common.metrics import Z90, Metrics, normal_log_density, posterior_metrics
from ..common.zscore import zscore_statistics
from .config import Config
from .tasks import Data, Task
from .variants import Variant


def evaluate(
    task: Task, workflow: bf.BasicWorkflow, tests: list[Data], config: Config, seed: int
) -> tuple[dict[str, Metrics], dict[str, np.ndarray]]:
    """Metrics per contamination level, in units of the prior sd of theta; and the draws of test observation 0."""
    x = np.concatenate([t["x"] for t in tests])
    theta = np.concatenate([t["theta"] for t in tests])
    draws = workflow.sample(num_samples=config.num_post, conditions={"x": x}, seed=seed)["theta"]
    log_density = log_density_of(task, workflow, theta, x)
    draws = np.asarray(draws, dtype=np.float64) / task.prior_sd
    truth = theta / task.prior_sd
    mean, sd = draws.mean(axis=1), draws.std(axis=1)
    low, high = np.quantile(draws, [0.05, 0.95], axis=1)
    metrics, examples = {}, {}
    for i, level in enumerate(task.levels):
        rows = slice(i * config.num_test, (i + 1) * config.num_test)
        metrics[str(level)] = posterior_metrics(
            truth[rows], mean[rows], sd[rows], (low[rows], high[rows]), log_density[rows]
        )
        examples[str(level)] = draws[i * config.num_test]
    return metrics, examples


def oracle_metrics(task: Task, tests: list[Data]) -> dict[str, Metrics]:
    """The metrics of the exact posterior that knows the contamination: a floor no estimator beats on average."""
    metrics = {}
    for test, level in zip(tests, task.levels, strict=True):
        mean, sd = task.oracle(test, level)
        mean, sd, truth = mean / task.prior_sd, sd / task.prior_sd, test["theta"] / task.prior_sd
        interval = (mean - Z90 * sd, mean + Z90 * sd)
        metrics[str(level)] = posterior_metrics(truth, mean, sd, interval, normal_log_density(truth, mean, sd))
    return metrics


def log_density_of(task: Task, workflow: bf.BasicWorkflow, theta: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Log posterior density of theta / prior sd given ``x`` (the task's dummy integrated out)."""
    return metrics.log_density_of(workflow, theta, x, task.prior_sd, dummy=task.dummy)


def loss_anatomy(
    task: Task, variant: Variant, workflow: bf.BasicWorkflow, data: dict[str, Data], seed: int
) -> dict[str, float]:
    """Trap 2: what the NNPE training objective measures, on clean held-out simulations.

    Adds one draw of the variant's training noise to the clean validation summaries and compares per-simulation
    negative log posterior densities of theta with and without it (``approximator.log_prob`` never adds noise
    itself). A second draw with the Normal spike alone on every element tells how much of the excess the Cauchy
    slab causes.
    """
    val = data["val"]
    rng = np.random.default_rng([seed, 5])
    if variant.noise == "adapter":  # fixed scales on fixed z-scores: draw the noise there, map it back
        x_mean, x_std = zscore_statistics(data["train"]["x"])
        z = (val["x"] - x_mean) / x_std
        noise = NNPE(variant.spike_scale, variant.slab_scale, per_dimension=False, seed=10_000 + seed)(z) - z
        noisy_x = val["x"] + noise * x_std
        spike_x = val["x"] + variant.spike_scale * rng.normal(size=z.shape) * x_std
    else:  # augmentation: automatic scales, the defaults times the std of each raw summary
        noisy_x = NNPE(seed=10_000 + seed)(val["x"])
        noise = (noisy_x - val["x"]) / task.clean_summary_sd
        spike_x = val["x"] + DEFAULT_SPIKE * rng.normal(size=val["x"].shape) * val["x"].std(axis=0)
    clean_nll = -log_density_of(task, workflow, val["theta"], val["x"])
    noisy_nll = -log_density_of(task, workflow, val["theta"], noisy_x)
    spike_nll = -log_density_of(task, workflow, val["theta"], spike_x)
    excess = noisy_nll - clean_nll
    biggest = np.argsort(-np.abs(noise).max(axis=1))[: max(1, len(excess) // 20)]
    batches = np.array_split(np.arange(len(excess)), max(2, len(excess) // 128))
    return {
        "clean_nll_mean": float(np.mean(clean_nll)),
        "noisy_nll_mean": float(np.mean(noisy_nll)),
        "noisy_nll_median": float(np.median(noisy_nll)),
        "spike_only_nll_mean": float(np.mean(spike_nll)),
        "slab_share_of_excess": float(1 - (spike_nll - clean_nll).sum() / excess.sum()),
        "top5pct_noise_share_of_excess": float(excess[biggest].sum() / excess.sum()),
        "batch_loss_sd_clean": float(np.std([clean_nll[b].mean() for b in batches])),
        "batch_loss_sd_noisy": float(np.std([noisy_nll[b].mean() for b in batches])),
    }
