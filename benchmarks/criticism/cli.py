"""The command line of the criticism benchmark: ``python -m benchmarks.criticism [--quick] ...``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..common.io import output_folder
from .config import FULL, QUICK, Config
from .observations import TASKS

DESCRIPTION = (
    "Amortized model criticism: MisspecificationCritic against the exact posterior inclusion probabilities and MCMC."
)


def parse(argv: list[str] | None = None) -> tuple[argparse.Namespace, Config, Path]:
    """The command line: its arguments, the configuration they select and the output folder."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.criticism", description=DESCRIPTION)
    parser.add_argument(
        "--quick", action="store_true", help="a demonstration with small budgets, for CI; the targets are not graded"
    )
    parser.add_argument("--out", type=Path, default=None, help="output directory (default benchmarks/figures[/quick])")
    parser.add_argument("--tasks", nargs="+", choices=list(TASKS), default=list(TASKS), help="tasks to run")
    parser.add_argument("--replot", action="store_true", help="only redraw the figures from criticism.json in --out")
    args = parser.parse_args(argv)
    return args, QUICK if args.quick else FULL, output_folder(args.out, args.quick)


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark (or redraw its figures) as the command line asks."""
    args, config, out = parse(argv)
    if args.replot:
        from .plots import plot_all

        result = json.loads((out / "criticism.json").read_text())
        plot_all(result["results"], f"{result['config']['rhos'][0]:g}", result["config"]["bar_size"], out)
        print(f"Redrew the figures in {out}")
        return result
    import keras

    from .run import run

    print(
        f"{config.mode} mode: tasks {', '.join(args.tasks)}, rho {', '.join(f'{r:g}' for r in config.rhos)}, "
        f"{config.num_train} clean simulations, epochs {config.epochs or 'default'}; backend {keras.backend.backend()}",
        flush=True,
    )
    return run(config, out, args.tasks)
