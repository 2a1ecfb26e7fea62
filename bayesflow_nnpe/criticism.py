"""Amortized model criticism: which summaries did the simulator get wrong, judged jointly, at any prior ``rho``.

Ward et al. (2022) criticise a model with the spike-and-slab error model of NNPE: an observed summary vector is
``y = x + eps``, with ``x`` a clean simulation (z-scored with statistics of clean simulations) and, per summary,
``eps ~ Cauchy(0, slab)`` if the summary is misspecified (``z = 1``) or ``Normal(0, spike)`` otherwise, with prior
``P(z_j = 1) = rho_j``. RNPE samples ``p(z | y)`` by MCMC, observation by observation. Because ``(y, z)`` pairs can be
drawn at will, a network trained by maximum likelihood from ``y`` to ``z`` converges to that posterior, and then
criticises any number of observations at network speed: :class:`MisspecificationCritic`.

The critic models the *joint* ``p(z | y)`` with an autoregressive network (NADE: Larochelle & Murray, 2011) trained
under a mixture prior, ``rho ~ Uniform(0, 1)`` per simulation, so that patterns with few and with many misspecified
summaries are all common in training. For any other prior, a scalar ``rho`` or one ``rho_j`` per summary, the
posterior follows by exact reweighting, with no retraining::

    p_rho(z | y)  is proportional to  q(z | y) * p_rho(z) / p_train(z).

Up to :data:`EXACT_MAX_SUMMARIES` summaries, every pattern is enumerated (exact given the network); above, patterns
are drawn from the network tilted towards the target prior and reweighted (self-normalized importance sampling), with
a warning when the effective sample size is low.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
import numpy.typing as npt
from bayesflow.utils.serialization import serializable

from . import compat
from .moments import zscore_statistics
from .noise import SpikeSlabNoise
from .settings import DEFAULT_SLAB, DEFAULT_SLAB_PROBABILITY, DEFAULT_SPIKE
from .validation import (
    UNIFORM,
    as_numeric_array,
    check_finite,
    check_scale,
    check_seed,
    check_slab_probability,
    check_slab_probability_setting,
)

__all__ = ["EXACT_MAX_SUMMARIES", "MisspecificationCritic"]

EXACT_MAX_SUMMARIES = 12
"""Up to this many summaries the critic enumerates all ``2**d`` patterns of ``z``; above, it samples them."""
PROPOSALS = 1024
"""Patterns drawn per observation above :data:`EXACT_MAX_SUMMARIES` (importance sampling)."""
MIN_EFFECTIVE_SAMPLES = 50
"""Importance sampling warns when an observation's effective sample size falls below this."""
EM_MAX_ITERATIONS = 2000
"""Iterations of the empirical-Bayes EM at most."""
EM_TOLERANCE = 1e-7
"""The EM stops when no ``rho_j`` moves by more than this."""
EM_PROPOSAL_FLOOR = 0.02
"""Above :data:`EXACT_MAX_SUMMARIES`, the empirical-Bayes EM draws its patterns at its current estimate kept this far
inside (0, 1)."""
RHO_FLOOR = 1e-9
"""The empirical-Bayes estimate stays this far inside (0, 1), so that no pattern becomes impossible."""
PREDICT_CHUNK = 4096
"""Observations per forward pass of the network at inference; shorter chunks are padded to it, so that the forward
pass is traced once, whatever the number of observations."""
_CHUNK_ELEMENTS = 1 << 22
"""Elements of the largest scratch array of enumeration and sampling (float32: 16 MiB)."""


def _log_sigmoid(x: np.ndarray) -> np.ndarray:
    """``log(1 / (1 + exp(-x)))`` without overflow."""
    return -np.logaddexp(0.0, -x)


def _logit(p: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(p) - np.log1p(-p)


def patterns(d: int) -> np.ndarray:
    """All ``2**d`` indicator patterns, shape ``(2**d, d)``: pattern ``p`` has ``z_j = (p >> j) & 1``."""
    return ((np.arange(2**d)[:, None] >> np.arange(d)) & 1).astype(np.float32)


def _log_prior(z: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """``log p_rho(z)`` for patterns ``z`` (..., d) under independent ``Bernoulli(rho_j)``; ``-inf`` if impossible."""
    with np.errstate(divide="ignore"):
        return np.where(z > 0.5, np.log(rho), np.log1p(-rho)).sum(axis=-1)


@dataclass(frozen=True)
class _Weighted:
    """Patterns of ``z`` per observation and base log weights: ``p_rho(z | y)`` is proportional to
    ``exp(base + log p_rho(z))`` over them (all patterns: exact; drawn patterns: importance sampling)."""

    z: np.ndarray  # (P, d) shared by all observations, or (m, S, d)
    base: np.ndarray  # (m, P) or (m, S)

    def weights(self, rho: np.ndarray) -> np.ndarray:
        """Normalized weights per observation at prior ``rho``, shape of ``base``."""
        log_w = self.base + _log_prior(self.z, rho)
        log_w -= log_w.max(axis=-1, keepdims=True)
        w = np.exp(log_w)
        return w / w.sum(axis=-1, keepdims=True)

    def marginals(self, rho: np.ndarray) -> np.ndarray:
        """``p_rho(z_j = 1 | y)``, shape ``(m, d)``."""
        w = self.weights(rho)
        return w @ self.z if self.z.ndim == 2 else np.einsum("ms,msd->md", w, self.z)

    def log_likelihood(self, rho: np.ndarray) -> float:
        """``sum_i log p_rho(y_i)`` up to a constant that does not depend on ``rho``."""
        log_w = self.base + _log_prior(self.z, rho)
        top = log_w.max(axis=-1, keepdims=True)
        return float(np.sum(top[..., 0] + np.log(np.exp(log_w - top).sum(axis=-1))))


class _NoisyBatches(keras.utils.PyDataset):
    """Training batches ``((y, z), z)``: clean simulations plus fresh noise, with ``rho`` drawn per simulation."""

    def __init__(
        self,
        clean: np.ndarray,
        noise: SpikeSlabNoise,
        prior: str | float,
        batch_size: int,
        seed: int | None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.clean, self.noise, self.prior, self.batch_size = clean, noise, prior, batch_size
        self.rng = np.random.default_rng(seed)
        self.order = self.rng.permutation(len(clean))

    def __len__(self) -> int:
        return math.ceil(len(self.clean) / self.batch_size)

    def __getitem__(self, index: int) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
        rows = self.order[index * self.batch_size : (index + 1) * self.batch_size]
        return noisy_pairs(self.clean[rows], self.noise, self.prior)

    def on_epoch_end(self) -> None:
        self.order = self.rng.permutation(len(self.clean))


def noisy_pairs(
    clean: np.ndarray, noise: SpikeSlabNoise, prior: str | float
) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
    """``((y, z), z)`` for clean simulations ``(n, d)``: the noise at slab probability ``prior`` (a float, or
    ``"uniform"``: ``rho ~ U(0, 1)`` per simulation) and its slab indicators."""
    y, z = noise(clean, caller="MisspecificationCritic", indicators=True, slab_probability=prior)
    z = z.astype(np.float32)
    return (y.astype(np.float32), z), z


@serializable("bayesflow_nnpe")
class MisspecificationCritic(keras.Model):
    """Amortized model criticism: which summary statistics the simulator got wrong, jointly, at any prior [1]_.

    Trained on clean simulations only. :meth:`fit` z-scores them with their own mean and std (Ward et al.'s recipe,
    inside the model), draws fresh spike-and-slab noise ``y = x + eps`` with its slab indicators ``z`` for every
    batch, and trains an autoregressive network ``q(z | y)`` by maximum likelihood. Its optimum is the error model's
    posterior: what RNPE samples by MCMC for each observation, here for any number of observations at network speed.

    * :meth:`inclusion_probabilities`: ``p(z_j = 1 | y)`` per summary (Ward et al.'s posterior inclusion
      probabilities), at any prior ``rho``: a float, or one per summary.
    * :meth:`sample_indicators`: joint draws of ``z``, e.g. to marginalize a posterior network over them
      (:class:`bayesflow_nnpe.RobustPosterior`).
    * :meth:`estimate_slab_probability`: the prior ``rho`` that best explains a set of observations (empirical
      Bayes): near 1 for a summary that is wrong in every observation, near 0 on clean data.

    Parameters
    ----------
    spike_scale, slab_scale : float, default=0.01, 0.25
        Scales of the error model on z-scored summaries (Ward et al.'s defaults).
    slab_probability : float, default=0.5
        The prior ``rho`` that a summary is misspecified, used when a method is not given one. In (0, 1).
    seed : int or None, default=None
        Seeds the training noise, the shuffling, the validation split and the network's initial weights.
    widths : sequence of int, default=(256, 256, 256)
        Hidden layers of the network that reads the observation.
    joint_width : int, default=64
        Hidden units of the autoregressive part that models the dependence between indicators.
    activation : str, default="silu"
        Activation of the hidden layers that read the observation (the autoregressive part uses silu).
    training_prior : "uniform" or float, default="uniform"
        The prior of ``z`` in training: ``"uniform"`` draws ``rho ~ U(0, 1)`` per simulation (every number of
        misspecified summaries is equally likely, so reweighting to any ``rho`` stays accurate); a float trains at
        that fixed ``rho`` (accurate near it only).
    **kwargs
        Passed to ``keras.Model``.

    Attributes
    ----------
    summary_shape : tuple of int or None
        The shape of one observation's summaries (the trailing axes of the clean data), once fitted.
    summary_mean, summary_std : np.ndarray
        The z-scoring of the clean simulations (shape ``summary_shape``), once fitted.

    Notes
    -----
    As a keras model, the critic maps ``(observed, indicators)``, raw summaries and slab indicators of shape
    ``(m, d)``, to the logits of the autoregressive conditionals ``q(z_j = 1 | y, z_<j)`` under the training prior;
    ``predict`` and ``__call__`` keep that contract. The z-scoring runs inside the model in float32: summaries whose
    mean is more than about 1e5 times their std lose precision (center them first).

    References
    ----------
    .. [1] Ward, D., Cannon, P., Beaumont, M., Fasiolo, M., & Schmon, S. (2022). Robust neural posterior
       estimation and statistical model criticism. Advances in Neural Information Processing Systems, 35.

    Examples
    --------
    >>> import numpy as np
    >>> from bayesflow_nnpe import MisspecificationCritic
    >>> rng = np.random.default_rng(0)
    >>> theta = rng.normal(size=(20_000, 1))
    >>> clean = theta + 0.3 * rng.normal(size=(20_000, 4))  # 4 sensors read one parameter
    >>> critic = MisspecificationCritic(seed=1, widths=(64, 64))
    >>> history = critic.fit(clean, epochs=3, verbose=0)
    >>> observed = clean[0].copy()
    >>> observed[2] += 5.0  # sensor 2 is off
    >>> p = critic.inclusion_probabilities(observed)
    >>> p.shape, int(np.argmax(p))
    ((4,), 2)
    """

    def __init__(
        self,
        spike_scale: float = DEFAULT_SPIKE,
        slab_scale: float = DEFAULT_SLAB,
        slab_probability: float = DEFAULT_SLAB_PROBABILITY,
        seed: int | None = None,
        *,
        widths: Sequence[int] = (256, 256, 256),
        joint_width: int = 64,
        activation: str = "silu",
        training_prior: str | float = UNIFORM,
        summary_shape: Sequence[int] | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.spike_scale = float(check_scale("spike_scale", spike_scale, per_dimension=False))
        self.slab_scale = float(check_scale("slab_scale", slab_scale, per_dimension=False))
        if self.slab_scale <= 0:
            raise ValueError("slab_scale must be positive: with no slab there is nothing to criticise.")
        self.slab_probability = check_slab_probability(slab_probability)
        if self.slab_probability in (0.0, 1.0):
            raise ValueError(
                f"slab_probability must lie strictly between 0 and 1 for criticism, got {slab_probability!r}: at 0 or "
                "1 every summary is known to be clean or misspecified before seeing data. Ward et al. use 0.5."
            )
        self.training_prior = _check_training_prior(training_prior)
        self.seed = check_seed(seed)
        self.widths = tuple(int(w) for w in widths)
        if not self.widths or min(self.widths) < 1:
            raise ValueError(f"widths must be a non-empty sequence of positive ints, got {widths!r}.")
        self.joint_width = int(joint_width)
        if self.joint_width < 1:
            raise ValueError(f"joint_width must be a positive int, got {joint_width!r}.")
        self.activation = activation
        self.summary_shape = None if summary_shape is None else tuple(int(s) for s in summary_shape)
        seeds = self._seeds()
        self.hidden = [
            keras.layers.Dense(width, activation=activation, kernel_initializer=keras.initializers.GlorotUniform(s))
            for width, s in zip(self.widths, seeds["layers"], strict=True)
        ]

    def _seeds(self) -> dict[str, Any]:
        """Independent seeds for each use of randomness, spawned from ``seed`` (all None without a seed)."""
        uses = ("noise", "shuffle", "split", "validation", "context", "bias", "joint_in", "joint_out")
        if self.seed is None:
            return {use: None for use in uses} | {"layers": [None] * len(self.widths)}
        children = np.random.SeedSequence(self.seed).spawn(len(uses) + len(self.widths))
        seeds = [int(child.generate_state(1)[0]) for child in children]
        return dict(zip(uses, seeds, strict=False)) | {"layers": seeds[len(uses) :]}

    # --- keras -------------------------------------------------------------------------------------------------------
    def build(self, input_shape: Any) -> None:
        observed_shape = input_shape[0] if isinstance(input_shape[0], (tuple, list)) else input_shape
        d = int(observed_shape[-1])
        if self.summary_shape is None:
            self.summary_shape = (d,)
        seeds = self._seeds()
        self.loc = self.add_weight(shape=(d,), initializer="zeros", trainable=False, name="summary_mean")
        self.scale = self.add_weight(shape=(d,), initializer="ones", trainable=False, name="summary_std")
        shape = (None, d)
        for layer in self.hidden:
            layer.build(shape)
            shape = (None, layer.units)
        glorot = keras.initializers.GlorotUniform
        self.context = keras.layers.Dense(self.joint_width, kernel_initializer=glorot(seeds["context"]))
        self.bias = keras.layers.Dense(d, kernel_initializer=glorot(seeds["bias"]))
        self.context.build(shape)
        self.bias.build(shape)
        self.joint_in = self.add_weight(shape=(d, self.joint_width), initializer=glorot(seeds["joint_in"]), name="w")
        self.joint_out = self.add_weight(shape=(d, self.joint_width), initializer=glorot(seeds["joint_out"]), name="v")
        self.built = True

    def call(self, inputs: Any, training: bool = False) -> Any:
        """Logits of ``q(z_j = 1 | y, z_<j)`` for ``inputs = (observed, indicators)``, both of shape ``(m, d)``."""
        if not isinstance(inputs, (tuple, list)) or len(inputs) != 2:
            raise TypeError(
                "MisspecificationCritic is called on (observed, indicators), both of shape (m, d), and returns the "
                "logits of the autoregressive conditionals. For probabilities per summary use "
                "critic.inclusion_probabilities(observed)."
            )
        observed, z = inputs
        context, bias = self._read(observed)
        z = keras.ops.cast(z, context.dtype)
        steps = z[:, :-1, None] * keras.ops.expand_dims(self.joint_in[:-1], 0)  # what z_j adds to later states
        before = keras.ops.concatenate([keras.ops.zeros_like(context)[:, None, :], keras.ops.cumsum(steps, axis=1)], 1)
        state = context[:, None, :] + before  # (m, d, H): state j holds z_<j only
        return self._readout(state, self.joint_out, bias)

    def _read(self, observed: Any) -> tuple[Any, Any]:
        """The observation's context of the autoregressive part, and the first-order logits ``(m, d)``."""
        h = keras.ops.arcsinh((observed - self.loc) / self.scale)  # heavy tails: linear in the bulk, log beyond
        for layer in self.hidden:
            h = layer(h)
        return self.context(h), self.bias(h)

    def _readout(self, state: Any, weights: Any, bias: Any) -> Any:
        """Logits from autoregressive states: ``bias + sum_h silu(state)_h * weights_h`` (broadcasting).

        Inference computes the same in numpy (:func:`_silu_readout`): the joint is enumerated or sampled there."""
        return bias + keras.ops.sum(keras.activations.silu(state) * weights, axis=-1)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "spike_scale": self.spike_scale,
            "slab_scale": self.slab_scale,
            "slab_probability": self.slab_probability,
            "seed": self.seed,
            "widths": list(self.widths),
            "joint_width": self.joint_width,
            "activation": self.activation,
            "training_prior": self.training_prior,
            "summary_shape": None if self.summary_shape is None else list(self.summary_shape),
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> MisspecificationCritic:
        return cls(**config)

    # --- fitting -----------------------------------------------------------------------------------------------------
    @property
    def summary_mean(self) -> np.ndarray:
        self._require_fitted()
        return np.asarray(keras.ops.convert_to_numpy(self.loc), dtype=np.float64).reshape(self.summary_shape)

    @property
    def summary_std(self) -> np.ndarray:
        self._require_fitted()
        return np.asarray(keras.ops.convert_to_numpy(self.scale), dtype=np.float64).reshape(self.summary_shape)

    @property
    def num_summaries(self) -> int:
        """The number of summaries ``d`` (the product of ``summary_shape``), once fitted."""
        self._require_fitted()
        return math.prod(self.summary_shape)

    def _require_fitted(self) -> None:
        if not self.built:
            raise RuntimeError("MisspecificationCritic: call fit(clean_simulations) first.")

    def fit(
        self,
        clean: npt.ArrayLike,
        *,
        epochs: int = 80,
        batch_size: int = 256,
        learning_rate: float = 2e-3,
        validation_split: float = 0.0,
        validation_data: npt.ArrayLike | None = None,
        verbose: str | int = "auto",
        callbacks: list[keras.callbacks.Callback] | None = None,
        **kwargs: Any,
    ) -> keras.callbacks.History:
        """Train on clean simulated summaries: fresh spike-and-slab noise every epoch, slab indicators as targets.

        Parameters
        ----------
        clean : array_like
            Clean simulated summaries, shape ``(n, d)``, or ``(n, ...)`` with all trailing axes as the summaries.
        epochs, batch_size : int, default=80, 256
            As in ``keras.Model.fit``.
        learning_rate : float, default=2e-3
            Initial learning rate of Adam with cosine decay to zero, used if the model is not compiled yet.
        validation_split : float, default=0.0
            Fraction of the clean simulations held out (at random, seeded) for a validation loss. The held-out
            simulations get one fixed noise draw, so that the validation loss is comparable across epochs.
        validation_data : array_like, optional
            Clean simulations for validation instead of a split, treated the same way.
        verbose, callbacks, **kwargs
            Passed to ``keras.Model.fit`` (progress bar, callbacks such as early stopping, ...).

        Returns
        -------
        keras.callbacks.History
            Training and validation loss per epoch: the negative log-likelihood of ``z`` per summary, in nats.

        Raises
        ------
        TypeError
            If ``clean`` is not real numeric.
        ValueError
            If ``clean`` holds NaN or inf, has fewer than 2 simulations or no summaries, its summaries have another
            shape than a previous fit's, or ``validation_split`` is not in [0, 1).
        """
        x = self._clean_array(clean, "clean")
        if not 0.0 <= validation_split < 1.0:
            raise ValueError(f"validation_split must lie in [0, 1), got {validation_split!r}.")
        seeds = self._seeds()
        if validation_split and validation_data is None:
            order = np.random.default_rng(seeds["split"]).permutation(len(x))
            held = max(1, int(round(validation_split * len(x))))
            x, validation_data = x[order[held:]], x[order[:held]]
        if len(x) < 2:
            raise ValueError(f"MisspecificationCritic.fit needs at least 2 clean simulations, got {len(x)}.")
        shape, x = x.shape[1:], x.reshape(len(x), -1)
        if not self.built:
            self.summary_shape = shape
            self.build(((None, x.shape[1]), (None, x.shape[1])))
            mean, std = zscore_statistics(x, caller="MisspecificationCritic.fit")
            self.loc.assign(mean.astype(np.float32))
            self.scale.assign(std.astype(np.float32))
        batches = _NoisyBatches(x, self._noise(seeds["noise"]), self.training_prior, int(batch_size), seeds["shuffle"])
        validation = None
        if validation_data is not None:
            val = self._clean_array(validation_data, "validation_data").reshape(-1, x.shape[1])
            validation = noisy_pairs(val, self._noise(seeds["validation"]), self.training_prior)
        if not self.compiled:
            schedule = keras.optimizers.schedules.CosineDecay(learning_rate, max(1, int(epochs) * len(batches)))
            self.compile(
                optimizer=keras.optimizers.Adam(schedule), loss=keras.losses.BinaryCrossentropy(from_logits=True)
            )
        kwargs.setdefault("shuffle", False)  # the batches shuffle themselves, from the seed
        with compat.gradients_enabled():  # bayesflow switches torch's autograd off on import
            return super().fit(
                batches, epochs=epochs, validation_data=validation, verbose=verbose, callbacks=callbacks, **kwargs
            )

    def _noise(self, seed: int | None) -> SpikeSlabNoise:
        """The error model on raw summaries: z-scale noise times the clean std (``NNPE.from_simulations``)."""
        std = self.summary_std.ravel()
        return SpikeSlabNoise(
            self.spike_scale * std, self.slab_scale * std, per_dimension=True, seed=seed, process=compat.process_index
        )

    def _clean_array(self, data: npt.ArrayLike, name: str) -> np.ndarray:
        x = as_numeric_array(data, f"MisspecificationCritic ({name})", "it needs an array of summaries.")
        if x.ndim < 2 or x.shape[0] == 0 or x[0].size == 0:
            raise ValueError(
                f"MisspecificationCritic: {name} must have shape (n, d) or (n, ...) with n >= 1 simulations and at "
                f"least one summary, got shape {x.shape}."
            )
        if self.summary_shape is not None and x.shape[1:] != self.summary_shape:
            raise ValueError(
                f"MisspecificationCritic: {name} has summaries of shape {x.shape[1:]}, but the critic was fitted on "
                f"summaries of shape {self.summary_shape}."
            )
        x2d = np.ascontiguousarray(x, dtype=np.float64).reshape(len(x), -1)
        check_finite(x2d, "MisspecificationCritic", name)
        return x2d.reshape(x.shape)

    # --- criticism ----------------------------------------------------------------------------------------------------
    def inclusion_probabilities(
        self, observed: npt.ArrayLike, *, slab_probability: npt.ArrayLike | None = None
    ) -> np.ndarray:
        """The probability, per summary, that the simulator got it wrong: ``p_rho(z_j = 1 | y)``.

        Parameters
        ----------
        observed : array_like
            Observed (raw, not z-scored) summaries: one observation of shape ``summary_shape``, or ``m`` of shape
            ``(m, *summary_shape)``.
        slab_probability : float or array_like, optional
            The prior ``rho``: a float, or one per summary (shape ``summary_shape``), in [0, 1]. Default: the
            critic's ``slab_probability``. No retraining: the joint is reweighted exactly.

        Returns
        -------
        np.ndarray
            Probabilities in [0, 1], of the shape of ``observed``. Compare them with the prior: above it, the data
            speak for misspecification of that summary.

        Raises
        ------
        RuntimeError
            If the critic is not fitted.
        TypeError
            If ``observed`` or ``slab_probability`` is not real numeric.
        ValueError
            If ``observed`` holds NaN or inf or its summaries do not have the fitted shape, or ``slab_probability``
            has the wrong shape or lies outside [0, 1].
        """
        y, single = self._observations(observed, "inclusion_probabilities")
        rho = self._prior(slab_probability)
        p = self._weighted(y, rho).marginals(rho)
        return self._shaped(p[0] if single else p, single)

    def pattern_probabilities(
        self, observed: npt.ArrayLike, *, slab_probability: npt.ArrayLike | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The joint ``p_rho(z | y)`` of every pattern of indicators, for up to :data:`EXACT_MAX_SUMMARIES` summaries.

        Parameters
        ----------
        observed, slab_probability
            As in :meth:`inclusion_probabilities`.

        Returns
        -------
        patterns : np.ndarray
            All ``2**d`` patterns, shape ``(2**d, d)`` (0/1, float32): pattern ``p`` has ``z_j = (p >> j) & 1``.
        probabilities : np.ndarray
            Their probabilities, shape ``(m, 2**d)``, or ``(2**d,)`` for one observation; each row sums to 1.

        Raises
        ------
        ValueError
            If the critic has more than :data:`EXACT_MAX_SUMMARIES` summaries (use :meth:`sample_indicators`), or
            as :meth:`inclusion_probabilities`.
        """
        y, single = self._observations(observed, "pattern_probabilities")
        d = self.num_summaries
        if d > EXACT_MAX_SUMMARIES:
            raise ValueError(
                f"pattern_probabilities enumerates 2**d patterns, which is only done up to d = {EXACT_MAX_SUMMARIES} "
                f"summaries; this critic has d = {d}. Use sample_indicators(observed, num_samples) instead."
            )
        rho = self._prior(slab_probability)
        w = self._weighted(y, rho).weights(rho)
        return patterns(d), w[0] if single else w

    def sample_indicators(
        self,
        observed: npt.ArrayLike,
        num_samples: int,
        *,
        slab_probability: npt.ArrayLike | None = None,
        seed: int | None = None,
    ) -> np.ndarray:
        """Joint draws of the slab indicators ``z ~ p_rho(z | y)``: which summaries are misspecified, together.

        Parameters
        ----------
        observed : array_like
            One observation of shape ``summary_shape``, or ``m`` of shape ``(m, *summary_shape)``.
        num_samples : int
            Draws per observation.
        slab_probability : float or array_like, optional
            The prior ``rho``, as in :meth:`inclusion_probabilities`.
        seed : int or None, default=None
            Seed of the draws.

        Returns
        -------
        np.ndarray
            0/1 indicators (float32) of shape ``(m, num_samples, *summary_shape)``, or ``(num_samples,
            *summary_shape)`` for one observation.

        Notes
        -----
        Up to :data:`EXACT_MAX_SUMMARIES` summaries the draws are exact given the network (from the enumerated
        joint). Above, :data:`PROPOSALS` (or ``num_samples``, if more) patterns per observation are drawn from the
        network, tilted towards the prior ``rho``, and resampled by their importance weights; a warning names the
        observations whose effective sample size falls below :data:`MIN_EFFECTIVE_SAMPLES`.
        """
        y, single = self._observations(observed, "sample_indicators")
        if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) or num_samples < 1:
            raise ValueError(f"num_samples must be a positive int, got {num_samples!r}.")
        rho = self._prior(slab_probability)
        rng = np.random.default_rng(check_seed(seed))
        weighted = self._weighted(y, rho, rng=rng, proposals=max(PROPOSALS, int(num_samples)))
        w = weighted.weights(rho)
        index = _categorical(w, int(num_samples), rng)
        z = weighted.z[index] if weighted.z.ndim == 2 else np.take_along_axis(weighted.z, index[..., None], axis=1)
        z = z.reshape(len(y), int(num_samples), *self.summary_shape).astype(np.float32)
        return z[0] if single else z

    def estimate_slab_probability(
        self, observed: npt.ArrayLike, *, per_summary: bool = True, seed: int | None = None
    ) -> np.ndarray | float:
        """The prior ``rho`` that best explains a set of observations: empirical Bayes, by EM.

        Maximizes the marginal likelihood ``prod_i p_rho(y_i)`` over ``rho``. Each EM step sets ``rho_j`` to the
        mean over observations of ``p_rho(z_ij = 1 | y_i)`` (SQUAREM-accelerated). A summary that is wrong in every
        observation gets ``rho_j`` near 1; on clean data, ``rho`` goes to 0.

        Parameters
        ----------
        observed : array_like
            The observations, shape ``(m, *summary_shape)``; at least one.
        per_summary : bool, default=True
            One ``rho_j`` per summary (an array of shape ``summary_shape``), or one ``rho`` for all (a float).
        seed : int or None, default=None
            Seed of the importance sampling above :data:`EXACT_MAX_SUMMARIES` summaries (unused below).

        Returns
        -------
        np.ndarray or float
            The estimate, to pass as ``slab_probability`` to the other methods and to
            :meth:`bayesflow_nnpe.RobustPosterior.sample`.
        """
        y, _ = self._observations(observed, "estimate_slab_probability")
        if not len(y):
            raise ValueError("estimate_slab_probability needs at least one observation, got none.")
        per_summary = bool(per_summary)
        rng = np.random.default_rng(check_seed(seed))
        rho = np.full(self.num_summaries, self.slab_probability)
        if self.num_summaries > EXACT_MAX_SUMMARIES:
            warnings.warn(
                f"MisspecificationCritic.estimate_slab_probability: {self.num_summaries} summaries are more than "
                f"{EXACT_MAX_SUMMARIES}, so the EM runs on sampled patterns (Monte Carlo EM), not on all of them. "
                "The estimate is approximate: a summary whose clean readings the slab explains almost as well as the "
                "spike can drift to rho near 1 (on 50 sensors, one clean sensor did where the exact estimate was 0). "
                "Check flagged summaries with inclusion_probabilities at a fixed rho.",
                UserWarning,
                stacklevel=2,
            )
        for _ in range(1 if self.num_summaries <= EXACT_MAX_SUMMARIES else 6):  # fresh proposals at the estimate
            # proposals drawn at the estimate kept inside [EM_PROPOSAL_FLOOR, 1 - EM_PROPOSAL_FLOOR]: at rho_j near 0
            # or 1 they would all agree on z_j, and the EM could never move rho_j back
            proposal = np.clip(rho, EM_PROPOSAL_FLOOR, 1.0 - EM_PROPOSAL_FLOOR)
            weighted = self._weighted(y, rho, rng=rng, warn=False, proposal=proposal)
            rho = _em(weighted, rho, per_summary)
        return self._shaped(rho, True) if per_summary else float(rho[0])

    # --- the joint, exact or sampled ----------------------------------------------------------------------------------
    def _observations(self, observed: npt.ArrayLike, method: str) -> tuple[np.ndarray, bool]:
        """Observations as float32 ``(m, d)``, and whether one observation was passed."""
        self._require_fitted()
        caller = f"MisspecificationCritic.{method}"
        x = as_numeric_array(observed, caller, "it needs an array of summaries.")
        shape, k = self.summary_shape, len(self.summary_shape)
        if x.shape != shape and (x.ndim != k + 1 or x.shape[1:] != shape):
            raise ValueError(
                f"{caller}: observations of shape {x.shape} do not match the fitted summaries: pass one observation "
                f"of shape {shape} or several of shape (m, {', '.join(map(str, shape))})."
            )
        flat = np.ascontiguousarray(x, dtype=np.float64).reshape(-1, self.num_summaries)
        check_finite(flat, caller, "the observations")
        return flat.astype(np.float32), x.shape == shape

    def _prior(self, slab_probability: npt.ArrayLike | None) -> np.ndarray:
        """The prior ``rho`` as a float64 vector of length ``d``, validated."""
        d = self.num_summaries
        if slab_probability is None:
            return np.full(d, self.slab_probability)
        if np.ndim(slab_probability) == 0:
            return np.full(d, check_slab_probability(slab_probability))
        try:
            rho = np.array(slab_probability, dtype=np.float64)
        except (TypeError, ValueError) as error:
            message = f"slab_probability must be a float or an array of floats, got {slab_probability!r}."
            raise TypeError(message) from error
        if rho.shape not in (self.summary_shape, (d,)):
            raise ValueError(
                f"slab_probability has shape {rho.shape}, but the critic has summaries of shape {self.summary_shape}: "
                "pass a float, or one probability per summary."
            )
        if not np.all((rho >= 0) & (rho <= 1)):
            raise ValueError(f"slab_probability must lie in [0, 1], got {slab_probability!r}.")
        return rho.ravel()

    def _shaped(self, values: np.ndarray, single: bool) -> np.ndarray:
        return values.reshape(self.summary_shape if single else (-1, *self.summary_shape))

    def _log_train_prior(self, z: np.ndarray) -> np.ndarray:
        """``log p_train(z)``: the Beta(1, 1) mixture (``rho ~ U(0, 1)``) or a fixed ``rho``."""
        d = z.shape[-1]
        k = z.sum(axis=-1)
        if self.training_prior == UNIFORM:  # the Beta function B(k + 1, d - k + 1)
            lgamma = np.array([math.lgamma(n) for n in range(1, d + 2)])  # lgamma(n) at n = 1 ... d + 1
            ones = k.astype(np.int64)
            return lgamma[ones] + lgamma[d - ones] - math.lgamma(d + 2)
        rho = float(self.training_prior)
        return k * math.log(rho) + (d - k) * math.log1p(-rho)

    def _train_conditional_logit(self, k: np.ndarray, j: int) -> np.ndarray:
        """``logit p_train(z_j = 1 | z_<j)`` given ``k`` ones among the first ``j`` indicators."""
        if self.training_prior == UNIFORM:
            return np.log1p(k) - np.log1p(j - k)  # Polya urn: (1 + k) / (2 + j)
        return np.full(k.shape, _logit(np.float64(self.training_prior)))

    def _weighted(
        self,
        y: np.ndarray,
        rho: np.ndarray,
        *,
        rng: np.random.Generator | None = None,
        proposals: int | None = None,
        warn: bool = True,
        proposal: np.ndarray | None = None,
    ) -> _Weighted:
        """The joint at any prior, as weighted patterns: all of them, or ``proposals`` drawn near prior ``rho`` (or
        near prior ``proposal``: the weights are exact in expectation at any prior whatever the proposal)."""
        d = self.num_summaries
        proposals = PROPOSALS if proposals is None else proposals
        if d <= EXACT_MAX_SUMMARIES:
            z = patterns(d)
            if not len(y):
                return _Weighted(z, np.zeros((0, len(z))))
            return _Weighted(z, self._enumerate(y) - self._log_train_prior(z))
        if not len(y):
            return _Weighted(np.zeros((0, proposals, d), dtype=np.float32), np.zeros((0, proposals)))
        rng = rng or np.random.default_rng()
        weighted = _Weighted(*self._propose(y, rho if proposal is None else proposal, proposals, rng))
        if warn:
            _check_effective_samples(weighted.weights(rho))
        return weighted

    def _arrays(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The autoregressive part of observations ``(m, d)`` as float32 numpy: contexts ``(m, H)``, first-order
        logits ``(m, d)``, and the weights ``W`` (what ``z_j`` adds to later states) and ``V`` (the readouts).

        The network reads the observations in padded chunks of :data:`PREDICT_CHUNK`, so that a compiled forward
        pass is traced once whatever the number of observations."""
        contexts, biases = np.empty((len(y), self.joint_width), np.float32), np.empty(y.shape, np.float32)
        padded = np.zeros((PREDICT_CHUNK, y.shape[1]), dtype=np.float32)
        for start in range(0, len(y), PREDICT_CHUNK):
            rows = y[start : start + PREDICT_CHUNK]
            padded[: len(rows)] = rows
            context, bias = self._read(keras.ops.convert_to_tensor(padded))
            contexts[start : start + len(rows)] = keras.ops.convert_to_numpy(context)[: len(rows)]
            biases[start : start + len(rows)] = keras.ops.convert_to_numpy(bias)[: len(rows)]
        weights = (
            np.asarray(keras.ops.convert_to_numpy(w.value), dtype=np.float32) for w in (self.joint_in, self.joint_out)
        )
        return contexts, biases, *weights

    def _enumerate(self, y: np.ndarray) -> np.ndarray:
        """``log q(z | y)`` of all ``2**d`` patterns, ``(m, 2**d)``, level by level of the prefix tree."""
        contexts, biases, w_in, w_out = self._arrays(y)
        out = np.empty((len(y), 2**self.num_summaries))
        for rows in _chunks(len(y), 2**self.num_summaries * self.joint_width):
            state = contexts[rows, None, :]  # (m, prefixes, H)
            log_q = np.zeros((state.shape[0], 1))
            for j in range(self.num_summaries):
                logit = _silu_readout(state, w_out[j], biases[rows, j, None])
                log_q = np.concatenate([log_q + _log_sigmoid(-logit), log_q + _log_sigmoid(logit)], axis=1)
                if j + 1 < self.num_summaries:
                    state = np.concatenate([state, state + w_in[j]], axis=1)
            out[rows] = log_q
        return out

    def _propose(
        self, y: np.ndarray, rho: np.ndarray, proposals: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """``proposals`` patterns per observation from the network tilted towards prior ``rho``, and base weights.

        Step ``j`` draws from ``q(z_j | y, z_<j)`` with its training-prior odds replaced by ``rho_j``'s. The base log
        weight ``log q(z | y) - log r(z | y) - log p_train(z)`` makes the set exact in expectation (see
        :class:`_Weighted`).
        """
        contexts, biases, w_in, w_out = self._arrays(y)
        m, d = len(y), self.num_summaries
        z = np.zeros((m, proposals, d), dtype=np.float32)
        log_q_minus_r = np.zeros((m, proposals))
        target = _logit(rho)
        for rows in _chunks(m, proposals * self.joint_width):
            state = np.repeat(contexts[rows, None, :], proposals, axis=1)  # (m, S, H)
            k = np.zeros(state.shape[:2])
            for j in range(d):
                logit = _silu_readout(state, w_out[j], biases[rows, j, None])
                tilted = logit - self._train_conditional_logit(k, j) + target[j]
                with np.errstate(over="ignore"):
                    zj = rng.uniform(size=k.shape) < 1.0 / (1.0 + np.exp(-tilted))
                sign = np.where(zj, 1.0, -1.0)
                log_q_minus_r[rows] += _log_sigmoid(sign * logit) - _log_sigmoid(sign * tilted)  # rho_j 0 or 1: 0
                z[rows, :, j] = zj
                k += zj
                state += zj[..., None].astype(np.float32) * w_in[j]
        return z, log_q_minus_r - self._log_train_prior(z)


def _silu_readout(state: np.ndarray, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """``bias + sum_h silu(state)_h * weights_h`` in numpy, float64 out: :meth:`MisspecificationCritic._readout`."""
    with np.errstate(over="ignore"):
        activated = state / (1.0 + np.exp(-state))
    return (activated @ weights).astype(np.float64) + bias


def _categorical(w: np.ndarray, num_samples: int, rng: np.random.Generator) -> np.ndarray:
    """``num_samples`` draws per row from the categorical distributions of the rows of ``w`` (normalized)."""
    cumulative = np.cumsum(w, axis=-1)
    cumulative /= cumulative[:, -1:]
    offsets = np.arange(len(w))[:, None]
    flat = np.searchsorted((cumulative + offsets).ravel(), (rng.uniform(size=(len(w), num_samples)) + offsets).ravel())
    return np.minimum(flat.reshape(len(w), num_samples) - offsets * w.shape[1], w.shape[1] - 1)


def _chunks(m: int, elements_per_observation: int) -> list[slice]:
    """Slices of ``m`` observations whose scratch stays near :data:`_CHUNK_ELEMENTS` elements."""
    step = max(1, _CHUNK_ELEMENTS // max(1, elements_per_observation))
    return [slice(start, start + step) for start in range(0, m, step)]


def _check_effective_samples(w: np.ndarray) -> None:
    ess = 1.0 / np.sum(w**2, axis=-1)
    low = np.flatnonzero(ess < MIN_EFFECTIVE_SAMPLES)
    if low.size:
        warnings.warn(
            f"MisspecificationCritic: importance sampling over the indicators has an effective sample size below "
            f"{MIN_EFFECTIVE_SAMPLES} for {low.size} observation(s) (first: {low[:5].tolist()}, ESS "
            f"{np.round(ess[low[:5]], 1).tolist()}): their probabilities are noisy at this slab_probability. "
            "A prior far from what the data support (e.g. rho near 0 for an outlying observation) causes this.",
            UserWarning,
            stacklevel=3,
        )


def _em(weighted: _Weighted, rho: np.ndarray, per_summary: bool) -> np.ndarray:
    """Maximize the marginal likelihood over ``rho`` by EM with SQUAREM steps (Varadhan & Roland, 2008)."""

    def step(r: np.ndarray) -> np.ndarray:
        p = weighted.marginals(r).mean(axis=0)
        p = p if per_summary else np.full_like(p, p.mean())
        return np.clip(p, RHO_FLOOR, 1.0 - RHO_FLOOR)  # drawn patterns: at rho_j 0 or 1, some may all be impossible

    if not per_summary:
        rho = np.full_like(rho, rho.mean())
    for _ in range(EM_MAX_ITERATIONS // 3):
        r1 = step(rho)
        r2 = step(r1)
        first, second = r1 - rho, r2 - 2 * r1 + rho
        norm = np.linalg.norm(second)
        alpha = -np.linalg.norm(first) / norm if norm > 0 else -1.0
        candidate = np.clip(rho - 2 * alpha * first + alpha**2 * second, RHO_FLOOR, 1.0 - RHO_FLOOR)
        candidate = step(candidate)
        if weighted.log_likelihood(candidate) < weighted.log_likelihood(r2):
            candidate = r2  # the extrapolation overshot: keep the plain EM steps
        converged = np.max(np.abs(candidate - rho)) < EM_TOLERANCE
        rho = np.clip(candidate, RHO_FLOOR, 1.0 - RHO_FLOOR)
        if converged:
            break
    return rho


def _check_training_prior(prior: Any) -> str | float:
    rho = check_slab_probability_setting(prior, "training_prior")
    if rho in (0.0, 1.0):
        raise ValueError(f"a fixed training_prior must lie strictly between 0 and 1, got {prior!r}.")
    return rho
