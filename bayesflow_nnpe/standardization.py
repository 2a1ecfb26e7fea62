"""NNPE and standardization: the pitfall, a guard against it, and the recipe that avoids it.

The pitfall: BayesFlow approximators can standardize conditions with running moments over all training batches
(``standardize="all"``, or a list with ``"inference_conditions"`` or ``"summary_variables"``). Cauchy noise has no
variance, so those running standard deviations grow without bound during training, and clean data at inference
are compressed towards zero by that factor. The guard warns once when NNPE noise is drawn for such an approximator.

The recipe (Ward et al., 2022): z-score the data with a FIXED mean and std of clean simulations, then add noise at
the scales meant for standardized data; :func:`standardize_then_nnpe` appends both to an adapter.
"""

from __future__ import annotations

import sys
import warnings
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from .noise import DEFAULT_SLAB, DEFAULT_SPIKE

__all__ = ["running_standardization", "standardize_then_nnpe", "warn_if_running_standardization"]

AT_RISK = ("inference_conditions", "summary_variables")
"""Approximator inputs that NNPE noise on observed data reaches."""

_warned: weakref.WeakSet = weakref.WeakSet()  # approximators warned about (ids could be reused after collection)


def running_standardization(approximator: Any) -> list[str]:
    """The inputs at risk (see :data:`AT_RISK`) that ``approximator`` standardizes with running moments."""
    standardizer = getattr(approximator, "standardizer", None)
    keys = getattr(standardizer, "standardize", None)
    if keys is None:
        return []
    if keys == "all":
        return list(AT_RISK)
    return [key for key in ([keys] if isinstance(keys, str) else keys) if key in AT_RISK]


def _approximator_on_stack() -> Any:
    """The BayesFlow approximator (estimator) whose ``fit`` is on the call stack, if any."""
    frame = sys._getframe(1)
    while frame is not None:
        candidate = frame.f_locals.get("self")
        # only BayesFlow's own objects are asked (getattr on arbitrary objects may run arbitrary code); on the torch
        # backend layers live in torch's _modules, not in __dict__, hence getattr
        if type(candidate).__module__.startswith("bayesflow.") and hasattr(candidate, "standardizer"):
            return candidate
        frame = frame.f_back
    return None


def warn_if_running_standardization() -> None:
    """Warn once per approximator if NNPE noise is being drawn for one that standardizes conditions on the fly.

    Called by the noise core on its first draw. Approximators build from their first training batch inside ``fit``
    in the main thread, so that first draw finds the approximator on the call stack.
    """
    approximator = _approximator_on_stack()
    if approximator is None or approximator in _warned:
        return
    at_risk = running_standardization(approximator)
    if not at_risk:
        return
    _warned.add(approximator)
    warnings.warn(
        f"NNPE noise is being added to training data of an approximator that standardizes {at_risk} with running "
        "moments over all training batches. Cauchy noise has no variance: those running stds grow without bound "
        "and clean data at inference are squeezed towards zero. Leave the conditions out of the approximator's "
        "`standardize` and z-score them with fixed statistics of clean simulations before the noise, e.g. "
        "bayesflow_nnpe.standardize_then_nnpe(adapter, keys, clean_simulations).",
        UserWarning,
        stacklevel=4,
    )


def standardize_then_nnpe(
    adapter: Any,
    keys: str | Sequence[str],
    clean: Mapping[str, npt.ArrayLike],
    *,
    spike_scale: npt.ArrayLike = DEFAULT_SPIKE,
    slab_scale: npt.ArrayLike = DEFAULT_SLAB,
    per_dimension: bool = False,
    seed: int | None = None,
) -> Any:
    """Append Ward et al.'s recipe to ``adapter``: fixed z-scoring of ``keys`` with clean statistics, then NNPE.

    Parameters
    ----------
    adapter : bayesflow.Adapter
        The adapter to extend (returned, as BayesFlow's adapter methods do).
    keys : str or sequence of str
        The entries to standardize and perturb.
    clean : Mapping[str, array_like]
        Clean simulations, e.g. ``simulator.sample(10_000)``; mean and std are taken over all axes but the last.
    spike_scale, slab_scale : float or array_like
        Noise scales on the standardized scale (defaults of Ward et al., 2022).
    per_dimension : bool, default=False
        As in :class:`bayesflow_nnpe.NNPE`; Ward et al. use global noise.
    seed : int or None
        Seed of the noise stream.

    Returns
    -------
    bayesflow.Adapter
        ``adapter``, with a ``Standardize`` transform per key and an ``NNPETransform`` appended.

    Examples
    --------
    >>> clean = simulator.sample(10_000)  # doctest: +SKIP
    >>> adapter = standardize_then_nnpe(bf.Adapter().convert_dtype("float64", "float32"), "x", clean)  # doctest: +SKIP
    """
    keys = [keys] if isinstance(keys, str) else list(keys)
    for key in keys:
        x = np.asarray(clean[key], dtype=np.float64)
        x = x.reshape(-1, x.shape[-1]) if x.ndim else x.reshape(1, 1)
        mean, std = x.mean(axis=0), x.std(axis=0)
        std = np.where(std > 0, std, 1.0)  # constant dimensions are only shifted
        adapter = adapter.standardize(key, mean=mean.tolist(), std=std.tolist())
    return adapter.nnpe(keys, spike_scale=spike_scale, slab_scale=slab_scale, per_dimension=per_dimension, seed=seed)
