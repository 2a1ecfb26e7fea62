"""The command line of the published benchmark: ``python -m benchmarks.published [--quick] ...``."""

from __future__ import annotations

import argparse
import json
import logging
from dataclasses import replace
from pathlib import Path

from ..common.io import output_folder
from .config import FULL, QUICK, PublishedConfig
from .tasks import PUBLISHED_TASKS
from .transforms import InputMap

DESCRIPTION = (
    "The published tasks: NPE, NNPE and the robust posterior on Ward et al.'s (2022) tasks and ours, next to their "
    "numbers."
)


def parse(argv: list[str] | None = None) -> tuple[argparse.Namespace, PublishedConfig, Path]:
    """The command line: its arguments, the configuration they select and the output folder."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.published", description=DESCRIPTION)
    parser.add_argument(
        "--quick", action="store_true", help="a demonstration: 1 seed, rho 0.5 only, tiny budget, for CI; not graded"
    )
    parser.add_argument("--out", type=Path, default=None, help="output directory (default benchmarks/figures[/quick])")
    parser.add_argument("--seeds", type=int, default=None, help="training seeds (default 3, or 1 with --quick)")
    parser.add_argument(
        "--tasks", nargs="+", choices=list(PUBLISHED_TASKS), default=list(PUBLISHED_TASKS), help="tasks to run"
    )
    parser.add_argument("--rhos", type=float, nargs="+", default=None, help="NNPE slab probabilities (default 0.5 0.1)")
    parser.add_argument("--epochs", type=int, default=None, help="training epochs of every task (default: its budget)")
    parser.add_argument("--depth", type=int, default=None, help="couplings of every CouplingFlow (default: the budget)")
    parser.add_argument("--width", type=int, default=None, help="subnet width of every CouplingFlow (default: budget)")
    parser.add_argument("--input-map", choices=sorted(InputMap.MAPS), default=None, help="map of the z-scores")
    parser.add_argument("--replot", action="store_true", help="only redraw the figures from published.json in --out")
    args = parser.parse_args(argv)
    config = QUICK if args.quick else FULL
    budget_overrides = {
        key: getattr(args, key) for key in ("epochs", "depth", "width") if getattr(args, key) is not None
    }
    if any(value < 1 for value in (*budget_overrides.values(), *([args.seeds] if args.seeds is not None else []))):
        parser.error("--seeds, --epochs, --depth and --width must be at least 1")
    if args.seeds is not None:
        config = replace(config, seeds=args.seeds)
    if budget_overrides:
        config = replace(config, budgets={k: replace(v, **budget_overrides) for k, v in config.budgets.items()})
    if args.rhos is not None:
        if not all(0.0 < rho <= 1.0 for rho in args.rhos):
            parser.error("--rhos must lie in (0, 1]")
        config = replace(config, rhos=tuple(args.rhos))
    if args.input_map is not None:
        config = replace(config, input_map=args.input_map)
    if budget_overrides or args.rhos is not None or args.input_map is not None:
        config = replace(config, mode=f"{config.mode} (custom)")
    return args, config, output_folder(args.out, args.quick)


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark (or redraw its figures) as the command line asks."""
    args, config, out = parse(argv)
    if args.replot:
        from .plots import plot_all

        result = json.loads((out / "published.json").read_text())
        robust_points = result.get("robust", {}).get("tradeoff", [])
        paths = plot_all(
            result["summary"], result["tradeoff"], result["critics"], out, result.get("guided", []), robust_points
        )
        print(f"Redrew {', '.join(p.name for p in paths)} in {out} from published.json")
        return result
    import keras

    from ..common.training import compilation_cache
    from .run import run

    logging.getLogger("bayesflow").setLevel(logging.WARNING)
    budgets = "; ".join(
        f"{t}: {b.num_train} simulations, {b.epochs} epochs of {b.batch_size}, CouplingFlow {b.depth}x{b.width}"
        for t, b in config.budgets.items()
        if t in args.tasks
    )
    print(
        f"{config.mode} mode: {config.seeds} seed(s), NPE, NNPE rho in {list(config.rhos)}"
        f"{', RobustPosterior' if config.robust else ''}, {config.num_test} "
        f"observations per level, {config.num_post} posterior draws; {budgets}; backend {keras.backend.backend()}",
        flush=True,
    )
    with compilation_cache():
        return run(config, out, args.tasks)
