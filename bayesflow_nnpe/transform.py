"""``NNPETransform``: NNPE inside adapter chains, noising training batches and never inference inputs.

BayesFlow's adapters are stateless, so the transform reads the call itself (bayesflow 2.0.x and 2.1.x):

=====================================================  ==============================================  =========
caller                                                 adapter call                                    noise
=====================================================  ==============================================  =========
``OnlineDataset``/``OfflineDataset``/``DiskDataset``,  ``adapter(batch)``                              yes
``BasicWorkflow.fit_*``, ``simulate_adapted``
``sample`` / ``estimate`` conditions                   ``adapter(data, strict=False)``                 no
``log_prob``                                           ``adapter(data, strict=False, stage="inference",  no
                                                       log_det_jac=True)``
samples back to parameter space                        ``adapter(data, inverse=True, strict=False)``   no
=====================================================  ==============================================  =========

Noise is added exactly on strict forward calls whose ``stage`` is unset or ``"training"``. Every inference path of
BayesFlow calls the adapter with ``strict=False``, inversely, or with ``stage="inference"``; there the transform
returns its input dict untouched, so inference is bit-identical with and without ``.nnpe(...)`` in the adapter.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from bayesflow.adapters import Adapter
from bayesflow.adapters.transforms import Transform
from bayesflow.utils.serialization import serializable

from . import compat
from .settings import NoiseSettings, with_settings_signature
from .source import NoiseSource
from .standardization import StandardizationGuard

__all__ = ["NNPETransform", "nnpe", "register_adapter_method", "without_nnpe"]

NOISY_STAGES = (None, "training")
"""Values of the ``stage`` keyword on which a strict forward call adds noise."""


@serializable("bayesflow_nnpe")
class NNPETransform(NoiseSource, Transform):
    """Adds NNPE spike-and-slab noise to the given keys of training batches, and never at inference.

    Same noise, scales, dtypes and errors as :class:`bayesflow_nnpe.NNPE` (both use :mod:`bayesflow_nnpe.noise`).
    Noise is added on strict forward calls with ``stage`` unset or ``"training"`` (how datasets call the
    adapter); calls with ``strict=False`` (``sample``, ``estimate``, ``log_prob``), ``stage="inference"`` or
    ``"validation"``, and the inverse direction return the data unchanged. Usually appended with
    ``bf.Adapter().nnpe(keys, ...)``.

    Parameters
    ----------
    keys : str or sequence of str
        The entries of the data dict to perturb.
    **settings
        Keyword only: the noise settings ``spike_scale``, ``slab_scale``, ``per_dimension``, ``seed`` and
        ``slab_probability``, as in :class:`bayesflow_nnpe.NNPE` (None scales scale the defaults by the std of each
        batch). The stream restarts from ``seed`` when a saved adapter is loaded.

    Attributes
    ----------
    keys : list of str
        The entries perturbed.
    spike_scale, slab_scale, per_dimension, seed, slab_probability, rng
        The settings in use, as on :class:`bayesflow_nnpe.NNPE`: assigning one changes the noise drawn next.

    Examples
    --------
    >>> import bayesflow as bf
    >>> import numpy as np
    >>> import bayesflow_nnpe  # registers Adapter.nnpe
    >>> adapter = bf.Adapter().nnpe("x", spike_scale=0.1, slab_scale=0.1, seed=1).rename("x", "inference_conditions")
    >>> batch = {"x": np.zeros((4, 2), dtype=np.float32)}
    >>> bool(np.all(adapter(batch)["inference_conditions"] != 0))  # a training batch: noisy
    True
    >>> bool(np.all(adapter(batch, strict=False)["inference_conditions"] == 0))  # inference: untouched
    True
    """

    @with_settings_signature
    def __init__(self, keys: str | Sequence[str], **settings: Any):
        Transform.__init__(self)
        self.keys = _keys(keys)
        NoiseSource.__init__(self, NoiseSettings.of(type(self).__name__, settings))
        self._guard = StandardizationGuard(self.__repr__)

    def forward(
        self, data: dict[str, Any], *, strict: bool = True, stage: str | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        if not strict or stage not in NOISY_STAGES:
            return data
        missing = [key for key in self.keys if key not in data]
        if missing:
            raise KeyError(f"NNPETransform: keys {missing} are not in the data (keys: {list(data)}).")
        self._guard()
        data = dict(data)
        for key in self.keys:
            if compat.is_traced(data[key]):
                raise RuntimeError(
                    "NNPETransform draws its noise with numpy and cannot run inside a compiled adapter: compiling "
                    "would freeze one noise draw into the graph. Use Adapter(jit_compile=False), or add the noise "
                    f"before the adapter with augmentations={{{key!r}: bayesflow_nnpe.NNPE(...)}}."
                )
            data[key] = self.noisy(data[key], caller=f"{type(self).__name__}[{key!r}]")
        return data

    def inverse(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return data

    def get_config(self) -> dict:
        return {"keys": list(self.keys), **self.settings.to_config()}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None) -> NNPETransform:
        config = dict(config)
        return cls(config.pop("keys"), **config)

    def extra_repr(self) -> str:
        config = self.get_config()
        keys = config.pop("keys")
        return ", ".join([repr(keys)] + [f"{k}={v!r}" for k, v in config.items() if v is not None])


@with_settings_signature
def nnpe(self: Adapter, keys: str | Sequence[str], **settings: Any) -> Adapter:
    """Append an :class:`~bayesflow_nnpe.NNPETransform`: NNPE noise on ``keys`` of training batches only.

    Parameters
    ----------
    keys : str or sequence of str
        The entries to perturb.
    **settings
        Keyword only: the noise settings ``spike_scale``, ``slab_scale``, ``per_dimension``, ``seed`` and
        ``slab_probability``, as in :class:`bayesflow_nnpe.NNPE`. Scales left at None scale the defaults of Ward et
        al. (2022) by the std of each batch.

    Returns
    -------
    Adapter
        The adapter itself, to chain further transforms.

    Examples
    --------
    >>> import bayesflow as bf
    >>> import bayesflow_nnpe  # adds Adapter.nnpe
    >>> adapter = bf.Adapter().standardize("x", mean=0.0, std=2.0).nnpe("x", per_dimension=False, seed=1)
    >>> adapter[-1]
    NNPETransform(['x'], per_dimension=False, seed=1, slab_probability=0.5)
    """
    transform = NNPETransform(keys, **settings)
    if compat.adapter_option("jit_compile") and self.jit_compile:
        warnings.warn(
            "Adapter(jit_compile=True) with .nnpe(): inference calls of this adapter stay compiled, but training "
            "batches run eagerly (NNPE noise cannot be compiled; bayesflow warns once when it falls back). "
            "Use jit_compile=False to silence this.",
            UserWarning,
            stacklevel=2,
        )
    return self.append(transform)


def without_nnpe(adapter: Adapter) -> Adapter:
    """A copy of ``adapter`` without its NNPE transforms, e.g. for a clean validation dataset.

    Built with the Adapter's public API (a slice, then deletions), so the copy keeps the adapter's settings
    (bayesflow 2.1: ``device``, ``differentiable``, ``jit_compile``) and gets its own compile cache. The other
    transforms are shared, not copied, so a ``Concatenate`` fitted on training batches stays fitted.

    Examples
    --------
    >>> import bayesflow as bf
    >>> import bayesflow_nnpe
    >>> adapter = bf.Adapter().nnpe("x").rename("x", "inference_conditions")
    >>> bayesflow_nnpe.without_nnpe(adapter)
    Adapter([0: Rename('x' -> 'inference_conditions')])
    """
    if not isinstance(adapter, Adapter):
        raise TypeError(
            f"without_nnpe takes a bayesflow Adapter, got {adapter!r} of type {type(adapter).__name__}; pass the "
            "adapter whose NNPE transforms to drop, e.g. without_nnpe(workflow.adapter)."
        )
    clean = adapter[:]
    for index in reversed(range(len(clean))):
        if isinstance(clean[index], NNPETransform):
            del clean[index]
    return clean


def _keys(keys: Any) -> list[str]:
    """The keys to perturb as a list of str, or a TypeError that says what keys must be."""
    listed = [keys] if isinstance(keys, str) else keys
    if not isinstance(listed, (list, tuple)) or not listed or not all(isinstance(key, str) for key in listed):
        raise TypeError(
            f"keys must be a key (str) or a non-empty list or tuple of keys, got {keys!r} of type "
            f'{type(keys).__name__}: e.g. NNPETransform("x") or NNPETransform(["x", "y"]).'
        )
    return list(listed)


_registered = False


def register_adapter_method() -> bool:
    """Add ``Adapter.nnpe`` unless the installed bayesflow defines one; return whether ours is in place."""
    global _registered
    existing = getattr(Adapter, "nnpe", None)
    if existing is nnpe:
        return True
    if existing is not None:
        if not _registered:
            warnings.warn(
                "bayesflow already defines Adapter.nnpe; bayesflow_nnpe leaves it in place. Append our transform "
                "explicitly with adapter.append(bayesflow_nnpe.NNPETransform(keys, ...)).",
                UserWarning,
                stacklevel=2,
            )
            _registered = True
        return False
    Adapter.nnpe = nnpe
    _registered = True
    return True
