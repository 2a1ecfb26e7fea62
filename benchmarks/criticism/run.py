"""One run of the criticism benchmark: train one critic per task, evaluate it at each rho against the exact
probabilities and the MCMC baseline, report, write the files."""

from __future__ import annotations

import os
import time
from dataclasses import asdict
from pathlib import Path

from bayesflow_nnpe import MisspecificationCritic

from ..common.io import environment, write_json
from . import evaluation as ce
from . import observations as ct
from . import report
from .config import Config
from .plots import plot_all


def run_environment() -> dict:
    """The versions and the machine (``common.io.environment``), and the load when the run starts; ``jax``, the
    version of the backend under the key the criticism record has always had (the documentation reads it)."""
    env = environment()
    return {**env, env["backend"]: env["backend_version"], "load_average_at_start": list(os.getloadavg())}


def run(config: Config, out: Path, task_names: list[str]) -> dict:
    """Train one critic per task, evaluate it at every rho and the MCMC baseline; print, write, plot."""
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    env = run_environment()
    results = {}
    for task_name in task_names:
        task = ct.TASKS[task_name]
        train = ct.training_set(task, config.num_train)
        seed = 10 * task.task_id
        critic = MisspecificationCritic(seed=seed)  # every other setting: the default (slab_probability: per call)
        fit = {} if config.epochs is None else {"epochs": config.epochs}
        t0 = time.perf_counter()
        history = critic.fit(train, verbose=0, **fit)
        train_s = time.perf_counter() - t0
        loss = history.history["loss"]
        trained = {"seed": seed, "train_s": train_s, "epochs": len(loss), "loss": loss}
        print(f"[{time.perf_counter() - start:5.0f} s] {task_name}: trained in {train_s:.0f} s", flush=True)
        results[task_name] = {
            "doc": task.doc,
            "summary_names": list(task.summary_names),
            "critic": {**trained, "evaluated_at": list(config.rhos)},
            "rhos": {},
        }
        for rho in config.rhos:
            record = ce.evaluate_critic(task, critic, rho, config)
            # the training fields are the task's one critic's, repeated per rho (the record of a rho stays whole)
            results[task_name]["rhos"][f"{rho:g}"] = {**trained, **record}
            outliers = " ".join(f"{k} sd min {v['critic_min']:.4f}" for k, v in record["outliers"].items())
            joint = ""
            if "joint" in record:
                tv = {k: v["tv_critic"] for k, v in record["joint"].items() if isinstance(v, dict)}
                joint = ", joint TV " + " ".join(f"{k} {v:.4f}" for k, v in tv.items())
            print(
                f"[{time.perf_counter() - start:5.0f} s] {task_name} rho={rho:g}: MAE clean "
                f"{record['clean']['mae']:.4f}, contaminated {record['noisy']['mae']:.4f}, {outliers}{joint}",
                flush=True,
            )
        mean, std = critic.summary_mean, critic.summary_std
        results[task_name]["mcmc"] = ce.mcmc_baseline(task, mean, std, list(config.rhos), critic, config)
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
        "critic_settings": "MisspecificationCritic(seed=...) and fit(clean, verbose=0): the defaults otherwise"
        + ("" if config.epochs is None else f", except epochs={config.epochs} (quick mode)")
        + "; one critic per task, evaluated at each rho through slab_probability=rho",
        "error_model": {
            "spike_scale": ct.SPIKE,
            "slab_scale": ct.SLAB,
            "applied_to": "summaries z-scored with the critic's summary_mean and summary_std",
        },
        "reference": "exact P(z_j = 1 | y) by quadrature (benchmarks/references/inclusion.py), at the same rho",
        "joint_reference": "exact p(z | y) of all 2^10 patterns of the sensors task by quadrature "
        "(benchmarks/references/error_model.py, SensorBlocks.pattern_probabilities), at the same rho",
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
