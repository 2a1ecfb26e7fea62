"""Robustness of NPE and NNPE posteriors to misspecified observations, with the two traps of NNPE training.

Trains, identically (same simulations, network, epochs, optimizer and seeds), three posterior estimators per task:

- ``NPE``: no noise. The adapter z-scores the summaries with FIXED mean and std of the clean training simulations.
- ``NNPE``: Ward et al.'s (2022) recipe: the same fixed z-scoring, then ``NNPETransform("x", spike_scale=0.01,
  slab_scale=0.25, per_dimension=False)`` appended to the adapter: spike-and-slab noise on training batches only.
- ``NNPE+std=all`` (trap 1): ``BasicWorkflow(standardize="all")`` lets the approximator z-score the conditions
  with running statistics, while ``augmentations={"x": NNPE()}`` (automatic per-dimension scales) noises the raw
  summaries, so the running statistics are learned from Cauchy-contaminated batches. bayesflow_nnpe warns about
  exactly this setup; the warning printed for this variant is expected.

An ``oracle`` row gives the exact posterior that knows the contamination (conjugate Normal): a floor for the RMSE.
In full mode, an ablation also trains the NNPE recipe with slab scales 0.02, 0.05 and 0.1 (seed 0).

Tasks:

- ``gaussian`` (Ward et al., 2022): theta ~ N(0, 5^2); 100 draws x_i ~ N(theta, 1); summaries: sample mean and
  sample variance. Misspecified observations draw x_i ~ N(theta, v) with v in {1, 1.5, 2, 3}; v = 2 is Ward's.
  BayesFlow's CouplingFlow needs two inference variables, so an independent N(0, 1) dummy is appended to theta and
  integrated out of the reported log densities.
- ``sensors``: theta ~ N(0, I_2); each coordinate read by 5 sensors, x = repeat(theta, 5) + 0.3 * noise (10
  summaries). At test time ONE random sensor gets an outlier of s clean-summary standard deviations,
  s in {0, 2, 5, 10, 20}. The other 4 sensors of that coordinate still carry its information.

Per method and contamination level: RMSE and MSE of the posterior mean, coverage of central 90% intervals, mean log
posterior density of the true parameter (``approximator.log_prob``) and mean posterior SD, all in units of the prior
SD of theta (theta / 5 for ``gaussian``, theta for ``sensors``), plus training time. Over seeds: mean, min and max.
Test observations come from fixed numpy Generators and are the same for every method and seed (and, with common
random numbers, at every contamination level). Trap 2 (the loss): per-epoch training loss, keras ``val_loss`` (the
validation batches go through the adapter, so they are noisy for ``NNPE``) and a clean validation loss computed by
a callback on clean held-out simulations; after training, the NLL of clean held-out data with and without noise.

    KERAS_BACKEND=jax python benchmarks/robustness.py          # full: 3 seeds, 14-21 min on 2 busy CPU cores
    KERAS_BACKEND=jax python benchmarks/robustness.py --quick  # 1 seed, small budget, about 1 min
    python benchmarks/robustness.py --seeds 5 --out /tmp/robustness --no-ablation --tasks sensors

Outputs (in ``benchmarks/figures/``, or ``benchmarks/figures/quick/`` with ``--quick``, or ``--out DIR``):
``robustness.json`` (configuration, every run, the summary, targets and trap measurements), ``robustness.csv``
(the summary table), ``robustness_sweep.png`` (RMSE and coverage against contamination), ``posterior_example.png``
(posteriors of the three methods for one misspecified observation per task), ``loss_curves.png`` (trap 2) and
``running_std.png`` (trap 1).

This script is the command line; the benchmark itself is the package ``nnpe_bench`` next to it (tasks, variants,
training, evaluation, report, plots).
"""

from __future__ import annotations

import argparse
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
from nnpe_bench import report  # noqa: E402
from nnpe_bench.config import FULL, QUICK, Config  # noqa: E402
from nnpe_bench.evaluation import evaluate, loss_anatomy, oracle_metrics  # noqa: E402
from nnpe_bench.plots import plot_all, replot  # noqa: E402
from nnpe_bench.tasks import TASK_IDS, TASKS, make_test_sets, simulate  # noqa: E402
from nnpe_bench.training import train  # noqa: E402
from nnpe_bench.variants import ABLATION, ABLATION_SLABS, BASELINE, RECIPE, VARIANTS, names  # noqa: E402

FIGURES = Path(__file__).resolve().parent / "figures"


def run(config: Config, out: Path, task_names: list[str], ablation: bool) -> dict:
    """Train and evaluate every variant on every task and seed; print the tables, write the files and figures."""
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    ablation_variants = ABLATION if ablation else ()
    runs, examples, tests, oracles = [], {}, {}, {}
    for task_name in task_names:
        task = TASKS[task_name]
        tests[task_name] = make_test_sets(task, config.num_test)
        oracles[task_name] = oracle_metrics(task, tests[task_name])
        examples[task_name] = {}
        for seed_index in range(config.seeds):
            seed = 1000 * TASK_IDS[task_name] + seed_index
            rng = np.random.default_rng([TASK_IDS[task_name], seed_index, 7])
            data = {"train": simulate(task, config.num_train, rng), "val": simulate(task, config.num_val, rng)}
            for variant in VARIANTS + (ablation_variants if seed_index == 0 else ()):
                workflow, record = train(task, variant, data, config, seed)
                metrics, draws = evaluate(task, workflow, tests[task_name], config, seed)
                record.update(task=task_name, variant=variant.name, seed=seed, seed_index=seed_index, metrics=metrics)
                if variant.nnpe and variant in VARIANTS:  # the traps are measured on the main variants
                    record["loss_anatomy"] = loss_anatomy(task, variant, workflow, data, seed)
                if seed_index == 0:
                    examples[task_name][variant.name] = draws
                runs.append(record)
                head = metrics[str(task.headline)]
                print(
                    f"[{time.perf_counter() - start:5.0f} s] {task_name} seed {seed_index} {variant.name:<15} trained "
                    f"in {record['train_time_s']:5.1f} s; {task.label(task.headline)}: RMSE {head['rmse']:.3g}, "
                    f"cov90 {head['coverage90']:.2f}",
                    flush=True,
                )
    main_runs = [r for r in runs if r["variant"] in names(VARIANTS)]
    rows = report.summarize(main_runs, oracles, names(VARIANTS))
    ablation_names = names(ablation_variants)
    ablation_rows = report.summarize(runs, oracles, (BASELINE.name, RECIPE.name, *ablation_names)) if ablation else []
    targets = report.check_targets(rows, main_runs)
    traps = report.trap_summary(main_runs)
    wall = time.perf_counter() - start

    printed = report.printed_tables(rows, main_runs, targets, traps, ablation_rows, config.seeds)
    print()
    print("\n\n".join(printed.values()))
    print(f"\nTotal wall time {wall:.0f} s ({config.mode} mode).")

    result = report.result_record(
        config=config,
        task_names=task_names,
        wall_time_s=wall,
        rows=rows,
        ablation_rows=ablation_rows,
        targets=targets,
        traps=traps,
        examples=examples,
        runs=runs,
        printed=printed,
    )
    report.write_json(result, out / "robustness.json")
    report.write_csv(rows + [r for r in ablation_rows if r["variant"] in ablation_names], out / "robustness.csv")
    plot_all(rows, main_runs, examples, tests, out, config.seeds)
    print(f"Wrote {', '.join(sorted(p.name for p in out.iterdir() if p.is_file()))} to {out}")
    return result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small budget and 1 seed (under ~3 min), for CI/demo")
    parser.add_argument("--out", type=Path, default=None, help="output directory (default benchmarks/figures[/quick])")
    parser.add_argument("--seeds", type=int, default=None, help="training seeds (default 3, or 1 with --quick)")
    parser.add_argument("--tasks", nargs="+", choices=list(TASKS), default=list(TASKS), help="tasks to run")
    parser.add_argument(
        "--ablation",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=f"also train NNPE with slab scales {', '.join(map(str, ABLATION_SLABS))} on seed 0 "
        "(default: on in full mode, off with --quick)",
    )
    parser.add_argument("--replot", action="store_true", help="only redraw the figures from robustness.json in --out")
    args = parser.parse_args(argv)
    config = QUICK if args.quick else FULL
    if args.seeds is not None:
        if args.seeds < 1:
            parser.error("--seeds must be at least 1")
        config = replace(config, seeds=args.seeds)
    ablation = (not args.quick) if args.ablation is None else args.ablation
    out = args.out or (FIGURES / "quick" if args.quick else FIGURES)
    if args.replot:
        replot(out)
        return {}
    logging.getLogger("bayesflow").setLevel(logging.WARNING)
    print(
        f"{config.mode} mode: {config.seeds} seed(s), {config.num_train} simulations, {config.epochs} epochs of "
        f"batch {config.batch_size}, CouplingFlow depth {config.depth} width {config.width}, {config.num_test} test "
        f"observations per level, {config.num_post} posterior draws, ablation {'on' if ablation else 'off'}; "
        f"backend {keras.backend.backend()}",
        flush=True,
    )
    return run(config, out, args.tasks, ablation)


if __name__ == "__main__":
    main()
