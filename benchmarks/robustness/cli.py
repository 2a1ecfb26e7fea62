"""The command line of the robustness benchmark: ``python -m benchmarks.robustness [--quick] ...``."""

from __future__ import annotations

import argparse
import logging
from dataclasses import replace
from pathlib import Path

from ..common.io import output_folder
from .config import FULL, QUICK, QUICK_TIME, Config
from .tasks import TASKS
from .variants import ABLATION_SLABS

DESCRIPTION = "Robustness of NPE and NNPE posteriors to misspecified observations, with the two traps of NNPE training."


def parse(argv: list[str] | None = None) -> tuple[argparse.Namespace, Config, Path, bool]:
    """The command line: its arguments, the configuration they select, the output folder and the ablation switch."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.robustness", description=DESCRIPTION)
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"a demonstration: small budget and 1 seed ({QUICK_TIME}); the targets are graded by full runs only",
    )
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
    return args, config, output_folder(args.out, args.quick), ablation


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark (or redraw its figures) as the command line asks."""
    args, config, out, ablation = parse(argv)
    if args.replot:
        from .plots import replot

        replot(out)
        return {}
    import keras

    from .run import run

    logging.getLogger("bayesflow").setLevel(logging.WARNING)
    budget = config.budget
    print(
        f"{config.mode} mode: {config.seeds} seed(s), {budget.num_train} simulations, {budget.epochs} epochs of "
        f"batch {budget.batch_size}, CouplingFlow depth {budget.depth} width {budget.width}, {config.num_test} test "
        f"observations per level, {config.num_post} posterior draws, ablation {'on' if ablation else 'off'}; "
        f"backend {keras.backend.backend()}",
        flush=True,
    )
    if not config.graded:
        print(
            f"A demonstration ({QUICK_TIME}): the results of a small budget and one seed, printed and plotted; the "
            "targets are graded only by the full run (make robustness, 14-21 min).",
            flush=True,
        )
    return run(config, out, args.tasks, ablation)
