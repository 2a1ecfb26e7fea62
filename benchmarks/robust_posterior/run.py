"""One run of the robust-posterior benchmark: per task and seed, train, evaluate; then summarize, report, write."""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path

import numpy as np

from ..common.io import environment, write_json
from ..common.seeds import training_seed
from ..common.targets import format_targets
from ..common.training import compilation_cache
from . import evaluation, report, tasks, training
from .config import Config
from .plots import plot_sensitivity


def run(config: Config, out: Path, task_names: list[str]) -> dict:
    """Train and evaluate every task and seed; print, write ``robust_posterior.json``, plot."""
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    env = {**environment(), "load_average_at_start": list(os.getloadavg())}
    results, summaries, ablation, figure = {}, {}, {}, None

    def say(message: str) -> None:
        print(f"[{time.perf_counter() - start:6.0f} s] {message}", flush=True)

    with compilation_cache():
        for task in task_names:
            model = tasks.TASKS[task]
            test = tasks.test_sets(task, config.num_test, config.outlier_size)
            eb = tasks.eb_sets(task, config.num_eb, config.slab_fraction, config.shift_fraction, config.outlier_size)
            seeds = []
            for index in range(config.seeds):
                seed = training_seed(task, index)
                data = tasks.training_data(task, index, config.budget.num_train, config.budget.num_val)
                npe, npe_s = training.train_npe(data, config.budget, seed)
                network, network_s = training.train_indicator_network(data, config.budget, seed)
                clean = tasks.critic_data(task, index, config.critic_num_train)
                critic, critic_s = training.train_critic(clean, seed, config.critic_epochs)
                robust = training.robust_posterior(network, critic)
                seconds = f"NPE {npe_s:.0f} s, indicators {network_s:.0f} s, critic {critic_s:.0f} s"
                say(f"{task} seed {index}: trained {seconds}")
                record = {
                    "seed": seed,
                    "train_s": {"npe": npe_s, "indicator_network": network_s, "critic": critic_s},
                    "posterior": evaluation.posterior_records(
                        model, robust, npe, test, config.rhos, config.num_draws, seed
                    ),
                    "joint": evaluation.joint_records(model, critic, test, config.tv_rhos),
                    "empirical_bayes": evaluation.empirical_bayes_records(model, critic, eb, seed, exact=index == 0),
                    "cost": evaluation.sampling_cost(
                        robust, npe, test["clean"].y[: config.num_timing], config.timing_draws, seed
                    ),
                }
                seeds.append(record)
                say(f"{task} seed {index}: evaluated")
                if index == 0:
                    fixed, _ = training.train_critic(clean, seed, config.critic_epochs, training_prior=0.5)
                    ablation[task] = evaluation.joint_records(model, fixed, test, config.tv_rhos)
                    ablation[task]["empirical_bayes_clean_max"] = float(
                        np.max(fixed.estimate_slab_probability(eb["clean"][0], seed=seed))
                    )
                    if figure is None or task == "sensors":
                        off = test["outlier"].y[0] - test["clean"].y[0]
                        figure = evaluation.sensitivity(
                            model, robust, test["outlier"].y[0], config.sensitivity_rhos, config.num_draws, seed
                        )
                        figure |= {"task": task, "theta": test["outlier"].theta[0], "sensor_off": int(np.argmax(off))}
                    say(f"{task}: the critic trained at rho = 0.5, and the sensitivity of one observation")
            results[task] = seeds
            summaries[task] = report.summarize(seeds, config.rhos)
    dims = {task: tasks.TASKS[task].num_summaries for task in task_names}
    targets = report.check_targets(summaries, dims, config.rhos, config.graded)
    text = report.tables(summaries, ablation)
    for table in text.values():
        print("\n" + table)
    print("\n" + format_targets(targets, "Targets", "make robust"))
    record = {
        "config": dataclasses.asdict(config),
        "environment": env,
        "wall_s": time.perf_counter() - start,
        "results": results,
        "summary": summaries,
        "ablation_fixed_rho_critic": ablation,
        "sensitivity": figure,
        "tables": text,
        "targets": targets,
    }
    write_json(record, out / "robust_posterior.json")
    plot_sensitivity(figure, out / "robust_posterior_sensitivity.png")
    print(f"\nWrote {out / 'robust_posterior.json'} and robust_posterior_sensitivity.png ({record['wall_s']:.0f} s)")
    return record
