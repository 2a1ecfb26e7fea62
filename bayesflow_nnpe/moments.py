"""Means and standard deviations of data, and the z-scoring statistics of clean simulations. Numpy only."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from .kernel import BLOCK, output_dtype
from .validation import as_numeric_array, check_finite, check_flag

__all__ = ["ZScore", "column_moments", "column_std", "clean_moments", "zscore_statistics"]


def column_moments(x2d: np.ndarray, per_dimension: bool) -> tuple[np.ndarray, np.ndarray]:
    """Mean and population std (ddof=0) per column of ``x2d``, or over all its entries, without a float64 copy.

    Blocks are reduced with float64 accumulators and merged with Chan et al.'s pairwise update.
    """
    rows, d = x2d.shape
    step = max(1, BLOCK // max(d, 1))
    count, mean, m2 = 0, np.zeros(d), np.zeros(d)
    for start in range(0, rows, step):
        block = x2d[start : start + step]
        k = block.shape[0]
        block_mean = np.add.reduce(block, axis=0, dtype=np.float64) / k
        dev = block - block_mean.astype(output_dtype(x2d.dtype))
        block_m2 = np.einsum("ij,ij->j", dev, dev, dtype=np.float64)
        delta = block_mean - mean
        total = count + k
        mean += delta * (k / total)
        m2 += block_m2 + delta**2 * (count * k / total)
        count = total
    if per_dimension:
        return mean, np.sqrt(m2 / rows)
    grand = mean.mean()
    return np.asarray(grand), np.sqrt((m2.sum() + rows * np.sum((mean - grand) ** 2)) / (rows * d))


def column_std(x2d: np.ndarray, per_dimension: bool) -> np.ndarray:
    """Population std per column of ``x2d`` (``per_dimension``), or of all its entries."""
    return column_moments(x2d, per_dimension)[1]


def clean_moments(
    clean: npt.ArrayLike, *, per_dimension: bool = True, caller: str = "NNPE.from_simulations"
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std (ddof=0) of clean simulations: per dimension of the last axis over all other axes, or over all
    entries. A constant dimension has std 0 here; :func:`zscore_statistics` guards it.

    Raises
    ------
    TypeError
        If ``clean`` is a dict (pass the array of one key) or not real numeric.
    ValueError
        If ``clean`` is 0-d, holds fewer than two simulations, or holds NaN or inf.
    """
    x = as_numeric_array(clean, caller, "it needs the clean simulations of one key: pass an array, e.g. clean['x'].")
    if x.ndim == 0:
        raise ValueError(f"{caller}: clean simulations must have at least one axis, got a 0-d array.")
    x2d = np.ascontiguousarray(x).reshape(-1, x.shape[-1])
    if x2d.shape[0] < 2 or x2d.shape[1] == 0:
        raise ValueError(
            f"{caller}: clean simulations of shape {x.shape} hold {x2d.shape[0]} sample(s) of {x2d.shape[1]} "
            "dimension(s); a standard deviation needs at least 2 samples of at least 1 dimension."
        )
    check_finite(x2d, caller, "the clean simulations")
    return column_moments(x2d, per_dimension)


class ZScore(NamedTuple):
    """The z-scoring statistics of clean simulations: ``(data - mean) / std``."""

    mean: np.ndarray
    """Mean per dimension of the last axis (or over all entries)."""
    std: np.ndarray
    """Standard deviation (ddof=0), with 1 where the clean simulations are constant (a shift, never a division by 0)."""


def zscore_statistics(clean: npt.ArrayLike, *, per_dimension: bool = True, caller: str = "zscore_statistics") -> ZScore:
    """The statistics with which Ward et al. (2022) z-score summaries: mean and std of clean simulations.

    A dimension that is constant in ``clean`` (std exactly 0: e.g. a summary that is almost always zero, with too
    few simulations to see anything else) gets std 1, so that z-scoring shifts it instead of dividing by zero
    (which turns every loss into NaN). The recipes (:meth:`bayesflow_nnpe.NNPE.from_simulations`,
    :func:`bayesflow_nnpe.standardize_then_nnpe`) and :class:`bayesflow_nnpe.MisspecificationCritic` all use it.

    Parameters
    ----------
    clean : array_like
        Clean simulations of one key, shape ``(n, ..., d)``, e.g. ``simulator.sample(10_000)["x"]``.
    per_dimension : bool, default=True
        One mean and std per dimension of the last axis, over all other axes (Ward et al.'s per-summary z-score);
        or, if False, one over all entries.

    Returns
    -------
    ZScore
        The named tuple ``(mean, std)`` of float64 arrays of shape ``(d,)`` (or ``()`` with
        ``per_dimension=False``).

    Raises
    ------
    TypeError
        If ``clean`` is a dict (pass the array of one key) or not real numeric.
    ValueError
        If ``clean`` is 0-d, holds fewer than two simulations, or holds NaN or inf.

    Examples
    --------
    >>> import numpy as np
    >>> from bayesflow_nnpe import zscore_statistics
    >>> clean = np.stack([np.linspace(0.0, 4.0, 5), np.zeros(5)], axis=-1)  # the second summary is constant
    >>> mean, std = zscore_statistics(clean)
    >>> mean, std
    (array([2., 0.]), array([1.41421356, 1.        ]))
    >>> (clean - mean) / std  # the constant summary is shifted, not divided by zero
    array([[-1.41421356,  0.        ],
           [-0.70710678,  0.        ],
           [ 0.        ,  0.        ],
           [ 0.70710678,  0.        ],
           [ 1.41421356,  0.        ]])
    """
    mean, std = clean_moments(clean, per_dimension=check_flag("per_dimension", per_dimension), caller=caller)
    return ZScore(mean, np.where(std > 0, std, 1.0))
