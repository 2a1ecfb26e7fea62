"""The spike-and-slab noise core shared by the NNPE augmentation and the adapter transform. Numpy only.

Each element independently receives Cauchy(0, slab) noise with probability ``rho`` (the slab probability, 1/2 by
default, as in Ward et al., 2022) and Normal(0, spike) noise otherwise. The sampler works on blocks of the data so
that its scratch stays in cache, draws two raw words per element in one call per block, and turns them into both
mixture components with a polar construction:

* ``phi ~ U(0, pi/2)`` and an independent random sign ``s``;
* Normal component: ``s * sqrt(-2 log u) * cos(phi)`` (Box-Muller on the folded circle);
* Cauchy component: ``s * cos(phi) / sin(phi)`` (the cotangent of a uniform angle is half-Cauchy).

With ``rho = 1/2`` the coin is the top bit of a word that is drawn anyway. Any other ``rho`` costs one more 32-bit
word per element, compared with ``round(rho * 2**32)`` (exact to 2**-33); ``rho = 0`` and ``1`` draw no coin at all.
The kernel can also return the coin, the slab indicators of the draw, for training a criticism network.

Float32 output is computed in float32 from 23-bit uniforms (no float64 temporaries); float64 output from
52-bit uniforms. The uniforms are bounded away from 0 and 1, so a float32 draw never exceeds
``5.8 * spike`` (Normal tail beyond that: probability 8e-9) or ``5.3e6 * slab`` (Cauchy tail: 1.2e-7).

This module imports nothing but numpy: what BayesFlow-facing code needs (which process of a distributed job this
is) is passed in by the augmentation and the transform.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "BLOCK",
    "DEFAULT_SLAB",
    "DEFAULT_SLAB_PROBABILITY",
    "DEFAULT_SPIKE",
    "NoiseStream",
    "SpikeSlabNoise",
    "SpikeSlabSettings",
    "check_scale",
    "check_seed",
    "check_slab_probability",
    "clean_moments",
    "spike_and_slab",
]

DEFAULT_SPIKE = 0.01
"""Spike (Normal) scale of Ward et al. (2022) for standardized data."""
DEFAULT_SLAB = 0.25
"""Slab (Cauchy) scale of Ward et al. (2022) for standardized data."""
DEFAULT_SLAB_PROBABILITY = 0.5
"""Prior probability that an element gets the slab (rho), as in Ward et al. (2022)."""

BLOCK = 1 << 14
"""Elements per block: the scratch of one block (about 10 arrays of this size) stays in the L2 cache."""

SCALE_CHECK_FACTOR = 10.0
"""Manual scales warn when the data's std is more than this factor away from the std the scales are made for."""
SCALE_CHECK_MIN_SAMPLES = 16
"""Samples per dimension needed before the scale check trusts a batch std (a chi-square with 15 degrees of freedom
falls below 1/10 of its scale with probability below 1e-12)."""

ProcessIndex = Callable[[], tuple[int, int]]
"""Returns ``(index, count)`` of this process in a distributed job; ``(0, 1)`` when there is no such job."""


@dataclass(frozen=True)
class _Format:
    """How to turn raw bits of one unsigned word into a float of the same width."""

    uint: type[np.unsignedinteger]
    sint: type[np.signedinteger]
    mantissa: int  # mask of the mantissa bits
    one: int  # bit pattern of 1.0
    sign: int  # mask of the sign bit
    width: int  # bits per word
    below_one: np.floating  # 1 - 2**-(mantissa bits + 1): [1, 2) - below_one lies in (0, 1), exactly


_FORMATS = {
    np.dtype(np.float32): _Format(
        np.uint32, np.int32, 0x007FFFFF, 0x3F800000, 0x80000000, 32, np.float32(1 - 2.0**-24)
    ),
    np.dtype(np.float64): _Format(
        np.uint64, np.int64, 0x000FFFFFFFFFFFFF, 0x3FF0000000000000, 0x8000000000000000, 64, np.float64(1 - 2.0**-53)
    ),
}


def check_seed(seed: Any) -> int | None:
    """Return ``seed`` as an int (or None), or raise an error that says what a seed must be."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be a non-negative int or None, got {seed!r} of type {type(seed).__name__}.")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative int or None, got {seed}.")
    return int(seed)


def check_slab_probability(value: Any) -> float:
    """Return the slab probability ``rho`` as a float in [0, 1], or raise an error that says what it must be."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"slab_probability must be a number in [0, 1], got {value!r} of type {type(value).__name__}.")
    if not 0.0 <= value <= 1.0:  # also rejects NaN
        raise ValueError(f"slab_probability must lie in [0, 1], got {value!r}.")
    return float(value)


def _single_process() -> tuple[int, int]:
    return 0, 1


class NoiseStream:
    """A seeded stream of random bits: reproducible per process, independent across processes.

    * Within one process the stream is reproducible from ``seed``.
    * In a distributed job (``process`` reports ``count > 1``), process ``i`` draws from the ``i``-th child of
      ``SeedSequence(seed)``, as ``SeedSequence.spawn`` would make it: every process draws distinct noise, and each
      is reproducible from ``(seed, i)``. The process is looked up on the first draw.
    * A copy of the stream that finds itself in a process other than the one that created it (a forked
      ``PyDataset`` worker, or a spawned worker that unpickled it) reseeds itself from fresh operating-system
      entropy on first use, so that no two workers ever replay the same noise.

    Parameters
    ----------
    seed : int or None
        Non-negative integer seed, or None for fresh entropy.
    process : callable, optional
        Returns ``(index, count)`` of this process in a distributed job. Default: a single process.
    """

    def __init__(self, seed: int | None = None, *, process: ProcessIndex | None = None):
        self.seed = check_seed(seed)
        self.process = process or _single_process
        self._bit_generator: np.random.BitGenerator | None = None
        self._generator: np.random.Generator | None = None
        self._pid = os.getpid()

    def _seeded(self) -> np.random.BitGenerator:
        if self.seed is None:
            return np.random.PCG64()
        index, count = self.process()
        spawn_key = (index,) if count > 1 else ()
        return np.random.PCG64(np.random.SeedSequence(self.seed, spawn_key=spawn_key))

    @property
    def bit_generator(self) -> np.random.BitGenerator:
        """The bit generator of this process (reseeded after a fork or unpickling in another process)."""
        pid = os.getpid()
        if pid != self._pid:
            self.use(np.random.PCG64())
        elif self._bit_generator is None:
            self.use(self._seeded())
        return self._bit_generator

    @property
    def generator(self) -> np.random.Generator:
        """A ``numpy.random.Generator`` that shares this stream's state."""
        bit_generator = self.bit_generator
        if self._generator is None or self._generator.bit_generator is not bit_generator:
            self._generator = np.random.Generator(bit_generator)
        return self._generator

    def use(self, bit_generator: np.random.BitGenerator) -> None:
        """Draw from ``bit_generator`` from now on, in this process."""
        self._bit_generator = bit_generator
        self._pid = os.getpid()


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


def spike_and_slab(
    bit_generator: np.random.BitGenerator,
    out: np.ndarray,
    spike: npt.ArrayLike,
    slab: npt.ArrayLike,
    *,
    slab_probability: float = DEFAULT_SLAB_PROBABILITY,
    indicators: np.ndarray | None = None,
) -> np.ndarray:
    """Fill ``out`` (C-contiguous float32 or float64) with spike-and-slab noise, in place, and return it.

    ``spike`` and ``slab`` broadcast against ``out`` (scalars, or arrays of shape ``(out.shape[-1],)``); each
    element gets the slab with probability ``slab_probability``. If ``indicators`` (a bool array of the shape of
    ``out``) is given, it receives the slab indicators of the draw. This is the hot path: it allocates scratch of
    the size of ``out`` only, so callers pass blocks of at most :data:`BLOCK` elements.
    """
    fmt = _FORMATS.get(out.dtype)
    if fmt is None or not out.flags.c_contiguous:
        raise TypeError(f"out must be a C-contiguous float32 or float64 array, got {out.dtype} {out.flags}")
    n = out.size
    words = bit_generator.random_raw(n * np.dtype(fmt.uint).itemsize // 4).view(fmt.uint)
    u_bits, v_bits = words[:n].reshape(out.shape), words[n:].reshape(out.shape)

    # The slab mask (all ones where the slab is chosen): the top bit of u for rho = 1/2; and a random sign.
    if slab_probability == 0.5:
        slab_mask = np.right_shift(u_bits.view(fmt.sint), fmt.width - 1).view(fmt.uint)
    else:
        slab_mask = _slab_mask(bit_generator, out.shape, slab_probability, fmt)
    if indicators is not None:
        np.not_equal(slab_mask, 0, out=indicators)
    sign = np.bitwise_and(v_bits, fmt.sign)

    # Uniforms in (0, 1) from the low mantissa bits: [1, 2) - below_one, exact in floating point.
    for bits in (u_bits, v_bits):
        np.bitwise_and(bits, fmt.mantissa, out=bits)
        np.bitwise_or(bits, fmt.one, out=bits)
    u, phi = u_bits.view(out.dtype), v_bits.view(out.dtype)
    np.subtract(u, fmt.below_one, out=u)
    np.subtract(phi, fmt.below_one, out=phi)
    np.multiply(phi, out.dtype.type(np.pi / 2), out=phi)

    cauchy = np.sin(phi)
    np.cos(phi, out=phi)
    np.bitwise_xor(v_bits, sign, out=v_bits)  # phi now holds +-cos(phi), the random sign applied exactly

    np.divide(slab, cauchy, out=cauchy)  # slab / sin(phi) > 0: sin(phi) >= sin(pi * 2**-24) > 0
    np.log(u, out=u)  # Box-Muller radius sqrt(-2 log u), times the spike
    np.multiply(u, -2, out=u)
    np.sqrt(u, out=u)
    np.multiply(u, spike, out=u)

    # Branch-free select, bitwise: u_bits <- cauchy where slab_mask else u_bits.
    c_bits = cauchy.view(fmt.uint)
    np.bitwise_xor(c_bits, u_bits, out=c_bits)
    np.bitwise_and(c_bits, slab_mask, out=c_bits)
    np.bitwise_xor(u_bits, c_bits, out=u_bits)

    np.multiply(phi, u, out=out)
    return out


def _slab_mask(
    bit_generator: np.random.BitGenerator, shape: tuple[int, ...], slab_probability: float, fmt: _Format
) -> np.ndarray:
    """All ones with probability ``slab_probability`` per element, else zeros: a 32-bit word below a threshold."""
    if slab_probability <= 0.0 or slab_probability >= 1.0:
        return np.full(shape, 0 if slab_probability <= 0.0 else np.iinfo(fmt.uint).max, dtype=fmt.uint)
    n = math.prod(shape)
    coins = bit_generator.random_raw((n + 1) // 2).view(np.uint32)[:n].reshape(shape)
    threshold = np.uint32(min(round(slab_probability * 2.0**32), 2**32 - 1))
    mask = np.less(coins, threshold).astype(fmt.uint)
    return np.negative(mask, out=mask)  # 1 -> all ones (modular negation), 0 -> 0


def _as_numeric_array(data: Any, caller: str, mapping_hint: str) -> np.ndarray:
    """Return ``data`` as a numpy array of real numbers, or raise a TypeError that says what to do."""
    if isinstance(data, Mapping):
        raise TypeError(f"{caller} received a {type(data).__name__} (keys: {list(data)[:5]}), but {mapping_hint}")
    arr = np.asarray(data)
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{caller} expects real numeric data (float, int or bool), got an array of dtype {arr.dtype}. "
            "Convert it to floats first, e.g. with .to_array().convert_dtype(...) on the adapter."
        )
    return arr


_BATCH_MAPPING_HINT = (
    'it perturbs one array. Map it to the key to perturb: augmentations={"x": NNPE(...)}, or use the adapter '
    'method .nnpe("x") on a bf.Adapter.'
)


def _output_dtype(dtype: np.dtype) -> np.dtype:
    """float32 and float64 stay; float16 computes in float32; ints, bools and long doubles become float64."""
    if dtype == np.float32 or dtype == np.float16:
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def _check_finite(x: np.ndarray, caller: str, what: str = "the batch") -> None:
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


def _column_moments(x2d: np.ndarray, per_dimension: bool) -> tuple[np.ndarray, np.ndarray]:
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
        dev = block - block_mean.astype(_output_dtype(x2d.dtype))
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


def _column_std(x2d: np.ndarray, per_dimension: bool) -> np.ndarray:
    """Population std per column of ``x2d`` (``per_dimension``), or of all its entries."""
    return _column_moments(x2d, per_dimension)[1]


def clean_moments(
    clean: npt.ArrayLike, *, per_dimension: bool = True, caller: str = "NNPE.from_simulations"
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std of clean simulations: per dimension of the last axis over all other axes, or over all entries.

    Raises
    ------
    TypeError
        If ``clean`` is a dict (pass the array of one key) or not real numeric.
    ValueError
        If ``clean`` is 0-d, holds fewer than two simulations, or holds NaN or inf.
    """
    x = _as_numeric_array(clean, caller, "it needs the clean simulations of one key: pass an array, e.g. clean['x'].")
    if x.ndim == 0:
        raise ValueError(f"{caller}: clean simulations must have at least one axis, got a 0-d array.")
    x2d = np.ascontiguousarray(x).reshape(-1, x.shape[-1])
    if x2d.shape[0] < 2 or x2d.shape[1] == 0:
        raise ValueError(
            f"{caller}: clean simulations of shape {x.shape} hold {x2d.shape[0]} sample(s) of {x2d.shape[1]} "
            "dimension(s); a standard deviation needs at least 2 samples of at least 1 dimension."
        )
    _check_finite(x2d, caller, "the clean simulations")
    return _column_moments(x2d, per_dimension)


def _resolve(
    name: str, scale: np.ndarray | None, default: float, std: np.ndarray | None, d: int, dtype: np.dtype
) -> np.ndarray:
    if scale is None:
        return (default * std).astype(dtype)
    if scale.ndim == 1 and scale.shape[0] != d:
        raise ValueError(
            f"{name} has shape {scale.shape}, but the data's last axis has length {d}: pass one scale per "
            "dimension of the last axis, or a scalar for all."
        )
    return scale.astype(dtype)


def _prepare(data: npt.ArrayLike, per_dimension: bool, caller: str) -> tuple[np.ndarray, np.ndarray]:
    """The data as an array and as a C-contiguous 2D view (rows, last axis), validated."""
    x = _as_numeric_array(data, caller, _BATCH_MAPPING_HINT)
    if x.ndim == 0 and per_dimension:
        raise ValueError(
            f"{caller}: per_dimension=True needs data with at least one axis, got a 0-d array. "
            "Pass per_dimension=False for scalars."
        )
    rows, d = (math.prod(x.shape[:-1]), x.shape[-1]) if x.ndim else (1, 1)
    x2d = np.ascontiguousarray(x).reshape(rows, d)
    if x.size:
        _check_finite(x2d, caller)
    return x, x2d


def _noisy_copy(
    x: np.ndarray,
    x2d: np.ndarray,
    bit_generator: np.random.BitGenerator,
    spike: np.ndarray,
    slab: np.ndarray,
    slab_probability: float,
    indicators: np.ndarray | None = None,
) -> np.ndarray:
    """A new array of the shape of ``x``: ``x`` plus noise, filled block by block (``x`` is never written).

    ``indicators``, if given, is a bool array of the shape of ``x`` that receives the slab indicators.
    """
    out = np.empty(x.shape, dtype=_output_dtype(x.dtype))
    out2d = out.reshape(x2d.shape)
    z2d = None if indicators is None else indicators.reshape(x2d.shape)
    step = max(1, BLOCK // max(x2d.shape[1], 1))
    for start in range(0, out2d.shape[0] if x.size else 0, step):
        rows = slice(start, start + step)
        block = out2d[rows]
        z = None if z2d is None else z2d[rows]
        spike_and_slab(bit_generator, block, spike, slab, slab_probability=slab_probability, indicators=z)
        np.add(block, x2d[rows], out=block)
    return out


class SpikeSlabNoise:
    """Validated NNPE settings and their noise stream: what the augmentation and the adapter transform share.

    Every setting is validated when assigned, so the attributes always describe the noise that is drawn. Besides
    drawing, the object checks the data once: automatic scales that come out as zero for a whole batch, and manual
    scales on data whose scale is far from what the scales are made for, each warn once (see :meth:`__call__`).

    Parameters
    ----------
    spike_scale, slab_scale, per_dimension, seed, slab_probability
        As in :class:`bayesflow_nnpe.NNPE`.
    process : callable, optional
        Reports this process's place in a distributed job (see :class:`NoiseStream`).
    """

    def __init__(
        self,
        spike_scale: npt.ArrayLike | None = None,
        slab_scale: npt.ArrayLike | None = None,
        per_dimension: bool = True,
        seed: int | None = None,
        *,
        slab_probability: float = DEFAULT_SLAB_PROBABILITY,
        process: ProcessIndex | None = None,
    ):
        if not isinstance(per_dimension, (bool, np.bool_)):
            raise TypeError(f"per_dimension must be True or False, got {per_dimension!r}.")
        self._per_dimension = bool(per_dimension)
        self._spike = check_scale("spike_scale", spike_scale, self._per_dimension)
        self._slab = check_scale("slab_scale", slab_scale, self._per_dimension)
        self._rho = check_slab_probability(slab_probability)
        self._process = process
        self.stream = NoiseStream(seed, process=process)
        self._warned_zero_scales = False
        self._scales_checked = False

    # --- settings, validated on assignment -------------------------------------------------------------------
    @property
    def spike_scale(self) -> float | np.ndarray | None:
        return _public(self._spike)

    @spike_scale.setter
    def spike_scale(self, value: npt.ArrayLike | None) -> None:
        self._spike = check_scale("spike_scale", value, self._per_dimension)
        self._scales_checked = False

    @property
    def slab_scale(self) -> float | np.ndarray | None:
        return _public(self._slab)

    @slab_scale.setter
    def slab_scale(self, value: npt.ArrayLike | None) -> None:
        self._slab = check_scale("slab_scale", value, self._per_dimension)
        self._scales_checked = False

    @property
    def per_dimension(self) -> bool:
        return self._per_dimension

    @per_dimension.setter
    def per_dimension(self, value: bool) -> None:
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"per_dimension must be True or False, got {value!r}.")
        for name, scale in (("spike_scale", self._spike), ("slab_scale", self._slab)):
            check_scale(name, scale, bool(value))  # array scales need per_dimension=True
        self._per_dimension = bool(value)
        self._scales_checked = False

    @property
    def slab_probability(self) -> float:
        return self._rho

    @slab_probability.setter
    def slab_probability(self, value: float) -> None:
        self._rho = check_slab_probability(value)

    @property
    def seed(self) -> int | None:
        return self.stream.seed

    @seed.setter
    def seed(self, value: int | None) -> None:
        self.stream = NoiseStream(value, process=self._process)

    @property
    def rng(self) -> np.random.Generator:
        return self.stream.generator

    @rng.setter
    def rng(self, value: np.random.Generator) -> None:
        if not isinstance(value, np.random.Generator):
            raise TypeError(
                f"rng must be a numpy.random.Generator, e.g. np.random.default_rng(seed), got {type(value).__name__}."
            )
        stream = NoiseStream(None, process=self._process)
        stream.use(value.bit_generator)
        self.stream = stream

    # --- drawing -----------------------------------------------------------------------------------------------
    def __call__(
        self,
        data: npt.ArrayLike,
        *,
        caller: str = "NNPE",
        default_spike: float = DEFAULT_SPIKE,
        default_slab: float = DEFAULT_SLAB,
        indicators: bool = False,
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """A noisy copy of ``data``, after the once-only data checks; ``data`` is never modified.

        With ``indicators=True``, returns ``(noisy, z)``: ``z`` is a bool array of the shape of ``data``, True where
        the element got the slab.

        Float32 (and float16) data give float32, anything else float64. Scales left at None are ``default_spike``
        and ``default_slab`` times the std of the batch, per dimension of the last axis or over all entries.

        Warns (``UserWarning``), once per object:

        * when automatic scales are zero for a whole batch (a batch of one sample, or constant data), so that no
          noise is added;
        * when a manual slab scale meets data whose std, per dimension of the last axis, is more than
          :data:`SCALE_CHECK_FACTOR` times away from the std the scale is made for, ``slab_scale / default_slab``:
          1 for Ward et al.'s 0.25 on z-scored data, the clean std for ``NNPE.from_simulations``. Too small a slab
          for the data buys no robustness; too large a one drowns the data (near-prior posteriors). The check
          waits for a batch with at least :data:`SCALE_CHECK_MIN_SAMPLES` samples per dimension.
        """
        x, x2d = _prepare(data, self._per_dimension, caller)
        d = x2d.shape[1]
        automatic = self._spike is None or self._slab is None
        std = None
        if x.size == 0:
            std = np.zeros(d if self._per_dimension else ())
        elif automatic:
            std = _column_std(x2d, self._per_dimension)
            manual = [scale for scale in (self._spike, self._slab) if scale is not None]
            if not self._warned_zero_scales and not np.any(std > 0) and not any(np.any(m > 0) for m in manual):
                self._warn_zero_scales(x.shape, caller, default_spike, default_slab)
        if x.size and not self._scales_checked and self._slab is not None:
            self._check_manual_scales(x2d, caller, default_spike, default_slab)
        dtype = _output_dtype(x.dtype)
        spike = _resolve("spike_scale", self._spike, default_spike, std if automatic else None, d, dtype)
        slab = _resolve("slab_scale", self._slab, default_slab, std if automatic else None, d, dtype)
        z = np.empty(x.shape, dtype=bool) if indicators else None
        noisy = _noisy_copy(x, x2d, self.stream.bit_generator, spike, slab, self._rho, z)
        return (noisy, z) if indicators else noisy

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

    def _check_manual_scales(self, x2d: np.ndarray, caller: str, default_spike: float, default_slab: float) -> None:
        rows, d = x2d.shape
        if rows >= SCALE_CHECK_MIN_SAMPLES:
            std = _column_std(x2d, per_dimension=True)
        elif not self._per_dimension and x2d.size >= SCALE_CHECK_MIN_SAMPLES:
            std = _column_std(x2d, per_dimension=False)
        else:
            return  # too few samples for a trustworthy std: check a later batch
        self._scales_checked = True
        if self._slab is None or not np.any(self._slab > 0) or default_slab <= 0:
            return  # the slab carries the robustness: only a manual, non-zero slab is judged
        name, scale, factor = "slab_scale", self._slab, default_slab
        unit = scale / factor  # the data std that the scale is made for
        units = np.broadcast_to(unit, std.shape)
        judged = (std > 0) & (units > 0)
        ratio = std[judged] / units[judged]
        off = (ratio > SCALE_CHECK_FACTOR) | (ratio < 1 / SCALE_CHECK_FACTOR)
        if not np.any(off):
            return
        where = f"dimension(s) {np.flatnonzero(judged)[off][:5].tolist()}" if std.ndim else "all entries"
        warnings.warn(
            f"{caller}: manual scales are absolute: {name}={_short(scale)} is made for data with std {_short(unit)} "
            f"({name} / {factor:g}), but this batch has std {_short(std)}, off by more than {SCALE_CHECK_FACTOR:g}x in "
            f"{where}. Absolute scales assume z-scored data. On raw data use NNPE.from_simulations(clean), which "
            "scales the noise by the std of clean simulations (Ward et al.'s recipe), or automatic scales "
            "(spike_scale=None, slab_scale=None).",
            UserWarning,
            stacklevel=5,
        )

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, as plain Python values."""
        return {
            "spike_scale": None if self._spike is None else self._spike.tolist(),
            "slab_scale": None if self._slab is None else self._slab.tolist(),
            "per_dimension": self._per_dimension,
            "seed": self.seed,
            "slab_probability": self._rho,
        }


def _public(scale: np.ndarray | None) -> float | np.ndarray | None:
    """A validated scale as users see it: None, a float, or a read-only 1D array."""
    if scale is None or scale.ndim:
        return scale
    return float(scale)


def _short(values: np.ndarray) -> str:
    values = np.atleast_1d(values)
    if values.size == 1:
        return f"{values[0]:.3g}"
    shown = ", ".join(f"{v:.3g}" for v in values[:5])
    return f"[{shown}{', ...' if values.size > 5 else ''}]"


class _Setting:
    """A public attribute that reads and assigns the setting of the same name on ``self._noise``."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        return getattr(obj._noise, self.name)

    def __set__(self, obj: Any, value: Any) -> None:
        setattr(obj._noise, self.name, value)


class SpikeSlabSettings:
    """The public settings of an NNPE noise source (augmentation or adapter transform), read from its noise.

    Subclasses set ``self._noise`` to a :class:`SpikeSlabNoise`. The attributes are the settings in use:
    assigning one validates it and changes the noise that is drawn next. ``DEFAULT_SPIKE`` and ``DEFAULT_SLAB``
    are the factors of automatic scales; a subclass may override them.
    """

    DEFAULT_SPIKE: float = DEFAULT_SPIKE
    DEFAULT_SLAB: float = DEFAULT_SLAB

    _noise: SpikeSlabNoise

    spike_scale = _Setting()
    """Scale of the Normal spike: None (automatic), a float, or a 1D array (one per dimension)."""
    slab_scale = _Setting()
    """Scale of the Cauchy slab: None (automatic), a float, or a 1D array (one per dimension)."""
    per_dimension = _Setting()
    """Whether automatic (and array) scales act per dimension of the last axis, or globally."""
    seed = _Setting()
    """Seed of the noise stream (None: fresh entropy). Assigning one restarts the stream from it."""
    slab_probability = _Setting()
    """Prior probability ``rho`` that an element gets the slab (Ward et al.: 0.5; 0 is the spike alone)."""
    rng = _Setting()
    """A ``numpy.random.Generator`` that shares the noise stream. Assigning a Generator makes the noise draw from
    it (``seed`` then reads None)."""

    def _add_noise(self, data: npt.ArrayLike, caller: str) -> np.ndarray:
        cls = type(self)
        return self._noise(data, caller=caller, default_spike=cls.DEFAULT_SPIKE, default_slab=cls.DEFAULT_SLAB)
