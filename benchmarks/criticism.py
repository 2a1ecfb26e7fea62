"""Amortized model criticism: MisspecificationCritic against the exact posterior inclusion probabilities and MCMC.

For each task (``gaussian``: Ward et al.'s, independent summaries; ``sensors``: two blocks of 5 redundant sensors,
dependent summaries) and each prior slab probability rho in {0.5, 0.2}, trains ``MisspecificationCritic`` with its
DEFAULT settings (only ``seed`` and ``slab_probability`` set; 50,000 clean simulations) and measures, against the
exact ``P(z_j = 1 | y)`` of ``nnpe_bench/inclusion.py`` computed with the critic's own ``summary_mean`` and
``summary_std``:

- the mean absolute error on clean observations (target <= 0.02) and on contaminated ones (the error model with the
  same rho; target <= 0.04), the binary cross-entropy against the Bayes floor, and a reliability diagram of the
  predictions (and of the exact values) against the observed slab indicators;
- a 15 and a 20 clean-sd outlier on one summary: the probability for that summary (target: minimum >= 0.98);
- Ward et al.'s example: the Gaussian task observed with variance 2 (they report about 0.5 for the mean and 0.97
  for the variance); for the sensors, one sensor off by 0 to 20 sds, next to the answer from each summary alone;
- cost: training, predicting 10,000 observations (first call and warm), the exact quadrature, and a per-observation
  MCMC baseline (``nnpe_bench/mcmc.py``: Metropolis-within-Gibbs over (x, z) with the EXACT prior of x) at Ward et
  al.'s chain length, checked against the exact values on a few observations.

    KERAS_BACKEND=jax python benchmarks/criticism.py          # full: about 15 min on 2 shared CPU cores
    KERAS_BACKEND=jax python benchmarks/criticism.py --quick  # small budgets, for CI (not a target check)
    python benchmarks/criticism.py --out /tmp/criticism --tasks sensors
    python benchmarks/criticism.py --replot                   # redraw the figures from criticism.json

Outputs (``benchmarks/figures/``, or ``benchmarks/figures/quick/`` with ``--quick``, or ``--out DIR``):
``criticism.json`` (configuration, environment, every figure, the targets), ``criticism_reliability.png``,
``criticism_ward.png`` (Ward-style bar charts with ``plot_criticism``) and ``criticism_sensors_sweep.png``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from nnpe_bench import criticism_eval as ce  # noqa: E402
from nnpe_bench import criticism_tasks as ct  # noqa: E402
from nnpe_bench import (
    mcmc,  # noqa: E402
    report,  # noqa: E402
)

from bayesflow_nnpe import MisspecificationCritic  # noqa: E402

FIGURES = Path(__file__).resolve().parent / "figures"


@dataclass(frozen=True)
class Config:
    mode: str
    rhos: tuple[float, ...]
    num_train: int  # clean simulations per task (both critics of a task share them)
    epochs: int | None  # None: the critic's default
    num_clean: int  # clean test observations
    num_noisy: int  # held-out noisy simulations (contaminated MAE, reliability, cross-entropy)
    num_predict: int  # observations in the timed predict calls
    num_outlier: int  # observations per outlier size
    outlier_sizes: tuple[float, ...]
    num_ward: int  # gaussian observations with variance 2
    num_sweep: int  # sensors observations per offset
    sweep_sizes: tuple[float, ...]
    bar_size: float  # the sweep offset shown in the bar chart
    mcmc_check_per_rho: int  # observations per rho for the MCMC accuracy check
    mcmc_check_warmup: int
    mcmc_check_samples: int
    mcmc_timing_chains: int  # chains side by side in the MCMC timing run
    mcmc_timing_warmup: int
    mcmc_timing_samples: int


SWEEP = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 15.0, 20.0)
FULL = Config(
    "full", (0.5, 0.2), 50_000, None, 10_000, 30_000, 10_000, 2_000, (15.0, 20.0), 1_000, 1_000, SWEEP, 2.0,
    6, mcmc.WARD_WARMUP, mcmc.WARD_SAMPLES, 3_000, 100, 500,
)  # fmt: skip
QUICK = Config(
    "quick", (0.5, 0.2), 10_000, 4, 1_000, 4_000, 2_000, 200, (15.0, 20.0), 200, 100, (0.0, 2.0, 5.0, 10.0, 20.0),
    2.0, 3, 300, 1_000, 100, 100, 500,
)  # fmt: skip


def environment() -> dict:
    """The versions and the machine (``report.environment``), and the load when the run starts."""
    return {**report.environment(), "load_average_at_start": list(os.getloadavg())}


def run(config: Config, out: Path, task_names: list[str]) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    env = environment()
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
    targets = ce.check_targets(results)
    printed = ce.format_report(results, targets, config.mode)
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
        "reference": "exact P(z_j = 1 | y) by quadrature (benchmarks/nnpe_bench/inclusion.py)",
        "environment": env,
        "wall_time_s": wall,
        "targets": targets,
        "all_targets_met": all(t["met"] for t in targets),
        "results": results,
        "printed": printed,
    }
    (out / "criticism.json").write_text(json.dumps(ce.to_json(result), indent=1))
    ce.plot_all(results, f"{config.rhos[0]:g}", config.bar_size, out)
    written = sorted(p.name for p in out.iterdir() if p.name.startswith("criticism"))
    print(f"Wrote {', '.join(written)} to {out}")
    return result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small budgets (about a minute), for CI; no target check")
    parser.add_argument("--out", type=Path, default=None, help="output directory (default benchmarks/figures[/quick])")
    parser.add_argument("--tasks", nargs="+", choices=list(ct.TASKS), default=list(ct.TASKS), help="tasks to run")
    parser.add_argument("--replot", action="store_true", help="only redraw the figures from criticism.json in --out")
    args = parser.parse_args(argv)
    config = QUICK if args.quick else FULL
    out = args.out or (FIGURES / "quick" if args.quick else FIGURES)
    if args.replot:
        result = json.loads((out / "criticism.json").read_text())
        ce.plot_all(result["results"], f"{result['config']['rhos'][0]:g}", result["config"]["bar_size"], out)
        print(f"Redrew the figures in {out}")
        return result
    print(
        f"{config.mode} mode: tasks {', '.join(args.tasks)}, rho {', '.join(f'{r:g}' for r in config.rhos)}, "
        f"{config.num_train} clean simulations, epochs {config.epochs or 'default'}; backend {keras.backend.backend()}",
        flush=True,
    )
    return run(config, out, args.tasks)


if __name__ == "__main__":
    main()
