"""One run of the published benchmark: simulate, train every variant and the critics, evaluate, report, write.

Per task: the critic of the criticism table and the robust posterior's critic (defaults) on seed 0's clean
simulations, and the rho estimated by the latter on each set of observations; per seed: NPE, NNPE at each rho, and
the robust posterior's network, evaluated at each rho of ``ROBUST_RHOS`` (one run record each); on seed 0, the
robust posterior's sampling cost against NPE's approximator.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from ..common.io import environment, write_json
from ..common.seeds import simulation_rng, training_seed
from ..common.targets import format_targets
from . import report
from .config import ESTIMATED, ROBUST, ROBUST_RHOS, PublishedConfig, PublishedVariant, variants
from .evaluation import (
    criticize,
    estimate_rho,
    evaluate,
    evaluate_robust,
    exact_metrics,
    robust_critic,
    sampling_cost,
)
from .plots import plot_all
from .tasks import PUBLISHED_TASKS, without_summaries
from .training import train


def run(config: PublishedConfig, out: Path, task_names: list[str]) -> dict:
    """Simulate, train, evaluate and criticize; print the tables; write published.json and the figures."""
    out.mkdir(parents=True, exist_ok=True)
    start, cpu_start, load_start = time.perf_counter(), time.process_time(), os.getloadavg()
    runs, guided, critics, timings, robust = [], [], {}, {}, {}
    for task_name in task_names:
        task, budget = PUBLISHED_TASKS[task_name], config.budgets[task_name]
        t = time.perf_counter()
        observations = task.observations(config.num_test)
        simulation_s = time.perf_counter() - t
        for seed_index in range(config.seeds):
            seed = training_seed(task_name, seed_index)
            rng = simulation_rng(task_name, seed_index)
            t = time.perf_counter()
            data = {"train": task.simulate(budget.num_train, rng), "val": task.simulate(budget.num_val, rng)}
            simulation_s += time.perf_counter() - t
            if seed_index == 0:
                critics[task_name] = criticize(task, data["train"]["x"], observations, config.critic, seed)
                print(
                    f"[{time.perf_counter() - start:5.0f} s] {task_name} critic trained in "
                    f"{critics[task_name]['train_time_s']:.1f} s; flags {critics[task_name]['flagged'] or 'nothing'}",
                    flush=True,
                )
                if config.robust:
                    critic, critic_record = robust_critic(data["train"]["x"], config.robust_critic, seed)
                    estimated = estimate_rho(critic, observations)
                    robust[task_name] = {
                        "summary_names": list(task.summary_names),
                        "critic": critic_record,
                        "estimated_rho": {level: rho.tolist() for level, rho in estimated.items()},
                    }
                    print(
                        f"[{time.perf_counter() - start:5.0f} s] {task_name} RobustPosterior's critic trained in "
                        f"{critic_record['train_time_s']:.1f} s; rho estimated on the misspecified observations "
                        f"{[round(float(v), 3) for v in estimated['misspecified']]}",
                        flush=True,
                    )
                    if task.error_model is not None:
                        exact = exact_metrics(task, data["train"]["x"], observations, estimated)
                        robust[task_name]["exact"] = exact
                        print(
                            f"[{time.perf_counter() - start:5.0f} s] {task_name} exact error-model posterior "
                            "(quadrature), misspecified MSE: "
                            + ", ".join(f"rho={rho} {v['misspecified']['mse']:.3g}" for rho, v in exact.items()),
                            flush=True,
                        )
            npe = None
            for variant in variants(config.rhos):
                workflow, record = train(task, variant, data, budget, seed, config.input_map)
                if variant.rho is None:
                    npe = workflow  # for the robust posterior's sampling cost
                metrics = evaluate(task, workflow, observations, config.num_post, seed)
                record.update(
                    task=task_name,
                    variant=variant.name,
                    rho=variant.rho,
                    seed=seed,
                    seed_index=seed_index,
                    eval_time_s=metrics.pop("eval_time_s"),
                    metrics=metrics,
                    load_average=os.getloadavg(),
                )
                runs.append(record)
                mis, clean = metrics["misspecified"], metrics["clean"]
                print(
                    f"[{time.perf_counter() - start:5.0f} s] {task_name} seed {seed_index} {variant.label:<14} trained "
                    f"in {record['train_time_s']:5.1f} s; MSE clean {clean['mse']:.3g}, misspecified {mis['mse']:.3g}"
                    f" (cov90 {mis['coverage90']:.2f}); load {record['load_average'][0]:.1f}",
                    flush=True,
                )
            if config.robust:
                workflow, record = train(task, PublishedVariant(robust=True), data, budget, seed, config.input_map)
                by_rho = evaluate_robust(task, workflow, critic, observations, config.num_post, seed, estimated)
                for rho, metrics in by_rho.items():
                    run_record = {
                        **record,
                        "task": task_name,
                        "variant": ROBUST,
                        "rho": rho,
                        "seed": seed,
                        "seed_index": seed_index,
                        "eval_time_s": metrics.pop("eval_time_s"),
                        "metrics": metrics,
                        "load_average": os.getloadavg(),
                    }
                    if rho == ESTIMATED:
                        run_record["estimated_rho"] = robust[task_name]["estimated_rho"]
                    runs.append(run_record)
                    mis, clean = metrics["misspecified"], metrics["clean"]
                    print(
                        f"[{time.perf_counter() - start:5.0f} s] {task_name} seed {seed_index} RobustPosterior "
                        f"rho={rho} (trained in {record['train_time_s']:5.1f} s); MSE clean {clean['mse']:.3g} (cov90 "
                        f"{clean['coverage90']:.2f}), misspecified {mis['mse']:.3g} (cov90 {mis['coverage90']:.2f})",
                        flush=True,
                    )
                if seed_index == 0 and npe is not None:
                    x = observations["misspecified"]["x"]
                    cost = sampling_cost(npe, workflow, critic, x, estimated["misspecified"], config.cost_draws, seed)
                    robust[task_name]["cost"] = cost
                    print(
                        f"[{time.perf_counter() - start:5.0f} s] {task_name} sampling {cost['observations']} x "
                        f"{cost['draws']}: NPE {cost['median_s']['approximator']:.2f} s, RobustPosterior "
                        f"{cost['median_s']['robust']:.2f} s (ratio {cost['ratio']:.2f})",
                        flush=True,
                    )
            dropped = tuple(critics[task_name]["flagged"]) if seed_index == 0 and config.guided else ()
            if dropped:  # criticism-guided NPE: leaves out the summaries the critic flags
                reduced = {k: without_summaries(task, v, dropped) for k, v in data.items()}
                seen = {k: without_summaries(task, v, dropped) for k, v in observations.items()}
                workflow, record = train(task, variants(())[0], reduced, budget, seed, config.input_map)
                metrics = evaluate(task, workflow, seen, config.num_post, seed)
                record.update(task=task_name, without=list(dropped), seed=seed, eval_time_s=metrics.pop("eval_time_s"))
                guided.append({**record, "metrics": metrics, "load_average": os.getloadavg()})
                print(
                    f"[{time.perf_counter() - start:5.0f} s] {task_name} seed 0 NPE without {', '.join(dropped)} "
                    f"(criticism-guided): MSE clean {metrics['clean']['mse']:.3g}, misspecified "
                    f"{metrics['misspecified']['mse']:.3g}",
                    flush=True,
                )
        timings[task_name] = {"simulation_s": simulation_s}
    rows = report.summarize(runs)
    every_point = report.tradeoff(rows)  # the robust posterior's points go under "robust" (rho may be a str)
    points = [p for p in every_point if p["variant"] != ROBUST]
    robust_points = [p for p in every_point if p["variant"] == ROBUST]
    targets = report.check_targets(rows, config.graded)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    printed = {
        "ward": report.format_ward_table(rows, config.rhos),
        "summary": report.format_summary(rows, config.seeds),
        "tradeoff": report.format_tradeoff(points),
        "critics": report.format_critics(critics),
        "targets": format_targets(targets, report.TARGETS_TITLE, "make published"),
    }
    if robust:
        printed["robust"] = report.format_robust_table(rows, config.rhos, ROBUST_RHOS)
        printed["robust_rho_and_cost"] = report.format_robust(robust)
    if guided:
        printed["guided"] = report.format_guided(guided, rows)
    printed["targets"] = printed.pop("targets")  # printed last
    print()
    print("\n\n".join(printed.values()))
    loads = [r["load_average"][0] for r in runs]
    load_note = f"1-min load average {min(loads):.1f}-{max(loads):.1f} during training" if loads else ""
    print(
        f"\nTotal wall time {wall:.0f} s ({wall / 60:.1f} min, {config.mode} mode); process CPU time {cpu:.0f} s; "
        f"{os.cpu_count()} CPUs; {load_note}"
    )
    result = {
        "mode": config.mode,
        "config": report.config_record(config),
        "environment": environment(),
        "machine": {
            "cpu_count": os.cpu_count(),
            "load_average_start": load_start,
            "load_average_end": os.getloadavg(),
            "load_average_1min_during_training": {"min": min(loads, default=None), "max": max(loads, default=None)},
        },
        "wall_time_s": wall,
        "cpu_time_s": cpu,
        "timings": timings,
        "units": "theta standardized with the prior mean and sd per parameter (Ward et al.'s unit)",
        "tasks": report.task_descriptions(task_names),
        "ward": {"mse": report.WARD_MSE, "mse_per_param": report.WARD_MSE_PER_PARAMETER},
        "summary": rows,
        "tradeoff": points,
        "targets": targets,
        "critics": critics,
        "guided": guided,
        "robust": {"rhos": list(ROBUST_RHOS), "tasks": robust, "tradeoff": robust_points},
        "runs": runs,
        "printed": printed,
    }
    write_json(result, out / "published.json")
    paths = plot_all(rows, points, critics, out, guided, robust_points)
    print(f"Wrote published.json and {', '.join(p.name for p in paths)} to {out}")
    return result
