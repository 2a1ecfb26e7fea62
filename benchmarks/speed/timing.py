"""Interleaved timing and peak memory of calls: machine load affects every compared function alike."""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable, Sequence

import numpy as np

Call = Callable[[np.ndarray], object]


def peak_bytes(fn: Call, x: np.ndarray) -> int:
    """The peak memory (bytes, tracemalloc: numpy's allocations too) that one call of ``fn(x)`` allocates."""
    fn(x)
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn(x)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def time_interleaved(fns: Sequence[Call], x: np.ndarray, repeats: int) -> list[float]:
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
