"""The command line of the speed benchmark: ``python -m benchmarks.speed [--repeats N] [--json PATH]``."""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
from pathlib import Path

import numpy as np
from bayesflow.augmentations import NNPE as UpstreamNNPE

import bayesflow_nnpe
from bayesflow_nnpe.noise import SpikeSlabNoise

from .timing import peak_bytes, time_interleaved

DESCRIPTION = "Throughput and peak memory of bayesflow_nnpe.NNPE against bayesflow.augmentations.NNPE."
RESULTS = Path(__file__).resolve().parents[1] / "results"  # not committed
SHAPES = [(64, 10), (512, 64), (256, 100, 8), (4096, 256)]
CONFIGS = {
    "automatic scales": {},
    "manual scales": {"spike_scale": 0.01, "slab_scale": 0.25, "per_dimension": False},
}


def main() -> None:
    """Time both implementations and the noise core's options; print the tables, write the JSON."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.speed", description=DESCRIPTION)
    parser.add_argument("--repeats", type=int, default=25)
    parser.add_argument("--json", default=str(RESULTS / "speed.json"), help="where the rows go (default %(default)s)")
    args = parser.parse_args()

    import bayesflow

    print(
        f"bayesflow {bayesflow.__version__}, bayesflow-nnpe {bayesflow_nnpe.__version__}, numpy {np.__version__}, "
        f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores"
    )
    rows = []
    for config_name, kwargs in CONFIGS.items():
        print(f"\n{config_name}: NNPE({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})")
        print(
            f"{'shape':>14} {'upstream':>11} {'ours':>10} {'speed-up':>9} {'upstream peak':>14} {'our peak':>9} "
            f"{'output':>8}"
        )
        for shape in SHAPES:
            x = np.random.default_rng(0).normal(size=shape).astype(np.float32)
            upstream, ours = UpstreamNNPE(seed=1, **kwargs), bayesflow_nnpe.NNPE(seed=1, **kwargs)
            t_up, t_ours = time_interleaved([upstream, ours], x, args.repeats)
            mem_up, mem_ours = peak_bytes(upstream, x), peak_bytes(ours, x)
            row = {
                "config": config_name,
                "shape": list(shape),
                "upstream_s": t_up,
                "ours_s": t_ours,
                "speedup": t_up / t_ours,
                "upstream_ns_per_element": t_up / x.size * 1e9,
                "ours_ns_per_element": t_ours / x.size * 1e9,
                "upstream_peak_bytes": mem_up,
                "ours_peak_bytes": mem_ours,
                "output_bytes": x.nbytes,
            }
            rows.append(row)
            print(
                f"{str(shape):>14} {t_up * 1e6:9.1f}us {t_ours * 1e6:8.1f}us {row['speedup']:8.1f}x "
                f"{mem_up / 2**20:12.2f}MiB {mem_ours / 2**20:7.2f}MiB {x.nbytes / 2**20:6.2f}MiB"
            )
    print("\nnoise core options, relative to the default path (rho = 1/2, no indicators); above 1: slower")
    print(f"{'shape':>14} {'default':>10} {'rho=0.2':>9} {'indicators':>11}")
    for shape in SHAPES:
        x = np.random.default_rng(0).normal(size=shape).astype(np.float32)
        default, rho, indicators = (
            SpikeSlabNoise(0.01, 0.25, per_dimension=False, seed=1, slab_probability=p) for p in (0.5, 0.2, 0.5)
        )
        calls = [default, rho, functools.partial(indicators, indicators=True)]
        times = time_interleaved(calls, x, args.repeats)
        row = {"config": "noise core options", "shape": list(shape), "default_s": times[0]}
        row |= {"rho_0.2_over_default": times[1] / times[0], "indicators_over_default": times[2] / times[0]}
        rows.append(row)
        print(
            f"{str(shape):>14} {times[0] * 1e6:8.1f}us {row['rho_0.2_over_default']:8.2f}x "
            f"{row['indicators_over_default']:10.2f}x"
        )
    if args.json:
        os.makedirs(os.path.dirname(args.json) or ".", exist_ok=True)
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=2)
        print(f"\nwrote {args.json}")
