"""One run of the robustness benchmark: simulate, train every variant, evaluate, report, write the files."""

from __future__ import annotations

import time
from pathlib import Path

from ..common.io import write_json
from ..common.seeds import simulation_rng, training_seed
from . import report
from .config import Config
from .evaluation import evaluate, loss_anatomy, oracle_metrics
from .plots import plot_all
from .tasks import TASKS, make_test_sets
from .training import train
from .variants import ABLATION, BASELINE, RECIPE, VARIANTS, names


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
            seed = training_seed(task_name, seed_index)
            rng = simulation_rng(task_name, seed_index)
            budget = config.budget
            data = {"train": task.simulate(budget.num_train, rng), "val": task.simulate(budget.num_val, rng)}
            for variant in VARIANTS + (ablation_variants if seed_index == 0 else ()):
                workflow, record = train(task, variant, data, budget, seed)
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
    targets = report.check_targets(rows, main_runs, config.graded)
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
    write_json(result, out / "robustness.json")
    report.write_csv(rows + [r for r in ablation_rows if r["variant"] in ablation_names], out / "robustness.csv")
    plot_all(rows, main_runs, examples, tests, out, config.seeds)
    print(f"Wrote {', '.join(sorted(p.name for p in out.iterdir() if p.is_file()))} to {out}")
    return result
