"""The fixed z-scoring of summaries with statistics of clean simulations: one place for the benchmarks.

``zscore_statistics`` is the package's (``bayesflow_nnpe.zscore_statistics``: constant summaries get std 1), the
statistics its recipes and its critic use.
"""

from __future__ import annotations

import numpy as np

import bayesflow_nnpe


def zscore_statistics(clean: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std per summary (the last axis) of clean simulated summaries ``(n, d)``."""
    mean, std = bayesflow_nnpe.zscore_statistics(clean)
    return mean, std


def zscore(x: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """``(x - mean) / std``: summaries on the z scale of the given statistics."""
    return (x - np.asarray(mean)) / np.asarray(std)
