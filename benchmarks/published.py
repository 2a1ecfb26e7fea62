"""The published tasks: NPE and NNPE (rho 0.5, 0.2, 0.1) on Ward et al.'s (2022) tasks and ours, next to their numbers.

Per task (``gaussian``, ``sir``, ``cs`` from Ward et al.; ``sensors`` ours) and training seed, one set of clean
simulations trains every variant identically (README recipe 1: fixed z-scoring of the summaries with clean
statistics in the adapter; NNPE adds ``augmentations={"x": NNPE.from_simulations(train["x"], slab_probability=rho,
seed=seed)}``, fresh noise every batch; NPE is the same without it; ``standardize="inference_variables"``). Each is
evaluated on fixed clean and misspecified observations (common random numbers: the misspecified observation ``i``
is the clean one with the misspecification applied): Ward et al.'s posterior-mean MSE in standardized theta, the
coverage of central 90% intervals, the log density of the true theta and the posterior SD. One misspecification
critic per task (``MisspecificationCritic``, slab_probability 0.5, on the clean simulations of seed 0) says which
summaries are off; on seed 0, NPE is trained once more without the summaries it flags (criticism-guided NPE).

    KERAS_BACKEND=jax python benchmarks/published.py            # full mode (make published)
    KERAS_BACKEND=jax python benchmarks/published.py --quick    # 1 seed, rho = 0.5 only, tiny budget (CI)
    python benchmarks/published.py --tasks sir cs --seeds 1 --out /tmp/published
    python benchmarks/published.py --tasks sir --seeds 1 --rhos 0.5 --epochs 75 --depth 6 --width 128 --out DIR

Outputs (in ``benchmarks/figures/``, or ``benchmarks/figures/quick/`` with ``--quick``, or ``--out DIR``):
``published.json`` (configuration, environment, machine load, every run, the summary, the table next to Ward's,
the targets, the price of robustness, the critics) and the figures ``published_tradeoff_<task>.png``,
``published_mse.png`` and ``published_critic.png``. The modules are ``nnpe_bench.published_*``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")

from nnpe_bench.progress import silence_sampling_progress  # noqa: E402

silence_sampling_progress()  # before bayesflow imports tqdm

import keras  # noqa: E402
import numpy as np  # noqa: E402
from nnpe_bench import published_report as report  # noqa: E402
from nnpe_bench.published_config import FULL, QUICK, PublishedConfig, variants  # noqa: E402
from nnpe_bench.published_evaluation import criticize, evaluate  # noqa: E402
from nnpe_bench.published_plots import plot_all  # noqa: E402
from nnpe_bench.published_tasks import PUBLISHED_TASKS, TASK_SEEDS, without_summaries  # noqa: E402
from nnpe_bench.published_training import InputMap, compilation_cache, train  # noqa: E402
from nnpe_bench.report import environment, write_json  # noqa: E402

FIGURES = Path(__file__).resolve().parent / "figures"


def run(config: PublishedConfig, out: Path, task_names: list[str]) -> dict:
    """Simulate, train, evaluate and criticize; print the tables; write published.json and the figures."""
    out.mkdir(parents=True, exist_ok=True)
    start, cpu_start, load_start = time.perf_counter(), time.process_time(), os.getloadavg()
    runs, guided, critics, timings = [], [], {}, {}
    for task_name in task_names:
        task, budget = PUBLISHED_TASKS[task_name], config.budgets[task_name]
        t = time.perf_counter()
        observations = task.observations(config.num_test)
        simulation_s = time.perf_counter() - t
        for seed_index in range(config.seeds):
            seed = 1000 * TASK_SEEDS[task_name] + seed_index
            rng = np.random.default_rng([TASK_SEEDS[task_name], seed_index, 7])
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
            for variant in variants(config.rhos):
                workflow, record = train(task, variant, data, budget, seed, config.input_map)
                metrics = evaluate(task, workflow, observations, budget, seed)
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
            dropped = tuple(critics[task_name]["flagged"]) if seed_index == 0 and config.guided else ()
            if dropped:  # criticism-guided NPE: leaves out the summaries the critic flags
                reduced = {k: without_summaries(task, v, dropped) for k, v in data.items()}
                seen = {k: without_summaries(task, v, dropped) for k, v in observations.items()}
                workflow, record = train(task, variants(())[0], reduced, budget, seed, config.input_map)
                metrics = evaluate(task, workflow, seen, budget, seed)
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
    points = report.tradeoff(rows)
    targets = report.check_targets(rows)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    printed = {
        "ward": report.format_ward_table(rows, config.rhos),
        "summary": report.format_summary(rows, config.seeds),
        "tradeoff": report.format_tradeoff(points),
        "critics": report.format_critics(critics),
        "targets": report.format_targets(targets),
    }
    if guided:
        printed["guided"] = report.format_guided(guided, rows)
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
        "runs": runs,
        "printed": printed,
    }
    write_json(result, out / "published.json")
    paths = plot_all(rows, points, critics, out, guided)
    print(f"Wrote published.json and {', '.join(p.name for p in paths)} to {out}")
    return result


def parse(argv: list[str] | None = None) -> tuple[argparse.Namespace, PublishedConfig, Path]:
    """The command line: its arguments, the configuration they select and the output folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 seed, rho 0.5 only, tiny budget (about 2 min), for CI")
    parser.add_argument("--out", type=Path, default=None, help="output directory (default benchmarks/figures[/quick])")
    parser.add_argument("--seeds", type=int, default=None, help="training seeds (default 3, or 1 with --quick)")
    parser.add_argument(
        "--tasks", nargs="+", choices=list(PUBLISHED_TASKS), default=list(PUBLISHED_TASKS), help="tasks to run"
    )
    parser.add_argument(
        "--rhos", type=float, nargs="+", default=None, help="NNPE slab probabilities (default 0.5 0.2 0.1)"
    )
    parser.add_argument("--epochs", type=int, default=None, help="training epochs of every task (default: its budget)")
    parser.add_argument("--depth", type=int, default=None, help="couplings of every CouplingFlow (default: the budget)")
    parser.add_argument("--width", type=int, default=None, help="subnet width of every CouplingFlow (default: budget)")
    parser.add_argument("--input-map", choices=sorted(InputMap.MAPS), default=None, help="map of the z-scores")
    parser.add_argument("--replot", action="store_true", help="only redraw the figures from published.json in --out")
    args = parser.parse_args(argv)
    config = QUICK if args.quick else FULL
    overrides = {
        key: getattr(args, key) for key in ("seeds", "epochs", "depth", "width") if getattr(args, key) is not None
    }
    if any(value < 1 for value in overrides.values()):
        parser.error("--seeds, --epochs, --depth and --width must be at least 1")
    if overrides:
        budgets = {k: replace(v, **overrides) for k, v in config.budgets.items()}
        config = replace(config, seeds=overrides.get("seeds", config.seeds), budgets=budgets)
    if args.rhos is not None:
        if not all(0.0 < rho <= 1.0 for rho in args.rhos):
            parser.error("--rhos must lie in (0, 1]")
        config = replace(config, rhos=tuple(args.rhos))
    if args.input_map is not None:
        config = replace(config, input_map=args.input_map)
    if overrides.keys() - {"seeds"} or args.rhos is not None or args.input_map is not None:
        config = replace(config, mode=f"{config.mode} (custom)")
    out = args.out or (FIGURES / "quick" if args.quick else FIGURES)
    return args, config, out


def main(argv: list[str] | None = None) -> dict:
    args, config, out = parse(argv)
    if args.replot:
        result = json.loads((out / "published.json").read_text())
        paths = plot_all(result["summary"], result["tradeoff"], result["critics"], out, result.get("guided", []))
        print(f"Redrew {', '.join(p.name for p in paths)} in {out} from published.json")
        return result
    logging.getLogger("bayesflow").setLevel(logging.WARNING)
    budgets = "; ".join(
        f"{t}: {b.num_train} simulations, {b.epochs} epochs of {b.batch_size}, CouplingFlow {b.depth}x{b.width}"
        for t, b in config.budgets.items()
        if t in args.tasks
    )
    print(
        f"{config.mode} mode: {config.seeds} seed(s), NPE and NNPE rho in {list(config.rhos)}, {config.num_test} "
        f"observations per level, {config.num_post} posterior draws; {budgets}; backend {keras.backend.backend()}",
        flush=True,
    )
    with compilation_cache():
        return run(config, out, args.tasks)


if __name__ == "__main__":
    main()
