"""Throughput and peak memory of bayesflow_nnpe.NNPE against bayesflow.augmentations.NNPE.

Both run interleaved in one process on the same float32 batches (repeat r times: upstream, ours), so machine
load affects both alike. Reports the median time per call, the ratio upstream/ours (above 1: ours is faster)
and the peak memory a call allocates (tracemalloc, which sees numpy's allocations), next to the output size.
A last table times the options of our noise core against its default path, interleaved the same way: a slab
probability other than 1/2 (one more random word per element) and returning the slab indicators.

    make bench            # or: python benchmarks/speed.py [--repeats N] [--json PATH]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import statistics
import time
import tracemalloc

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np  # noqa: E402
from bayesflow.augmentations import NNPE as UpstreamNNPE  # noqa: E402

import bayesflow_nnpe  # noqa: E402
from bayesflow_nnpe.noise import SpikeSlabNoise  # noqa: E402

SHAPES = [(64, 10), (512, 64), (256, 100, 8), (4096, 256)]
CONFIGS = {
    "automatic scales": {},
    "manual scales": {"spike_scale": 0.01, "slab_scale": 0.25, "per_dimension": False},
}


def peak_bytes(fn, x) -> int:
    fn(x)
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn(x)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def time_interleaved(fns, x, repeats: int) -> list[float]:
    """Median seconds per call of each function, calls interleaved; each sample averages enough calls for 2 ms."""
    for fn in fns:
        fn(x)
    start = time.perf_counter()
    fns[0](x)
    calls = max(1, int(0.002 / max(time.perf_counter() - start, 1e-7)))
    samples = [[] for _ in fns]
    for _ in range(repeats):
        for fn, sample in zip(fns, samples, strict=True):
            start = time.perf_counter()
            for _ in range(calls):
                fn(x)
            sample.append((time.perf_counter() - start) / calls)
    return [statistics.median(s) for s in samples]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=25)
    parser.add_argument("--json", default="benchmarks/results/speed.json")
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


if __name__ == "__main__":
    main()
