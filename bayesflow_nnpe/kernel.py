"""The spike-and-slab sampler: raw bits in, noise out, block by block. Numpy only; the hot path of the package.

Each element independently receives Cauchy(0, slab) noise with probability ``rho`` (the slab probability, 1/2 by
default, as in Ward et al., 2022) and Normal(0, spike) noise otherwise. The sampler works on blocks of the data so
that its scratch stays in cache, draws two raw words per element in one call per block, and turns them into both
mixture components with a polar construction:

* ``phi ~ U(0, pi/2)`` and an independent random sign ``s``;
* Normal component: ``s * sqrt(-2 log u) * cos(phi)`` (Box-Muller on the folded circle);
* Cauchy component: ``s * cos(phi) / sin(phi)`` (the cotangent of a uniform angle is half-Cauchy).

With ``rho = 1/2`` the coin is the top bit of a word that is drawn anyway. Any other ``rho`` costs one more 32-bit
word per element, compared with ``round(rho * 2**32)`` (exact to 2**-33); ``rho = 0`` and ``1`` draw no coin at all.
The kernel can also return the coin, the slab indicators of the draw.

Float32 output is computed in float32 from 23-bit uniforms (no float64 temporaries); float64 output from
52-bit uniforms. The uniforms are bounded away from 0 and 1, so a float32 draw never exceeds
``5.8 * spike`` (Normal tail beyond that: probability 8e-9) or ``5.3e6 * slab`` (Cauchy tail: 1.2e-7).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .settings import DEFAULT_SLAB_PROBABILITY

__all__ = ["BLOCK", "noisy_copy", "output_dtype", "spike_and_slab"]

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


def spike_and_slab(
    bit_generator: np.random.BitGenerator,
    out: np.ndarray,
    spike: npt.ArrayLike,
    slab: npt.ArrayLike,
    *,
    slab_probability: float | np.ndarray = DEFAULT_SLAB_PROBABILITY,
    indicators: np.ndarray | None = None,
) -> np.ndarray:
    """Fill ``out`` (C-contiguous float32 or float64) with spike-and-slab noise, in place, and return it.

    ``spike`` and ``slab`` broadcast against ``out`` (scalars, or arrays of shape ``(out.shape[-1],)``); each
    element gets the slab with probability ``slab_probability``: a float, or an array that broadcasts against
    ``out`` (e.g. shape ``(rows, 1)``: one probability per row). If ``indicators`` (a bool array of the shape of
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
    if np.ndim(slab_probability) == 0 and slab_probability == 0.5:
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
    bit_generator: np.random.BitGenerator, shape: tuple[int, ...], slab_probability: float | np.ndarray, fmt: _Format
) -> np.ndarray:
    """All ones with probability ``slab_probability`` per element, else zeros: a 32-bit word below a threshold."""
    if np.ndim(slab_probability) == 0 and (slab_probability <= 0.0 or slab_probability >= 1.0):
        return np.full(shape, 0 if slab_probability <= 0.0 else np.iinfo(fmt.uint).max, dtype=fmt.uint)
    n = math.prod(shape)
    coins = bit_generator.random_raw((n + 1) // 2).view(np.uint32)[:n].reshape(shape)
    threshold = np.minimum(np.round(np.asarray(slab_probability) * 2.0**32), 2**32 - 1).astype(np.uint32)
    mask = np.less(coins, threshold)
    if np.ndim(slab_probability):
        mask |= np.asarray(slab_probability) >= 1.0  # a threshold of 2**32 - 1 would miss one word in 2**32
    mask = mask.astype(fmt.uint)
    return np.negative(mask, out=mask)  # 1 -> all ones (modular negation), 0 -> 0


def output_dtype(dtype: np.dtype) -> np.dtype:
    """float32 and float64 stay; float16 computes in float32; ints, bools and long doubles become float64."""
    if dtype == np.float32 or dtype == np.float16:
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def noisy_copy(
    x2d: np.ndarray,
    bit_generator: np.random.BitGenerator,
    spike: np.ndarray,
    slab: np.ndarray,
    slab_probability: float | np.ndarray,
    indicators: np.ndarray | None = None,
) -> np.ndarray:
    """A new array of the shape of ``x2d`` (rows, dimensions): ``x2d`` plus noise, filled block by block.

    ``x2d`` is never written. ``slab_probability`` is a float, or an array of shape ``(rows,)``: one per row.
    ``indicators``, if given, is a bool array of the shape of ``x2d`` that receives the slab indicators.
    """
    out = np.empty(x2d.shape, dtype=output_dtype(x2d.dtype))
    rows, d = x2d.shape
    per_row = np.ndim(slab_probability) > 0
    step = max(1, BLOCK // max(d, 1))
    for start in range(0, rows if out.size else 0, step):
        block_rows = slice(start, start + step)
        block = out[block_rows]
        rho = np.asarray(slab_probability)[block_rows, None] if per_row else slab_probability
        z = None if indicators is None else indicators[block_rows]
        spike_and_slab(bit_generator, block, spike, slab, slab_probability=rho, indicators=z)
        np.add(block, x2d[block_rows], out=block)
    return out
