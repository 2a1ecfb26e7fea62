"""Ward et al.'s recipe in an adapter: fixed z-scoring with statistics of clean simulations, then NNPE noise.

For the augmentation variant the same recipe is :meth:`bayesflow_nnpe.NNPE.from_simulations`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy.typing as npt

from .moments import zscore_statistics
from .settings import DEFAULT_SLAB, DEFAULT_SPIKE, with_settings_signature
from .transform import NNPETransform

__all__ = ["standardize_then_nnpe"]


@with_settings_signature
def standardize_then_nnpe(
    adapter: Any,
    keys: str | Sequence[str],
    clean: Mapping[str, npt.ArrayLike],
    *,
    spike_scale: npt.ArrayLike = DEFAULT_SPIKE,
    slab_scale: npt.ArrayLike = DEFAULT_SLAB,
    per_dimension: bool = False,
    **settings: Any,
) -> Any:
    """Append Ward et al.'s recipe to ``adapter``: fixed z-scoring of ``keys`` with clean statistics, then NNPE.

    Parameters
    ----------
    adapter : bayesflow.Adapter
        The adapter to extend (returned, as BayesFlow's adapter methods do).
    keys : str or sequence of str
        The entries to standardize and perturb.
    clean : Mapping[str, array_like]
        Clean simulations, e.g. ``simulator.sample(10_000)``; mean and std are taken per dimension of the last
        axis, over all other axes, by :func:`bayesflow_nnpe.zscore_statistics` (a constant dimension is only
        shifted).
    spike_scale, slab_scale : float or array_like
        Noise scales on the standardized scale (defaults of Ward et al., 2022).
    per_dimension : bool, default=False
        As in :class:`bayesflow_nnpe.NNPE`; Ward et al. use global noise on the z-scores.
    **settings
        The other noise settings (``seed``, ``slab_probability``), as in :class:`bayesflow_nnpe.NNPE`.

    Returns
    -------
    bayesflow.Adapter
        ``adapter``, with a ``Standardize`` transform per key and an :class:`~bayesflow_nnpe.NNPETransform`
        appended.

    Raises
    ------
    TypeError
        If ``clean`` is not a mapping of simulations.
    KeyError
        If a key is not in ``clean``.

    Notes
    -----
    With the adapter variant, ``BasicWorkflow.fit_*`` validation batches are noisy too (they go through the same
    adapter). For a clean validation loss inside ``BasicWorkflow``, use the augmentation recipe,
    :meth:`bayesflow_nnpe.NNPE.from_simulations`.

    Examples
    --------
    >>> import bayesflow as bf
    >>> import numpy as np
    >>> from bayesflow_nnpe import standardize_then_nnpe
    >>> clean = {"x": np.random.default_rng(0).normal(5.0, 2.0, size=(1000, 3))}
    >>> adapter = standardize_then_nnpe(bf.Adapter(), "x", clean, seed=1)
    >>> z = adapter({"x": clean["x"]}, strict=False)["x"]  # inference: standardized, no noise
    >>> bool(abs(z.mean()) < 1e-6 and abs(z.std() - 1) < 1e-6)
    True
    """
    transform = NNPETransform(
        keys, spike_scale=spike_scale, slab_scale=slab_scale, per_dimension=per_dimension, **settings
    )
    if not isinstance(clean, Mapping):
        shape = getattr(clean, "shape", None)
        raise TypeError(
            "standardize_then_nnpe: clean must map keys to clean simulations, e.g. simulator.sample(10_000), got "
            f"{type(clean).__name__}" + (f" of shape {shape}" if shape is not None else "") + ". For one array, "
            f"pass {{{transform.keys[0]!r}: array}}."
        )
    for key in transform.keys:
        if key not in clean:
            raise KeyError(f"standardize_then_nnpe: key {key!r} is not in the clean simulations (keys: {list(clean)}).")
        mean, std = zscore_statistics(clean[key], caller=f"standardize_then_nnpe[{key!r}]")
        adapter = adapter.standardize(key, mean=mean.tolist(), std=std.tolist())
    return adapter.append(transform)
