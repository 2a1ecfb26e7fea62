"""``NoiseSource``: what the augmentation and the adapter transform share, the noise and its settings as attributes."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from . import compat
from .noise import SpikeSlabNoise
from .settings import DEFAULT_SLAB, DEFAULT_SPIKE, NoiseSettings

__all__ = ["NoiseSource"]


class _Setting:
    """A public attribute that reads and assigns the noise setting of the same name."""

    def __init__(self, name: str):
        self.name = name
        self.__doc__ = NoiseSettings.doc(name)

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        return obj.settings.public(self.name)

    def __set__(self, obj: Any, value: Any) -> None:
        obj._noise.update(**{self.name: value})


class NoiseSource:
    """Base class of NNPE noise sources: builds the noise from the settings and exposes each setting as an attribute.

    The attributes (one per field of :class:`~bayesflow_nnpe.settings.NoiseSettings`) are the settings in use:
    assigning one validates it and changes the noise that is drawn next. ``DEFAULT_SPIKE`` and ``DEFAULT_SLAB`` are
    the factors of automatic scales; a subclass may override them.

    Parameters
    ----------
    settings : NoiseSettings
        The validated settings.
    """

    DEFAULT_SPIKE: float = DEFAULT_SPIKE
    DEFAULT_SLAB: float = DEFAULT_SLAB

    def __init__(self, settings: NoiseSettings):
        self._noise = SpikeSlabNoise(**settings.to_config(), process=compat.process_index)

    @property
    def settings(self) -> NoiseSettings:
        """The validated settings in use (read-only; assign the attributes to change them)."""
        return self._noise.settings

    @property
    def rng(self) -> np.random.Generator:
        """A ``numpy.random.Generator`` that shares the noise stream. Assigning a Generator makes the noise draw
        from it (``seed`` then reads None)."""
        return self._noise.stream.generator

    @rng.setter
    def rng(self, value: np.random.Generator) -> None:
        self._noise.use(value)

    def noisy(self, data: npt.ArrayLike, *, caller: str, indicators: bool = False, slab_probability: Any = None) -> Any:
        """A noisy copy of ``data`` at this source's settings (and, with ``indicators=True``, the slab indicators);
        ``slab_probability``, if given, replaces the setting for this call (one per sample allowed)."""
        cls = type(self)
        return self._noise(
            data,
            caller=caller,
            default_spike=cls.DEFAULT_SPIKE,
            default_slab=cls.DEFAULT_SLAB,
            indicators=indicators,
            slab_probability=slab_probability,
        )


for _name in NoiseSettings.names():
    setattr(NoiseSource, _name, _Setting(_name))
