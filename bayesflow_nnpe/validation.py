"""Checks of user input that raise errors saying what was wrong and what to do. Numpy only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "as_numeric_array",
    "check_finite",
    "check_flag",
    "check_scale",
    "check_seed",
    "check_slab_probability",
]


def check_seed(seed: Any) -> int | None:
    """Return ``seed`` as an int (or None), or raise an error that says what a seed must be."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be a non-negative int or None, got {seed!r} of type {type(seed).__name__}.")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative int or None, got {seed}.")
    return int(seed)


def check_flag(name: str, value: Any) -> bool:
    """Return ``value`` as a bool, or raise a TypeError if it is not True or False."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}.")
    return bool(value)


def check_slab_probability(value: Any, name: str = "slab_probability") -> float:
    """Return the slab probability ``rho`` as a float in [0, 1], or raise an error that says what it must be."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number in [0, 1], got {value!r} of type {type(value).__name__}.")
    if not 0.0 <= value <= 1.0:  # also rejects NaN
        raise ValueError(f"{name} must lie in [0, 1], got {value!r}.")
    return float(value)


def check_scale(name: str, value: npt.ArrayLike | None, per_dimension: bool) -> np.ndarray | None:
    """Validate a user-supplied noise scale and return it as a read-only float64 array of ndim 0 or 1.

    Raises
    ------
    TypeError
        If the scale is not numeric.
    ValueError
        If the scale is negative, not finite, of more than one dimension, or an array while ``per_dimension``
        is False.
    """
    if value is None:
        return None
    try:
        if isinstance(value, (str, bytes)):
            raise TypeError("a string is not a scale")
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{name} must be a non-negative float or a 1D array of them, got {value!r}.") from e
    if arr.ndim > 1 or (arr.ndim == 1 and not per_dimension):
        expected = "a scalar or a 1D array of length data.shape[-1]" if per_dimension else "a scalar"
        raise ValueError(
            f"{name} has shape {arr.shape}, expected {expected} (per_dimension={per_dimension}). "
            + ("Pass per_dimension=True for per-dimension scales." if not per_dimension else "")
        )
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} must be finite and non-negative, got {value!r}.")
    arr.setflags(write=False)
    return arr


def as_numeric_array(data: Any, caller: str, mapping_hint: str) -> np.ndarray:
    """Return ``data`` as a numpy array of real numbers, or raise a TypeError that says what to do.

    ``mapping_hint`` completes the message for a dict passed where one array belongs.
    """
    if isinstance(data, Mapping):
        raise TypeError(f"{caller} received a {type(data).__name__} (keys: {list(data)[:5]}), but {mapping_hint}")
    arr = np.asarray(data)
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{caller} expects real numeric data (float, int or bool), got an array of dtype {arr.dtype}. "
            "Convert it to floats first, e.g. with .to_array().convert_dtype(...) on the adapter."
        )
    return arr


def check_finite(x: np.ndarray, caller: str, what: str = "the batch") -> None:
    """Raise a ValueError naming how many and which entries of ``x`` are NaN or infinite."""
    with np.errstate(over="ignore"):
        if x.dtype.kind != "f" or np.isfinite(np.sum(x)):  # a finite sum proves all entries finite
            return
    bad = ~np.isfinite(x)
    count = int(bad.sum())
    if count == 0:  # the sum overflowed, the entries are finite
        return
    where = [str(tuple(int(i) for i in idx)) for idx in np.argwhere(bad)[:5]]
    others = f"; then at {', '.join(where[1:])}{', ...' if count > 5 else ''}" if count > 1 else ""
    raise ValueError(
        f"{caller}: {what} contains {count} NaN or infinite value(s) of {x.size} (first at index {where[0]} of "
        f"{what}, shape {x.shape}{others}). NNPE needs finite data: drop or impute them first, e.g. with "
        ".nan_to_num(...) on the adapter."
    )
