"""``NNPE``: the drop-in replacement for ``bayesflow.augmentations.NNPE``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from .moments import zscore_statistics
from .settings import NoiseSettings, with_settings_signature
from .source import NoiseSource
from .standardization import StandardizationGuard
from .validation import UNIFORM, check_scale, check_slab_probability

__all__ = ["NNPE", "NNPEWithIndicators"]


class NNPE(NoiseSource):
    """Noisy neural posterior estimation: spike-and-slab noise for training batches [1]_.

    Adds, independently per element, Cauchy(0, slab) noise with probability ``slab_probability`` (a fair coin by
    default) or else Normal(0, spike) noise to the data, as a mild augmentation that makes amortized posteriors
    robust to noisy, misspecified real data (see [1]_, [2]_ for benchmarks). Same signature and behaviour as
    ``bayesflow.augmentations.NNPE``, with the upstream defects fixed: a scalar scale works with
    ``per_dimension=True``, float32 stays float32, integer data receives the full noise, bad input gets an error
    that says what to do, and worker processes never share noise.

    BayesFlow applies augmentations to the raw simulations, *before* the adapter. Ward et al.'s recipe is noise at
    the scales 0.01 and 0.25 on data z-scored with statistics of clean simulations; on raw data,
    :meth:`from_simulations` gives exactly that. Scales left at None are set per batch to ``DEFAULT_SPIKE`` and
    ``DEFAULT_SLAB`` times the standard deviation of the batch: per dimension of the last axis if
    ``per_dimension=True``, else over all entries.

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
        fresh entropy. Copies in ``PyDataset`` worker processes reseed themselves, so workers never repeat noise;
        in a distributed job (JAX or torch), process ``i`` draws the ``i``-th ``SeedSequence`` child of the seed.
    slab_probability : float, default=0.5
        Keyword only. The prior probability ``rho`` that an element is misspecified, i.e. gets the slab. Ward et al.
        use 0.5 and suggest changing it when more or fewer summaries are expected to be misspecified; 0 gives the
        spike alone.

    Attributes
    ----------
    spike_scale, slab_scale, per_dimension, seed, slab_probability
        The settings in use: assigning one validates it and changes the noise drawn next (``seed`` restarts the
        stream). Scales read as None, a float, or a read-only array.
    rng : numpy.random.Generator
        A generator sharing the noise stream; assigning a ``numpy.random.Generator`` makes the noise draw from it.
    DEFAULT_SPIKE, DEFAULT_SLAB : float
        Factors of automatic scales (0.01 and 0.25); subclasses may override them.

    Raises
    ------
    TypeError
        If a scale or ``slab_probability`` is not numeric, or ``seed`` is not an int or None.
    ValueError
        If a scale is negative, not finite, or an array while ``per_dimension=False``, ``seed`` is negative, or
        ``slab_probability`` lies outside [0, 1].

    Warns
    -----
    UserWarning
        Once each: when the noise feeds an approximator that standardizes its conditions with running moments
        (see :func:`bayesflow_nnpe.check_standardization`); when automatic scales are zero for a whole batch; when
        manual scales meet data far from the scale they are made for (e.g. absolute scales on raw data).

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

    @with_settings_signature
    def __init__(
        self,
        spike_scale: npt.ArrayLike | None = None,
        slab_scale: npt.ArrayLike | None = None,
        per_dimension: bool = True,
        seed: int | None = None,
        **settings: Any,
    ):
        upstream = {"spike_scale": spike_scale, "slab_scale": slab_scale, "per_dimension": per_dimension, "seed": seed}
        super().__init__(NoiseSettings.of(type(self).__name__, upstream | settings))
        self._guard = StandardizationGuard(self.__repr__)

    @classmethod
    @with_settings_signature
    def from_simulations(
        cls,
        clean: npt.ArrayLike,
        *,
        spike_scale: float | None = None,
        slab_scale: float | None = None,
        per_dimension: bool = True,
        **settings: Any,
    ) -> NNPE:
        """Ward et al.'s recipe for raw data: noise at z-scale ``spike_scale`` / ``slab_scale`` times the clean std.

        Adding this noise to raw data is the same as z-scoring with the statistics of the clean simulations,
        adding noise at the scales meant for standardized data, and undoing the z-score. As an augmentation of
        ``BasicWorkflow.fit_*`` it leaves the validation data clean (augmentations never touch them), so the
        validation loss measures the posterior on clean data.

        Parameters
        ----------
        clean : array_like
            Clean simulations of the key to perturb, shape ``(n, ..., d)``, e.g. ``simulator.sample(10_000)["x"]``.
        spike_scale, slab_scale : float, optional
            Scales on the standardized scale; default ``cls.DEFAULT_SPIKE`` (0.01) and ``cls.DEFAULT_SLAB`` (0.25).
        per_dimension : bool, default=True
            One std per dimension of the last axis, taken over all other axes (Ward et al.'s per-summary z-score);
            or, if False, one std over all entries.
        **settings
            The other noise settings (``seed``, ``slab_probability``), as in :class:`NNPE`.

        Returns
        -------
        NNPE
            With ``spike_scale = spike_scale * std`` and ``slab_scale = slab_scale * std`` (arrays of length ``d``
            with ``per_dimension=True``, floats otherwise), ``std`` from :func:`bayesflow_nnpe.zscore_statistics`:
            a dimension that is constant in ``clean`` has std 1 there, so its noise is the z-scale noise, as
            ``standardize_then_nnpe`` gives it after shifting the constant to zero.

        Raises
        ------
        TypeError
            If ``clean`` is a dict (pass the array of one key) or not real numeric, or a scale is not a number.
        ValueError
            If ``clean`` holds NaN or inf, fewer than two simulations, or is 0-d; or a scale is negative, not
            finite, or not a scalar.

        Examples
        --------
        >>> import numpy as np
        >>> from bayesflow_nnpe import NNPE
        >>> clean = np.random.default_rng(0).normal([0.0, 100.0], [1.0, 20.0], size=(10_000, 2))
        >>> nnpe = NNPE.from_simulations(clean, seed=1)
        >>> np.round(nnpe.slab_scale, 1)  # 0.25 times the clean std of each dimension
        array([0.2, 5. ])
        """
        spike = check_scale("spike_scale", cls.DEFAULT_SPIKE if spike_scale is None else spike_scale, False)
        slab = check_scale("slab_scale", cls.DEFAULT_SLAB if slab_scale is None else slab_scale, False)
        std = zscore_statistics(clean, per_dimension=per_dimension, caller=f"{cls.__name__}.from_simulations").std
        return cls(float(spike) * std, float(slab) * std, per_dimension=per_dimension, **settings)

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
        self._guard()
        return self.noisy(data, caller=type(self).__name__)

    def with_indicators(self, key: str, into: str, *, clean_fraction: float = 0.0) -> NNPEWithIndicators:
        """A whole-batch augmentation: this noise on ``batch[key]``, and its slab indicators under ``batch[into]``.

        For a posterior network that is told which summaries got the slab (:class:`bayesflow_nnpe.RobustPosterior`):
        concatenate ``key`` and ``into`` into the inference conditions. It draws from this NNPE's stream, with its
        settings, so the noise on ``key`` is exactly this NNPE's (with ``clean_fraction=0``).

        Parameters
        ----------
        key : str
            The entry of the batch to perturb.
        into : str
            The entry that receives the slab indicators: 0/1, float32, the shape of ``batch[key]``.
        clean_fraction : float, default=0.0
            The fraction of samples (vectors along the last axis) that get no slab at all, only the spike. The
            posterior given the indicators does not depend on how often each pattern is seen in training, only how
            well it is learned: ``slab_probability="uniform"`` spreads the training over every number of slabs, and
            ``clean_fraction=0.5`` gives the all-clean pattern, where the robust posterior must match NPE, half of it.

        Returns
        -------
        NNPEWithIndicators
            Pass it as ``augmentations=`` (a whole-batch augmentation) to a dataset or ``BasicWorkflow.fit_*``.

        Examples
        --------
        >>> import numpy as np
        >>> from bayesflow_nnpe import NNPE
        >>> augmentation = NNPE(0.01, 0.25, seed=1).with_indicators("x", into="x_slab")
        >>> batch = augmentation({"x": np.zeros((64, 3), dtype=np.float32), "theta": np.ones((64, 1))})
        >>> sorted(batch), batch["x_slab"].dtype, sorted(np.unique(batch["x_slab"]).tolist())
        (['theta', 'x', 'x_slab'], dtype('float32'), [0.0, 1.0])

        Clean data (validation, or observations at inference) have no slab anywhere:

        >>> validation = augmentation.clean({"x": np.zeros((8, 3)), "theta": np.ones((8, 1))})
        >>> float(validation["x_slab"].sum())
        0.0
        """
        return NNPEWithIndicators(self, key, into, clean_fraction=clean_fraction)

    def __repr__(self) -> str:
        config = ", ".join(f"{name}={value!r}" for name, value in self.settings.to_config().items())
        return f"{type(self).__name__}({config})"


class NNPEWithIndicators:
    """NNPE noise on one entry of a batch, with its slab indicators in another: a whole-batch augmentation.

    Made by :meth:`NNPE.with_indicators`; see there.

    Attributes
    ----------
    nnpe : NNPE
        The noise (its settings and stream).
    key, into : str
        The entry perturbed and the entry that receives the indicators.
    clean_fraction : float
        The fraction of samples that get no slab (see :meth:`NNPE.with_indicators`).
    """

    def __init__(self, nnpe: NNPE, key: str, into: str, *, clean_fraction: float = 0.0):
        if not isinstance(nnpe, NNPE):
            raise TypeError(f"NNPEWithIndicators wraps an NNPE, got {type(nnpe).__name__}.")
        for name, value in (("key", key), ("into", into)):
            if not isinstance(value, str):
                raise TypeError(f"{name} must be the name of a batch entry (str), got {value!r}.")
        if key == into:
            raise ValueError(f"into must differ from key: the indicators would overwrite the data {key!r}.")
        self.nnpe, self.key, self.into = nnpe, key, into
        self.clean_fraction = check_slab_probability(clean_fraction, "clean_fraction")

    def __call__(self, batch: Mapping[str, Any], **kwargs: Any) -> dict[str, Any]:
        """A new batch: ``batch[key]`` noisy, ``into`` its slab indicators (float32); ``batch`` is not modified."""
        self._check(batch)
        self.nnpe._guard()
        rho = self._slab_probabilities(np.shape(batch[self.key]))
        noisy, z = self.nnpe.noisy(batch[self.key], caller=repr(self), indicators=True, slab_probability=rho)
        return {**batch, self.key: noisy, self.into: z.astype(np.float32)}

    def _slab_probabilities(self, shape: tuple[int, ...]) -> np.ndarray | None:
        """None (the NNPE's setting), or one slab probability per sample: 0 for the clean fraction."""
        if self.clean_fraction == 0.0 or not shape:
            return None
        rng, rho = self.nnpe.rng, self.nnpe.slab_probability
        samples = shape[:-1]
        drawn = rng.uniform(size=samples) if rho == UNIFORM else np.full(samples, float(rho))
        return np.where(rng.uniform(size=samples) < self.clean_fraction, 0.0, drawn)

    def clean(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """A new dict: ``data`` with indicators that are all zero (no slab): for validation data and observations."""
        self._check(data)
        return {**data, self.into: np.zeros(np.shape(data[self.key]), dtype=np.float32)}

    def _check(self, batch: Any) -> None:
        if not isinstance(batch, Mapping):
            raise TypeError(
                f"{self!r} is a whole-batch augmentation: pass it as augmentations={self!r} (not in a mapping), so "
                f"that it receives the batch dict; got {type(batch).__name__}."
            )
        if self.key not in batch:
            raise KeyError(f"{self!r}: the batch has no entry {self.key!r} (entries: {list(batch)}).")
        if self.into in batch:
            raise ValueError(
                f"{self!r}: the batch already has an entry {self.into!r}; choose another name for the indicators."
            )

    def __repr__(self) -> str:
        clean = f", clean_fraction={self.clean_fraction!r}" if self.clean_fraction else ""
        return f"{self.nnpe!r}.with_indicators({self.key!r}, into={self.into!r}{clean})"
