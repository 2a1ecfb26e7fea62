"""One run of the criticism benchmark: train the critics, evaluate them against the exact probabilities and the
MCMC baseline, report, write the files."""

from __future__ import annotations

import os
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from bayesflow_nnpe import MisspecificationCritic

from ..common.io import environment, write_json
from . import evaluation as ce
from . import observations as ct
from . import report
from .config import Config
from .plots import plot_all


def run_environment() -> dict:
    """The versions and the machine (``common.io.environment``), and the load when the run starts."""
    return {**environment(), "load_average_at_start": list(os.getloadavg())}


def run(config: Config, out: Path, task_names: list[str]) -> dict:
    """Train the critics of every task and rho, evaluate them and the MCMC baseline; print, write, plot."""
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    env = run_environment()
    results = {}
    for task_name in task_names:
        task = ct.TASKS[task_name]
        train = ct.training_set(task, config.num_train)
        results[task_name] = {"doc": task.doc, "summary_names": list(task.summary_names), "rhos": {}}
        critics = {}
        for i, rho in enumerate(config.rhos):
            seed = 10 * task.task_id + i
            critic = MisspecificationCritic(seed=seed, slab_probability=rho)  # every other setting: the default
            fit = {} if config.epochs is None else {"epochs": config.epochs}
            t0 = time.perf_counter()
            history = critic.fit(train, verbose=0, **fit)
            train_s = time.perf_counter() - t0
            record = ce.evaluate_critic(task, critic, rho, config)
            loss = history.history["loss"]
            record = {"seed": seed, "train_s": train_s, "epochs": len(loss), "loss": loss, **record}
            results[task_name]["rhos"][f"{rho:g}"] = record
            critics[rho] = critic
            outliers = " ".join(f"{k} sd min {v['critic_min']:.4f}" for k, v in record["outliers"].items())
            print(
                f"[{time.perf_counter() - start:5.0f} s] {task_name} rho={rho:g}: trained in {train_s:.0f} s, "
                f"MAE clean {record['clean']['mae']:.4f}, contaminated {record['noisy']['mae']:.4f}, {outliers}",
                flush=True,
            )
        first = critics[config.rhos[0]]
        mean, std = first.summary_mean, first.summary_std
        assert all(np.array_equal(c.summary_std, std) for c in critics.values()), "critics of a task share the data"
        results[task_name]["mcmc"] = ce.mcmc_baseline(task, mean, std, list(config.rhos), critics, config)
        check = results[task_name]["mcmc"]["check"]
        print(
            f"[{time.perf_counter() - start:5.0f} s] {task_name} MCMC: MAE {check['mae_rb']:.4f} vs exact on "
            f"{check['n']} observations ({check['seconds']:.0f} s), "
            f"{results[task_name]['mcmc']['cost']['seconds_per_observation_ward_length']:.3f} s per observation at "
            "Ward's length",
            flush=True,
        )
    targets = report.check_targets(results, config.graded)
    printed = report.format_report(results, targets)
    wall = time.perf_counter() - start
    env["load_average_at_end"] = list(os.getloadavg())
    print()
    print("\n\n".join(printed.values()))
    print(f"\nTotal wall time {wall:.0f} s ({config.mode} mode).")
    result = {
        "mode": config.mode,
        "config": asdict(config),
        "critic_settings": "MisspecificationCritic(seed=..., slab_probability=rho) and fit(clean, verbose=0): the "
        "defaults otherwise" + ("" if config.epochs is None else f", except epochs={config.epochs} (quick mode)"),
        "error_model": {
            "spike_scale": ct.SPIKE,
            "slab_scale": ct.SLAB,
            "applied_to": "summaries z-scored with the critic's summary_mean and summary_std",
        },
        "reference": "exact P(z_j = 1 | y) by quadrature (benchmarks/references/inclusion.py)",
        "environment": env,
        "wall_time_s": wall,
        "targets": targets,
        "all_targets_met": all(t["met"] for t in targets) if config.graded else None,
        "results": results,
        "printed": printed,
    }
    write_json(result, out / "criticism.json")
    plot_all(results, f"{config.rhos[0]:g}", config.bar_size, out)
    written = sorted(p.name for p in out.iterdir() if p.name.startswith("criticism"))
    print(f"Wrote {', '.join(written)} to {out}")
    return result
