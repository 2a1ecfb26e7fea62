"""The spike-and-slab noise core shared by the NNPE augmentation and the adapter transform.

Each element independently receives, with probability 1/2 each, Normal(0, spike) or Cauchy(0, slab) noise
(Ward et al., 2022). The sampler works on blocks of the data so that its scratch stays in cache, draws two raw
words per element in one call per block, and turns them into both mixture components with a polar construction:

* ``phi ~ U(0, pi/2)`` and an independent random sign ``s``;
* Normal component: ``s * sqrt(-2 log u) * cos(phi)`` (Box-Muller on the folded circle);
* Cauchy component: ``s * cos(phi) / sin(phi)`` (the cotangent of a uniform angle is half-Cauchy).

Float32 output is computed in float32 from 23-bit uniforms (no float64 temporaries); float64 output from
52-bit uniforms. The uniforms are bounded away from 0 and 1, so a float32 draw never exceeds
``5.8 * spike`` (Normal tail beyond that: probability 8e-9) or ``5.3e6 * slab`` (Cauchy tail: 1.2e-7).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "DEFAULT_SLAB",
    "DEFAULT_SPIKE",
    "NoiseStream",
    "SpikeSlabNoise",
    "add_spike_and_slab",
    "check_scale",
    "spike_and_slab",
]

DEFAULT_SPIKE = 0.01
"""Spike (Normal) scale of Ward et al. (2022) for standardized data."""
DEFAULT_SLAB = 0.25
"""Slab (Cauchy) scale of Ward et al. (2022) for standardized data."""

BLOCK = 1 << 14
"""Elements per block: the scratch of one block (about 10 arrays of this size) stays in the L2 cache."""


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


class NoiseStream:
    """A seeded stream of random bits that stays independent across forked or spawned processes.

    Within one process the stream is reproducible from ``seed``. A copy of the stream that finds itself in a
    process other than the one that created it (a forked ``PyDataset`` worker, or a spawned worker that
    unpickled it) reseeds itself from fresh operating-system entropy on first use, so that no two workers
    ever replay the same noise.

    Parameters
    ----------
    seed : int or None
        Non-negative integer seed, or None for fresh entropy.
    """

    def __init__(self, seed: int | None = None):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
            raise TypeError(f"seed must be a non-negative int or None, got {seed!r} of type {type(seed).__name__}.")
        self.seed = None if seed is None else int(seed)
        self._bit_generator = np.random.PCG64(np.random.SeedSequence(self.seed))
        self._pid = os.getpid()

    @property
    def bit_generator(self) -> np.random.BitGenerator:
        """The bit generator of this process (reseeded after a fork or unpickling in another process)."""
        if os.getpid() != self._pid:
            self._bit_generator = np.random.PCG64(np.random.SeedSequence())
            self._pid = os.getpid()
        return self._bit_generator

    @property
    def generator(self) -> np.random.Generator:
        """A ``numpy.random.Generator`` that shares this stream's state."""
        return np.random.Generator(self.bit_generator)


def check_scale(name: str, value: npt.ArrayLike | None, per_dimension: bool) -> np.ndarray | None:
    """Validate a user-supplied noise scale and return it as a float64 array of ndim 0 or 1.

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
) -> np.ndarray:
    """Fill ``out`` (C-contiguous float32 or float64) with spike-and-slab noise, in place, and return it.

    ``spike`` and ``slab`` broadcast against ``out`` (scalars, or arrays of shape ``(out.shape[-1],)``). This is
    the hot path: it allocates scratch of the size of ``out`` only, so callers pass blocks of at most
    :data:`BLOCK` elements.
    """
    fmt = _FORMATS.get(out.dtype)
    if fmt is None or not out.flags.c_contiguous:
        raise TypeError(f"out must be a C-contiguous float32 or float64 array, got {out.dtype} {out.flags}")
    n = out.size
    words = bit_generator.random_raw(n * np.dtype(fmt.uint).itemsize // 4).view(fmt.uint)
    u_bits, v_bits = words[:n].reshape(out.shape), words[n:].reshape(out.shape)

    # Top bits: a Bernoulli(1/2) slab mask (all ones where the slab is chosen) and a random sign.
    slab_mask = np.right_shift(u_bits.view(fmt.sint), fmt.width - 1).view(fmt.uint)
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


def _as_numeric_array(data: Any, caller: str) -> np.ndarray:
    """Return ``data`` as a numpy array of real numbers, or raise a TypeError that says what to do."""
    if isinstance(data, Mapping):
        raise TypeError(
            f"{caller} received a {type(data).__name__} (keys: {list(data)[:5]}), but it perturbs one array. "
            'Map it to the key to perturb: augmentations={"x": NNPE(...)}, or use the adapter method '
            '.nnpe("x") on a bf.Adapter.'
        )
    arr = np.asarray(data)
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{caller} expects real numeric data (float, int or bool), got an array of dtype {arr.dtype}. "
            "Convert it to floats first, e.g. with .to_array().convert_dtype(...) on the adapter."
        )
    return arr


def _output_dtype(dtype: np.dtype) -> np.dtype:
    """float32 and float64 stay; float16 computes in float32; ints, bools and long doubles become float64."""
    if dtype == np.float32 or dtype == np.float16:
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def _check_finite(x: np.ndarray, caller: str) -> None:
    """Raise a ValueError naming how many and which entries of ``x`` are NaN or infinite."""
    with np.errstate(over="ignore"):
        if x.dtype.kind != "f" or np.isfinite(np.sum(x)):  # a finite sum proves all entries finite
            return
    bad = ~np.isfinite(x)
    count = int(bad.sum())
    if count == 0:  # the sum overflowed, the entries are finite
        return
    where = np.argwhere(bad)[:5]
    first = ", ".join(str(tuple(int(i) for i in idx)) for idx in where)
    raise ValueError(
        f"{caller}: data contains {count} NaN or infinite value(s) of {x.size} (first at index {first}). "
        "NNPE needs finite data: drop or impute them first, e.g. with .nan_to_num(...) on the adapter."
    )


def _column_std(x2d: np.ndarray, per_dimension: bool) -> np.ndarray:
    """Population std (ddof=0) per column of ``x2d``, or of all its entries, without a float64 copy of it.

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
        return np.sqrt(m2 / rows)
    grand = mean.mean()
    return np.sqrt((m2.sum() + rows * np.sum((mean - grand) ** 2)) / (rows * d))


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


def add_spike_and_slab(
    data: npt.ArrayLike,
    stream: NoiseStream,
    *,
    spike_scale: np.ndarray | None,
    slab_scale: np.ndarray | None,
    per_dimension: bool,
    caller: str = "NNPE",
) -> np.ndarray:
    """Return a new array: ``data`` plus spike-and-slab noise. ``data`` is never modified.

    Parameters
    ----------
    data : array_like
        Real numeric data; the last axis holds the dimensions.
    stream : NoiseStream
        Source of random bits.
    spike_scale, slab_scale : np.ndarray or None
        Validated scales (see :func:`check_scale`); None scales the defaults by the std of ``data``, per
        dimension of the last axis or globally.
    per_dimension : bool
        Whether automatic scales are per dimension of the last axis or global.
    caller : str
        Name used in error messages.

    Returns
    -------
    np.ndarray
        Same shape as ``data``; float32 for float32 (and float16) data, float64 otherwise.
    """
    x = _as_numeric_array(data, caller)
    if x.ndim == 0 and per_dimension:
        raise ValueError(
            f"{caller}: per_dimension=True needs data with at least one axis, got a 0-d array. "
            "Pass per_dimension=False for scalars."
        )
    dtype = _output_dtype(x.dtype)
    d = x.shape[-1] if x.ndim else 1
    out = np.empty(x.shape, dtype=dtype)
    if x.size == 0:
        empty_std = np.zeros(d if per_dimension else ())
        _resolve("spike_scale", spike_scale, DEFAULT_SPIKE, empty_std, d, dtype)  # still check the shapes
        _resolve("slab_scale", slab_scale, DEFAULT_SLAB, empty_std, d, dtype)
        return out

    x2d = np.ascontiguousarray(x).reshape(-1, d)
    _check_finite(x2d, caller)
    std = _column_std(x2d, per_dimension) if spike_scale is None or slab_scale is None else None
    spike = _resolve("spike_scale", spike_scale, DEFAULT_SPIKE, std, d, dtype)
    slab = _resolve("slab_scale", slab_scale, DEFAULT_SLAB, std, d, dtype)

    out2d = out.reshape(-1, d)
    bit_generator = stream.bit_generator
    step = max(1, BLOCK // d)
    for start in range(0, out2d.shape[0], step):
        block = out2d[start : start + step]
        spike_and_slab(bit_generator, block, spike, slab)
        np.add(block, x2d[start : start + step], out=block)
    return out


class SpikeSlabNoise:
    """Validated NNPE settings and their noise stream: what the augmentation and the adapter transform share.

    Parameters are those of :class:`bayesflow_nnpe.NNPE`; calling the object returns a noisy copy of the data.
    """

    def __init__(
        self,
        spike_scale: npt.ArrayLike | None = None,
        slab_scale: npt.ArrayLike | None = None,
        per_dimension: bool = True,
        seed: int | None = None,
    ):
        if not isinstance(per_dimension, (bool, np.bool_)):
            raise TypeError(f"per_dimension must be True or False, got {per_dimension!r}.")
        self.per_dimension = bool(per_dimension)
        self.spike_scale = check_scale("spike_scale", spike_scale, self.per_dimension)
        self.slab_scale = check_scale("slab_scale", slab_scale, self.per_dimension)
        self.stream = NoiseStream(seed)
        self._checked_standardization = False

    def __call__(self, data: npt.ArrayLike, caller: str = "NNPE") -> np.ndarray:
        if not self._checked_standardization:  # once: is the noise headed for running standardization?
            from .standardization import warn_if_running_standardization

            self._checked_standardization = True
            warn_if_running_standardization()
        return add_spike_and_slab(
            data,
            self.stream,
            spike_scale=self.spike_scale,
            slab_scale=self.slab_scale,
            per_dimension=self.per_dimension,
            caller=caller,
        )

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, as plain Python values."""
        return {
            "spike_scale": None if self.spike_scale is None else self.spike_scale.tolist(),
            "slab_scale": None if self.slab_scale is None else self.slab_scale.tolist(),
            "per_dimension": self.per_dimension,
            "seed": self.stream.seed,
        }
