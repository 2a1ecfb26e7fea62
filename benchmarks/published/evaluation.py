"""Metrics of one trained variant on the clean and misspecified observations, and the misspecification critic.

The metric of Ward et al. (2022) (``rnpe/metrics.py`` and ``scripts/plots/plot_overall_results.ipynb`` of
danielward27/rnpe): the residual of the posterior mean, ``mean(draws) - theta_true`` in standardized theta, squared,
averaged over the observations per parameter, then over the parameters. With equally many observations per
parameter, that is the mean over all (observation, parameter) entries: ``common.metrics.posterior_metrics``' ``mse``.

The robust posterior (``bayesflow_nnpe.RobustPosterior``: the indicator-conditioned network mixed over the critic's
``p_rho(z | y)``) goes through the same ``level_metrics`` at each ``rho`` of ``config.ROBUST_RHOS``
(``evaluate_robust``); its log density of the truth is the mixture's, ``log sum_z p_rho(z | y) q(theta | y, z)``,
over the heaviest patterns of ``z`` (``mixture_terms``). ``sampling_cost`` times it against NPE's approximator.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import bayesflow as bf
import numpy as np

from bayesflow_nnpe import MisspecificationCritic, RobustPosterior, zscore_statistics

from ..common.criticism import inclusion_probabilities
from ..common.metrics import log_density_of, posterior_metrics
from ..common.training import estimator_of
from .config import ESTIMATED, ROBUST_RHOS, CriticBudget
from .tasks import LEVELS, Data, PublishedTask
from .training import INDICATORS

MIXTURE_MASS = 1.0 - 1e-4  # the share of p_rho(z | y) whose patterns enter the robust posterior's log density
LOG_PROB_ROWS = 100_000  # rows per call of the approximator's log_prob (bounds the memory of one call)


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


# --- the robust posterior -------------------------------------------------------------------------------------------


def robust_critic(
    clean_x: np.ndarray, budget: CriticBudget | None, seed: int
) -> tuple[MisspecificationCritic, dict[str, Any]]:
    """The robust posterior's critic, on clean simulated summaries: at the package's defaults
    (``MisspecificationCritic(seed=seed).fit(clean_x)``) if ``budget`` is None, else with ``budget`` (quick mode)."""
    if budget is None:
        critic, fit = MisspecificationCritic(seed=seed), {}
    else:
        critic = MisspecificationCritic(slab_probability=budget.slab_probability, seed=seed, widths=budget.widths)
        fit = {"epochs": budget.epochs, "batch_size": budget.batch_size}
    start, cpu = time.perf_counter(), time.process_time()
    history = critic.fit(clean_x, verbose=0, **fit)
    config = critic.get_config()
    record = {
        "defaults": budget is None,
        "num_simulations": int(len(clean_x)),
        "epochs": len(history.history["loss"]),
        **{key: config[key] for key in ("widths", "joint_width", "training_prior", "slab_probability")},
        "train_time_s": time.perf_counter() - start,
        "train_cpu_s": time.process_time() - cpu,
        "final_loss": float(history.history["loss"][-1]),
    }
    return critic, record


def estimate_rho(critic: MisspecificationCritic, observations: dict[str, Data]) -> dict[str, np.ndarray]:
    """Empirical Bayes per summary on each set of observations (``critic.estimate_slab_probability``), per level."""
    return {level: critic.estimate_slab_probability(observations[level]["x"], per_summary=True) for level in LEVELS}


def evaluate_robust(
    task: PublishedTask,
    workflow: bf.BasicWorkflow,
    critic: MisspecificationCritic,
    observations: dict[str, Data],
    num_post: int,
    seed: int,
    estimated: dict[str, np.ndarray],
) -> dict[float | str, dict[str, Any]]:
    """The metrics of ``RobustPosterior(workflow's approximator, critic)`` at each ``rho`` of ``ROBUST_RHOS``: as
    ``evaluate`` gives them (``level_metrics``), with ``eval_time_s``. At ``ESTIMATED``, each level's observations
    are sampled at the ``rho`` estimated on them (``estimated[level]``)."""
    robust = RobustPosterior(estimator_of(workflow), critic, key="x", indicators=INDICATORS)
    theta = np.concatenate([observations[level]["theta"] for level in LEVELS])
    out: dict[float | str, dict[str, Any]] = {}
    for rho in ROBUST_RHOS:
        start = time.perf_counter()
        draws, log_density = [], []
        for level in LEVELS:
            prior = estimated[level] if rho == ESTIMATED else rho
            observed = observations[level]
            draws.append(robust.sample({"x": observed["x"]}, num_post, slab_probability=prior, seed=seed)["theta"])
            log_density.append(robust_log_density(task, workflow, critic, observed["theta"], observed["x"], prior))
        draws_all = np.asarray(np.concatenate(draws), dtype=np.float64)
        metrics: dict[str, Any] = level_metrics(task, draws_all, theta, np.concatenate(log_density))
        metrics["eval_time_s"] = time.perf_counter() - start
        out[rho] = metrics
    return out


def exact_metrics(
    task: PublishedTask, clean_x: np.ndarray, observations: dict[str, Data], estimated: dict[str, np.ndarray]
) -> dict[str, dict[str, dict[str, float]]]:
    """The exact error-model posterior of a task that has one (``task.error_model``, by quadrature): Ward's MSE and
    90% coverage per level at rho 0 (NPE's target), at each ``rho`` of ``ROBUST_RHOS`` and at the rho estimated on
    each level (``estimated[level]``), keyed by ``str(rho)``. What NNPE and the robust posterior approximate: how
    far a network is from it is its approximation error at the benchmark's budget. The z-scoring std is that of the
    clean training simulations, as the NNPE's and the critic's."""
    if task.error_model is None:
        raise ValueError(f"task {task.name!r} has no exact error-model posterior.")
    std = zscore_statistics(clean_x).std
    out: dict[str, dict[str, dict[str, float]]] = {}
    for rho in (0.0, *ROBUST_RHOS):
        out[str(rho)] = {}
        for level in LEVELS:
            observed = observations[level]
            prior = estimated[level] if rho == ESTIMATED else rho
            post = task.error_model.posterior(observed["x"], std=std, rho=prior, level=0.9)
            truth = task.standardize(observed["theta"])
            mean, low, high = (task.standardize(v) for v in (post.mean, post.lower, post.upper))
            out[str(rho)][level] = {
                "mse": float(np.mean((mean - truth) ** 2)),
                "coverage90": float(np.mean((truth >= low) & (truth <= high))),
            }
    return out


def robust_log_density(
    task: PublishedTask,
    workflow: bf.BasicWorkflow,
    critic: MisspecificationCritic,
    theta: np.ndarray,
    x: np.ndarray,
    rho: float | np.ndarray,
) -> np.ndarray:
    """``log p_rho(theta | y) = log sum_z p_rho(z | y) q(theta | y, z)`` of the standardized truth per observation,
    over the heaviest patterns that hold ``MIXTURE_MASS`` of each ``p_rho(z | y)`` (``mixture_terms``; the rest,
    at most 1e-4 of the mass, is left out: a lower bound, within 1e-4 in log unless a left-out pattern's density is
    thousands of times the kept ones')."""
    patterns, weights = critic.pattern_probabilities(x, slab_probability=rho)
    rows, cols = mixture_terms(weights, MIXTURE_MASS)
    log_q = np.concatenate(
        [
            log_density_of(
                workflow,
                theta[rows[part]],
                x[rows[part]],
                task.prior_sd,
                dummy=task.dummy,
                conditions={INDICATORS: patterns[cols[part]]},
            )
            for part in _parts(len(rows), LOG_PROB_ROWS)
        ]
    )
    return mixture_log_density(weights[rows, cols], log_q, rows, len(x))


def mixture_terms(weights: np.ndarray, mass: float) -> tuple[np.ndarray, np.ndarray]:
    """The terms ``(rows, cols)`` of a mixture with weights ``(m, P)`` (rows sum to 1): per row, its heaviest
    components, heaviest first, until they hold at least ``mass`` (at least one; never a zero weight)."""
    order = np.argsort(-weights, axis=1, kind="stable")
    ranked = np.take_along_axis(weights, order, axis=1)
    before = np.cumsum(ranked, axis=1) - ranked  # the mass of the heavier components
    keep = (before < mass) & (ranked > 0)
    keep[:, 0] = True
    return np.nonzero(keep)[0], order[keep]


def mixture_log_density(weights: np.ndarray, log_q: np.ndarray, rows: np.ndarray, m: int) -> np.ndarray:
    """``log sum_k w_k q_k`` per row of ``m``, from the terms' weights ``w_k``, log densities ``log q_k`` and rows
    (as ``mixture_terms`` lists them); ``-inf`` for a row with no finite term."""
    terms = np.log(np.asarray(weights, dtype=np.float64)) + np.asarray(log_q, dtype=np.float64)
    top = np.full(m, -np.inf)
    np.maximum.at(top, rows, terms)
    finite = np.isfinite(top)
    total = np.zeros(m)
    np.add.at(total, rows, np.exp(terms - np.where(finite, top, 0.0)[rows]))
    with np.errstate(divide="ignore"):
        return np.where(finite, top + np.log(total), -np.inf)


def _parts(n: int, size: int) -> list[slice]:
    return [slice(start, min(start + size, n)) for start in range(0, n, size)] or [slice(0, 0)]


def sampling_cost(
    npe: bf.BasicWorkflow,
    workflow: bf.BasicWorkflow,
    critic: MisspecificationCritic,
    x: np.ndarray,
    rho: float | np.ndarray,
    draws: int,
    seed: int,
    repeats: int = 3,
) -> dict[str, Any]:
    """Seconds to draw ``draws`` per observation of ``x`` from the robust posterior (at prior ``rho``) and from NPE's
    approximator, in this process: one call each to compile, then ``repeats`` alternating timed calls; ``ratio`` is
    the median robust time over NPE's. The critic's indicator draws (part of the robust time) are timed alone too."""
    approximator = estimator_of(npe)
    robust = RobustPosterior(estimator_of(workflow), critic, key="x", indicators=INDICATORS)
    calls: dict[str, Callable[[], Any]] = {
        "approximator": lambda: approximator.sample(num_samples=draws, conditions={"x": x}, seed=seed),
        "robust": lambda: robust.sample({"x": x}, draws, slab_probability=rho, seed=seed),
        "indicators": lambda: critic.sample_indicators(x, draws, slab_probability=rho, seed=seed),
    }
    first = {name: _seconds(call) for name, call in calls.items()}
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(repeats):
        for name, call in calls.items():
            times[name].append(_seconds(call))
    median = {name: statistics.median(values) for name, values in times.items()}
    return {
        "observations": int(len(x)),
        "draws": int(draws),
        "repeats": repeats,
        "seconds": times,
        "median_s": median,
        "first_call_s": first,
        "ratio": median["robust"] / median["approximator"],
    }


def _seconds(call: Callable[[], Any]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start
