"""Metrics of one trained variant on the clean and misspecified observations, and the misspecification critic.

The metric of Ward et al. (2022) (``rnpe/metrics.py`` and ``scripts/plots/plot_overall_results.ipynb`` of
danielward27/rnpe): the residual of the posterior mean, ``mean(draws) - theta_true`` in standardized theta, squared,
averaged over the observations per parameter, then over the parameters. With equally many observations per
parameter, that is the mean over all (observation, parameter) entries: ``common.metrics.posterior_metrics``' ``mse``.
"""

from __future__ import annotations

import time
from typing import Any

import bayesflow as bf
import numpy as np

from bayesflow_nnpe import MisspecificationCritic

from ..common.criticism import inclusion_probabilities
from ..common.metrics import log_density_of, posterior_metrics
from .config import CriticBudget
from .tasks import LEVELS, Data, PublishedTask


def evaluate(
    task: PublishedTask, workflow: bf.BasicWorkflow, observations: dict[str, Data], num_post: int, seed: int
) -> dict[str, Any]:
    """Per level: Ward's MSE (and per parameter), 90% coverage, log density of the truth, posterior SD.

    ``num_post`` posterior draws per observation and ``approximator.log_prob`` at the truth go to
    ``level_metrics``; ``eval_time_s`` is the time they took.
    """
    x = np.concatenate([observations[level]["x"] for level in LEVELS])
    theta = np.concatenate([observations[level]["theta"] for level in LEVELS])
    start = time.perf_counter()
    draws = workflow.sample(num_samples=num_post, conditions={"x": x}, seed=seed)["theta"]
    log_density = log_density_of(workflow, theta, x, task.prior_sd, dummy=task.dummy)
    seconds = time.perf_counter() - start
    metrics: dict[str, Any] = level_metrics(task, np.asarray(draws, dtype=np.float64), theta, log_density)
    metrics["eval_time_s"] = seconds
    return metrics


def level_metrics(
    task: PublishedTask, draws: np.ndarray, theta: np.ndarray, log_density: np.ndarray
) -> dict[str, dict[str, Any]]:
    """The metrics of each level from raw posterior draws ``(2 n, draws, params)`` of the clean observations, then
    the misspecified ones, their true ``theta`` ``(2 n, params)`` and the log density of the standardized truth.

    All in standardized theta (prior sds from the prior mean): posterior means, sds and central 90% intervals from
    the draws; Ward's MSE averages the squared residual of the mean over observations and parameters.
    """
    draws, truth = task.standardize(draws), task.standardize(theta)
    mean, sd = draws.mean(axis=1), draws.std(axis=1)
    low, high = np.quantile(draws, [0.05, 0.95], axis=1)
    n = len(truth) // len(LEVELS)
    metrics = {}
    for i, level in enumerate(LEVELS):
        rows = slice(i * n, (i + 1) * n)
        entry = posterior_metrics(truth[rows], mean[rows], sd[rows], (low[rows], high[rows]), log_density[rows])
        inside = (truth[rows] >= low[rows]) & (truth[rows] <= high[rows])
        entry["mse_per_param"] = np.mean((mean[rows] - truth[rows]) ** 2, axis=0).tolist()
        entry["coverage90_per_param"] = np.mean(inside, axis=0).tolist()
        entry["post_sd_per_param"] = sd[rows].mean(axis=0).tolist()
        metrics[level] = entry
    return metrics


def criticize(
    task: PublishedTask, clean_x: np.ndarray, observations: dict[str, Data], budget: CriticBudget, seed: int
) -> dict[str, Any]:
    """Train one ``MisspecificationCritic`` on clean simulated summaries; its probabilities per summary and level.

    For each level: the mean probability per summary that the simulator got it wrong, its 10% and 90% quantiles
    over the observations, and the share of observations above the prior ``slab_probability``; and the summaries
    it flags (``flagged``).
    """
    critic = MisspecificationCritic(slab_probability=budget.slab_probability, seed=seed, widths=budget.widths)
    start, cpu = time.perf_counter(), time.process_time()
    critic.fit(clean_x, epochs=budget.epochs, batch_size=budget.batch_size, verbose=0)
    record: dict[str, Any] = {
        "summary_names": list(task.summary_names),
        "prior": budget.slab_probability,
        "num_simulations": int(len(clean_x)),
        "epochs": budget.epochs,
        "widths": list(budget.widths),
        "train_time_s": time.perf_counter() - start,
        "train_cpu_s": time.process_time() - cpu,
    }
    for level in LEVELS:
        p = inclusion_probabilities(critic, observations[level]["x"])
        low, high = np.quantile(p, [0.1, 0.9], axis=0)
        record[level] = {
            "mean": p.mean(axis=0).tolist(),
            "q10": low.tolist(),
            "q90": high.tolist(),
            "share_above_prior": (p > budget.slab_probability).mean(axis=0).tolist(),
        }
    record["flagged"] = flagged(record)
    return record


FLAG_MARGIN = 0.1


def flagged(record: dict[str, Any]) -> list[str]:
    """The summaries whose mean probability on the misspecified observations exceeds the prior and its own mean on
    the clean observations by ``FLAG_MARGIN`` or more."""
    names, clean, misspecified = record["summary_names"], record["clean"]["mean"], record["misspecified"]["mean"]
    return [
        name
        for name, c, m in zip(names, clean, misspecified, strict=True)
        if m >= record["prior"] + FLAG_MARGIN and m >= c + FLAG_MARGIN
    ]
