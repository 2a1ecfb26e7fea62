"""``SpikeSlabNoise``: validated settings, their noise stream, and the once-only checks of the data. Numpy only.

The augmentation and the adapter transform both draw through this class (see :mod:`bayesflow_nnpe.source`).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import numpy.typing as npt

from .kernel import noisy_copy, output_dtype
from .moments import column_std
from .settings import DEFAULT_SLAB, DEFAULT_SPIKE, NoiseSettings
from .streams import NoiseStream, ProcessIndex
from .validation import as_numeric_array, check_finite, check_slab_probability

__all__ = ["SCALE_CHECK_FACTOR", "SCALE_CHECK_MIN_SAMPLES", "SpikeSlabNoise"]

SCALE_CHECK_FACTOR = 10.0
"""Manual scales warn when the data's std is more than this factor away from the std the scales are made for."""
SCALE_CHECK_MIN_SAMPLES = 16
"""Samples per dimension needed before the scale check trusts a batch std (a chi-square with 15 degrees of freedom
falls below 1/10 of its scale with probability below 1e-12)."""

BATCH_MAPPING_HINT = (
    'it perturbs one array. Map it to the key to perturb: augmentations={"x": NNPE(...)}, or use the adapter '
    'method .nnpe("x") on a bf.Adapter.'
)


class SpikeSlabNoise:
    """Validated NNPE settings and their noise stream: what the augmentation and the adapter transform share.

    Besides drawing, the object checks the data once: automatic scales that come out as zero for a whole batch,
    and manual scales on data whose scale is far from what the scales are made for, each warn once (see
    :meth:`__call__`).

    Parameters
    ----------
    *args, **settings
        The noise settings, as :class:`~bayesflow_nnpe.settings.NoiseSettings` takes them.
    process : callable, optional
        Reports this process's place in a distributed job (see :class:`~bayesflow_nnpe.streams.NoiseStream`).

    Attributes
    ----------
    settings : NoiseSettings
        The settings in use; change them with :meth:`update`.
    stream : NoiseStream
        The stream the noise is drawn from.
    """

    def __init__(self, *args: Any, process: ProcessIndex | None = None, **settings: Any):
        self.settings = NoiseSettings(*args, **settings)
        self.process = process
        self.stream = NoiseStream(self.settings.seed, process=process)
        self._warned_zero_scales = False
        self._scales_checked = False

    def update(self, **changes: Any) -> None:
        """Change settings, validated as a whole; a new ``seed`` restarts the stream, new scales are checked anew."""
        settings = self.settings.replace(**changes)
        if "seed" in changes:
            self.stream = NoiseStream(settings.seed, process=self.process)
        if {"spike_scale", "slab_scale", "per_dimension"} & set(changes):
            self._scales_checked = False
        self.settings = settings

    def use(self, generator: np.random.Generator) -> None:
        """Draw from ``generator`` from now on (the setting ``seed`` then reads None)."""
        if not isinstance(generator, np.random.Generator):
            raise TypeError(
                "rng must be a numpy.random.Generator, e.g. np.random.default_rng(seed), "
                f"got {type(generator).__name__}."
            )
        stream = NoiseStream(None, process=self.process)
        stream.use(generator.bit_generator)
        self.stream = stream
        self.settings = self.settings.replace(seed=None)

    def __call__(
        self,
        data: npt.ArrayLike,
        *,
        caller: str = "NNPE",
        default_spike: float = DEFAULT_SPIKE,
        default_slab: float = DEFAULT_SLAB,
        indicators: bool = False,
        slab_probability: float | np.ndarray | None = None,
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """A noisy copy of ``data``, after the once-only data checks; ``data`` is never modified.

        With ``indicators=True``, returns ``(noisy, z)``: ``z`` is a bool array of the shape of ``data``, True where
        the element got the slab. ``slab_probability`` overrides the setting for this call: a float, or one
        probability per sample (an array of shape ``data.shape[:-1]``), e.g. ``rho`` drawn per simulation.

        Float32 (and float16) data give float32, anything else float64. Scales left at None are ``default_spike``
        and ``default_slab`` times the std of the batch, per dimension of the last axis or over all entries.

        Warns (``UserWarning``), once per object:

        * when automatic scales are zero for a whole batch (a batch of one sample, or constant data), so that no
          noise is added;
        * when a manual slab scale meets data whose std, per dimension of the last axis, is more than
          :data:`SCALE_CHECK_FACTOR` times away from the std the scale is made for, ``slab_scale / default_slab``:
          1 for Ward et al.'s 0.25 on z-scored data, the clean std for ``NNPE.from_simulations``. Too small a slab
          for the data buys no robustness; too large a one drowns the data (near-prior posteriors). The check
          waits for a batch with at least :data:`SCALE_CHECK_MIN_SAMPLES` samples per dimension, and does not judge
          dimensions that are constant or nearly so in the batch (most values equal: nothing there to drown).
        """
        s = self.settings
        x, x2d = _prepare(data, s.per_dimension, caller)
        d = x2d.shape[1]
        spike = _manual(caller, "spike_scale", s.spike_scale, d)
        slab = _manual(caller, "slab_scale", s.slab_scale, d)
        automatic = spike is None or slab is None
        std = None
        if x.size == 0:
            std = np.zeros(d if s.per_dimension else ())
        elif automatic:
            std = column_std(x2d, s.per_dimension)
            manual = [scale for scale in (spike, slab) if scale is not None]
            if not self._warned_zero_scales and not np.any(std > 0) and not any(np.any(m > 0) for m in manual):
                self._warn_zero_scales(x.shape, caller, default_spike, default_slab)
        if x.size and not self._scales_checked and slab is not None:
            self._check_manual_scales(x2d, slab, caller, default_slab)
        dtype = output_dtype(x.dtype)
        spike = (default_spike * std if spike is None else spike).astype(dtype)
        slab = (default_slab * std if slab is None else slab).astype(dtype)
        rho = s.slab_probability if slab_probability is None else _per_sample(slab_probability, x.shape, caller)
        z = np.empty(x2d.shape, dtype=bool) if indicators else None
        noisy = noisy_copy(x2d, self.stream.bit_generator, spike, slab, rho, z).reshape(x.shape)
        return (noisy, z.reshape(x.shape)) if indicators else noisy

    def _warn_zero_scales(self, shape: tuple[int, ...], caller: str, default_spike: float, default_slab: float):
        self._warned_zero_scales = True
        warnings.warn(
            f"{caller}: automatic scales are {default_spike:g} and {default_slab:g} times the std of the batch, "
            f"which is zero for this batch of shape {shape} (a batch of one sample, or constant data): no noise was "
            "added. Use batches of several samples, or fixed scales from clean simulations: "
            "NNPE.from_simulations(clean).",
            UserWarning,
            stacklevel=5,
        )

    def _check_manual_scales(self, x2d: np.ndarray, slab: np.ndarray, caller: str, default_slab: float) -> None:
        rows, d = x2d.shape
        per_dimension = rows >= SCALE_CHECK_MIN_SAMPLES
        if not per_dimension and (self.settings.per_dimension or x2d.size < SCALE_CHECK_MIN_SAMPLES):
            return  # too few samples for a trustworthy std: check a later batch
        self._scales_checked = True
        if not np.any(slab > 0) or default_slab <= 0:
            return  # the slab carries the robustness: only a manual, non-zero slab is judged
        std = column_std(x2d, per_dimension)
        unit = slab / default_slab  # the data std that the scale is made for
        units = np.broadcast_to(unit, std.shape)
        judged = (std > 0) & (units > 0) & _spread(x2d, per_dimension)
        ratio = std[judged] / units[judged]
        off = (ratio > SCALE_CHECK_FACTOR) | (ratio < 1 / SCALE_CHECK_FACTOR)
        if not np.any(off):
            return
        where = f"dimension(s) {np.flatnonzero(judged)[off][:5].tolist()}" if std.ndim else "all entries"
        warnings.warn(
            f"{caller}: manual scales are absolute: slab_scale={_short(slab)} is made for data with std "
            f"{_short(unit)} (slab_scale / {default_slab:g}), but this batch has std {_short(std)}, off by more than "
            f"{SCALE_CHECK_FACTOR:g}x in {where}. Absolute scales assume z-scored data. On raw data use "
            "NNPE.from_simulations(clean), which scales the noise by the std of clean simulations (Ward et al.'s "
            "recipe), or automatic scales (spike_scale=None, slab_scale=None).",
            UserWarning,
            stacklevel=5,
        )


def _manual(caller: str, name: str, scale: np.ndarray | None, d: int) -> np.ndarray | None:
    """A manual scale that fits data with ``d`` dimensions in the last axis, or an error that says so."""
    if scale is not None and scale.ndim == 1 and scale.shape[0] != d:
        raise ValueError(
            f"{caller}: {name} has {scale.shape[0]} values, but the data's last axis has length {d}: pass one scale "
            "per dimension of the last axis, or a scalar for all."
        )
    return scale


def _per_sample(rho: float | np.ndarray, shape: tuple[int, ...], caller: str) -> float | np.ndarray:
    """A slab probability for this call: a float in [0, 1], or one per sample, flattened to the rows of the data."""
    if np.ndim(rho) == 0:
        return check_slab_probability(rho)
    rho = np.asarray(rho, dtype=np.float64)
    if rho.shape != shape[:-1] or not np.all((rho >= 0) & (rho <= 1)):
        raise ValueError(
            f"{caller}: slab_probability per sample must have shape {shape[:-1]} with values in [0, 1], got shape "
            f"{rho.shape}."
        )
    return rho.reshape(-1)


def _spread(x2d: np.ndarray, per_dimension: bool) -> np.ndarray:
    """Whether the data vary in bulk: a median absolute deviation above 0 (fewer than half the values equal)."""
    axis = 0 if per_dimension else None
    median = np.median(x2d, axis=axis)
    return np.median(np.abs(x2d - median), axis=axis) > 0


def _prepare(data: npt.ArrayLike, per_dimension: bool, caller: str) -> tuple[np.ndarray, np.ndarray]:
    """The data as an array and as a C-contiguous 2D view (rows, last axis), validated."""
    x = as_numeric_array(data, caller, BATCH_MAPPING_HINT)
    if x.ndim == 0 and per_dimension:
        raise ValueError(
            f"{caller}: per_dimension=True needs data with at least one axis, got a 0-d array. "
            "Pass per_dimension=False for scalars."
        )
    rows, d = (math.prod(x.shape[:-1]), x.shape[-1]) if x.ndim else (1, 1)
    x2d = np.ascontiguousarray(x).reshape(rows, d)
    if x.size:
        check_finite(x2d, caller)
    return x, x2d


def _short(values: np.ndarray) -> str:
    values = np.atleast_1d(values)
    if values.size == 1:
        return f"{values[0]:.3g}"
    shown = ", ".join(f"{v:.3g}" for v in values[:5])
    return f"[{shown}{', ...' if values.size > 5 else ''}]"
