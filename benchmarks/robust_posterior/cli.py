"""The command line of the robust-posterior benchmark: ``python -m benchmarks.robust_posterior [--quick] ...``."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..common.io import output_folder
from .config import FULL, QUICK, Config
from .tasks import TASKS

DESCRIPTION = "RobustPosterior and the joint critic against the exact error-model posterior (quadrature)."


def parse(argv: list[str] | None = None) -> tuple[argparse.Namespace, Config, Path]:
    """The command line: its arguments, the configuration they select and the output folder."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.robust_posterior", description=DESCRIPTION)
    parser.add_argument(
        "--quick", action="store_true", help="a demonstration with small budgets, for CI; the targets are not graded"
    )
    parser.add_argument("--out", type=Path, default=None, help="output directory (default benchmarks/figures[/quick])")
    parser.add_argument("--tasks", nargs="+", choices=list(TASKS), default=None, help="tasks to run")
    args = parser.parse_args(argv)
    return args, QUICK if args.quick else FULL, output_folder(args.out, args.quick)


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark as the command line asks."""
    args, config, out = parse(argv)
    import keras

    from .run import run

    names = args.tasks or list(config.tasks)
    print(
        f"{config.mode} mode: tasks {', '.join(names)}, {config.seeds} seed(s), posterior networks "
        f"{config.budget.num_train} simulations x {config.budget.epochs} epochs; backend {keras.backend.backend()}",
        flush=True,
    )
    return run(config, out, names)
