"""``NNPE``: the drop-in replacement for ``bayesflow.augmentations.NNPE``."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from .noise import DEFAULT_SLAB, DEFAULT_SPIKE, SpikeSlabNoise

__all__ = ["NNPE"]


class NNPE:
    """Noisy neural posterior estimation: spike-and-slab noise for training batches [1]_.

    Adds, independently per element, Normal(0, spike) noise or Cauchy(0, slab) noise (chosen by a fair coin) to
    the data, as a mild augmentation that makes amortized posteriors robust to noisy, misspecified real data
    (see [1]_, [2]_ for benchmarks). Same signature and behaviour as ``bayesflow.augmentations.NNPE``, with the
    upstream defects fixed: a scalar scale works with ``per_dimension=True``, float32 stays float32, integer data
    receives the full noise, bad input gets an error that says what to do, and worker processes never share
    noise.

    Scales left at None are set per batch to the defaults of [1]_ (which assume standardized data) times the
    standard deviation of the batch: per dimension of the last axis if ``per_dimension=True``, else over all
    entries. The original method of [1]_ is ``NNPE(spike_scale=0.01, slab_scale=0.25, per_dimension=False)``
    on data standardized with statistics of clean simulations.

    Parameters
    ----------
    spike_scale : float or array_like or None, default=None
        Scale of the Normal spike. A non-negative scalar (for all dimensions), or, with ``per_dimension=True``,
        a 1D array of length ``data.shape[-1]``. None: ``DEFAULT_SPIKE`` times the batch std.
    slab_scale : float or array_like or None, default=None
        Scale of the Cauchy slab, as ``spike_scale``. None: ``DEFAULT_SLAB`` times the batch std.
    per_dimension : bool, default=True
        Whether automatic scales (and array scales) act per dimension of the last axis, or globally.
    seed : int or None, default=None
        Seed of the noise stream: the same seed gives the same sequence of outputs in one process. None draws
        fresh entropy. Copies in ``PyDataset`` worker processes reseed themselves, so workers never repeat noise.

    Raises
    ------
    TypeError
        If a scale is not numeric, or ``seed`` is not a non-negative int or None.
    ValueError
        If a scale is negative, not finite, or an array while ``per_dimension=False``.

    See Also
    --------
    bayesflow_nnpe.NNPETransform : the same noise as an adapter transform, ``bf.Adapter().nnpe("x")``.

    References
    ----------
    .. [1] Ward, D., Cannon, P., Beaumont, M., Fasiolo, M., & Schmon, S. (2022). Robust neural posterior
       estimation and statistical model criticism. Advances in Neural Information Processing Systems, 35,
       33845-33859.
    .. [2] Elsemüller, L., Pratz, V., von Krause, M., Voss, A., Bürkner, P. C., & Radev, S. T. (2025). Does
       Unsupervised Domain Adaptation Improve the Robustness of Amortized Bayesian Inference? A Systematic
       Evaluation. arXiv:2502.04949.

    Examples
    --------
    >>> import numpy as np
    >>> from bayesflow_nnpe import NNPE
    >>> nnpe = NNPE(spike_scale=0.01, slab_scale=0.2, per_dimension=True, seed=42)
    >>> x = np.zeros((64, 3), dtype=np.float32)
    >>> noisy = nnpe(x)
    >>> noisy.shape, noisy.dtype, bool(np.all(x == 0))
    ((64, 3), dtype('float32'), True)

    In a BayesFlow dataset, map it to the key to perturb:

    >>> dataset = bf.datasets.OnlineDataset(  # doctest: +SKIP
    ...     simulator, batch_size=64, num_batches=100, adapter=adapter, augmentations={"x": NNPE(seed=42)}
    ... )
    """

    DEFAULT_SPIKE: float = DEFAULT_SPIKE
    DEFAULT_SLAB: float = DEFAULT_SLAB

    def __init__(
        self,
        spike_scale: npt.ArrayLike | None = None,
        slab_scale: npt.ArrayLike | None = None,
        per_dimension: bool = True,
        seed: int | None = None,
    ):
        self._noise = SpikeSlabNoise(spike_scale, slab_scale, per_dimension, seed)
        self.spike_scale = spike_scale
        self.slab_scale = slab_scale
        self.per_dimension = self._noise.per_dimension
        self.seed = seed

    @property
    def rng(self) -> np.random.Generator:
        """A ``numpy.random.Generator`` sharing this augmentation's noise stream."""
        return self._noise.stream.generator

    def __call__(self, data: npt.ArrayLike, **kwargs: Any) -> np.ndarray:
        """Return a noisy copy of ``data``; ``data`` itself is never modified.

        Parameters
        ----------
        data : array_like
            Real numeric data (float, int or bool); the last axis holds the dimensions.
        **kwargs
            Ignored (BayesFlow may pass keyword arguments to augmentations).

        Returns
        -------
        np.ndarray
            A new array of the shape of ``data``: float32 for float32 (and float16) data, float64 otherwise.

        Raises
        ------
        TypeError
            If ``data`` is a dict (map NNPE to a key instead) or not real numeric.
        ValueError
            If ``data`` holds NaN or inf, is 0-d while ``per_dimension=True``, or an array scale does not match
            ``data.shape[-1]``.
        """
        return self._noise(data, caller=type(self).__name__)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(spike_scale={self.spike_scale!r}, slab_scale={self.slab_scale!r}, "
            f"per_dimension={self.per_dimension!r}, seed={self.seed!r})"
        )
