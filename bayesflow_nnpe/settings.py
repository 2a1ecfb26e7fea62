"""The settings of NNPE noise, declared once: names, defaults, validation and documentation. Numpy only.

Every noise source (the augmentation :class:`~bayesflow_nnpe.NNPE`, the adapter transform
:class:`~bayesflow_nnpe.NNPETransform`, ``Adapter.nnpe`` and the recipes) takes these settings and validates them
with :class:`NoiseSettings`. Adding a setting means adding a field here: the signatures that forward
``**settings`` show it (:func:`with_settings_signature`), and the sources get a public attribute of its name.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Mapping
from dataclasses import KW_ONLY, dataclass, field
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from .validation import check_flag, check_scale, check_seed, check_slab_probability

__all__ = [
    "DEFAULT_SLAB",
    "DEFAULT_SLAB_PROBABILITY",
    "DEFAULT_SPIKE",
    "NoiseSettings",
    "public_scale",
    "with_settings_signature",
]

DEFAULT_SPIKE = 0.01
"""Spike (Normal) scale of Ward et al. (2022) for standardized data."""
DEFAULT_SLAB = 0.25
"""Slab (Cauchy) scale of Ward et al. (2022) for standardized data."""
DEFAULT_SLAB_PROBABILITY = 0.5
"""Prior probability that an element gets the slab (rho), as in Ward et al. (2022)."""


def _doc(text: str) -> dict[str, str]:
    return {"doc": text}


@dataclass(frozen=True, eq=False)
class NoiseSettings:
    """The validated settings of NNPE noise. Scales are stored as read-only float64 arrays (0-d or 1-D) or None.

    Raises
    ------
    TypeError
        If a scale or ``slab_probability`` is not numeric, ``per_dimension`` is not a bool, or ``seed`` is not an
        int or None.
    ValueError
        If a scale is negative, not finite, or an array while ``per_dimension=False``, ``seed`` is negative, or
        ``slab_probability`` lies outside [0, 1].
    """

    spike_scale: npt.ArrayLike | None = field(
        default=None,
        metadata=_doc("Scale of the Normal spike: None (automatic), a float, or a 1D array (one per dimension)."),
    )
    slab_scale: npt.ArrayLike | None = field(
        default=None,
        metadata=_doc("Scale of the Cauchy slab: None (automatic), a float, or a 1D array (one per dimension)."),
    )
    per_dimension: bool = field(
        default=True,
        metadata=_doc("Whether automatic (and array) scales act per dimension of the last axis, or globally."),
    )
    seed: int | None = field(
        default=None,
        metadata=_doc("Seed of the noise stream (None: fresh entropy). Assigning one restarts the stream from it."),
    )
    _: KW_ONLY
    slab_probability: float = field(
        default=DEFAULT_SLAB_PROBABILITY,
        metadata=_doc("Prior probability ``rho`` that an element gets the slab (Ward et al.: 0.5; 0: spike alone)."),
    )

    def __post_init__(self) -> None:
        per_dimension = check_flag("per_dimension", self.per_dimension)
        checked = {
            "per_dimension": per_dimension,
            "spike_scale": check_scale("spike_scale", self.spike_scale, per_dimension),
            "slab_scale": check_scale("slab_scale", self.slab_scale, per_dimension),
            "seed": check_seed(self.seed),
            "slab_probability": check_slab_probability(self.slab_probability),
        }
        for name, value in checked.items():
            object.__setattr__(self, name, value)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The names of the settings, in declaration order."""
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def doc(cls, name: str) -> str:
        """The one-line documentation of setting ``name``."""
        return {f.name: f.metadata["doc"] for f in dataclasses.fields(cls)}[name]

    @classmethod
    def of(cls, caller: str, settings: Mapping[str, Any]) -> NoiseSettings:
        """Validated settings from keyword arguments, with a clear error for a name that is not a setting."""
        unknown = sorted(set(settings) - set(cls.names()))
        if unknown:
            raise TypeError(
                f"{caller} got unknown noise setting(s) {unknown}; the settings are {', '.join(cls.names())}."
            )
        return cls(**settings)

    def replace(self, **changes: Any) -> NoiseSettings:
        """A copy with ``changes``, validated as a whole (array scales need ``per_dimension=True``)."""
        return dataclasses.replace(self, **changes)

    def public(self, name: str) -> Any:
        """Setting ``name`` as users see it: scales as None, a float, or a read-only 1D array."""
        value = getattr(self, name)
        return public_scale(value) if isinstance(value, np.ndarray) else value

    def to_config(self) -> dict[str, Any]:
        """The settings as plain Python values (scales as floats or lists), for ``get_config``."""
        return {name: _plain(getattr(self, name)) for name in self.names()}


def public_scale(scale: np.ndarray | None) -> float | np.ndarray | None:
    """A validated scale as users see it: None, a float, or a read-only 1D array."""
    if scale is None or scale.ndim:
        return scale
    return float(scale)


def _plain(value: Any) -> Any:
    return value.tolist() if isinstance(value, np.ndarray) else value


F = TypeVar("F", bound=Callable[..., Any])


def with_settings_signature(func: F) -> F:
    """Show the noise settings in the signature of ``func``, which takes them as ``**settings``.

    ``help()``, ``inspect.signature`` and the API docs then list each setting (not named already) as a keyword
    parameter with its default, in declaration order, where ``**settings`` stood.
    """
    signature = inspect.signature(func)
    named = set(signature.parameters)
    parameters = [p for p in signature.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
    hints = {f.name: f.type for f in dataclasses.fields(NoiseSettings)}
    parameters += [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=f.default, annotation=hints[name])
        for f in dataclasses.fields(NoiseSettings)
        if (name := f.name) not in named
    ]
    func.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    return func
