"""Amortized model criticism: per summary statistic, the probability that the simulator got it wrong.

Ward et al. (2022) criticise a model with the spike-and-slab error model of NNPE: an observed summary vector is
``y = x + eps``, with ``x`` a clean simulation (z-scored with statistics of clean simulations) and, per summary,
``eps ~ Cauchy(0, slab)`` with probability ``rho`` (the summary is misspecified, ``z = 1``) or ``Normal(0, spike)``
otherwise. The posterior inclusion probability ``p(z_j = 1 | y)`` says how likely it is that summary ``j`` is off.
RNPE samples it by MCMC, observation by observation. Because we can draw ``(y, z)`` pairs at will, a classifier
trained with cross-entropy from ``y`` to ``z`` converges to exactly that posterior, and then criticises any number of
observations at network speed: :class:`MisspecificationCritic`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np
import numpy.typing as npt

from . import compat
from .noise import (
    DEFAULT_SLAB,
    DEFAULT_SLAB_PROBABILITY,
    DEFAULT_SPIKE,
    SpikeSlabNoise,
    _as_numeric_array,
    _check_finite,
    check_scale,
    check_seed,
    check_slab_probability,
)

__all__ = ["MisspecificationCritic", "plot_criticism"]

PREDICT_CHUNK = 4096
"""Observations per forward pass in :meth:`MisspecificationCritic.predict`; shorter chunks are padded to it, so that
the compiled forward pass is traced once, whatever the number of observations."""


class _NoisyBatches(keras.utils.PyDataset):
    """Training batches ``(y, z)``: clean z-scores plus fresh spike-and-slab noise, and its slab indicators."""

    def __init__(self, clean_z: np.ndarray, noise: SpikeSlabNoise, batch_size: int, seed: int | None, **kwargs: Any):
        super().__init__(**kwargs)
        self.clean_z, self.noise, self.batch_size = clean_z, noise, batch_size
        self.rng = np.random.default_rng(seed)
        self.order = self.rng.permutation(len(clean_z))

    def __len__(self) -> int:
        return math.ceil(len(self.clean_z) / self.batch_size)

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        rows = self.order[index * self.batch_size : (index + 1) * self.batch_size]
        y, z = self.noise(self.clean_z[rows], caller="MisspecificationCritic", indicators=True)
        return y, z.astype(np.float32)

    def on_epoch_end(self) -> None:
        self.order = self.rng.permutation(len(self.clean_z))


@keras.saving.register_keras_serializable(package="bayesflow_nnpe")
class MisspecificationCritic(keras.Model):
    """Amortized model criticism: the probability, per summary statistic, that the simulator got it wrong [1]_.

    Trained on clean simulations only. :meth:`fit` z-scores them with their own mean and std (Ward et al.'s
    recipe), draws fresh NNPE noise ``y = x + eps`` with its slab indicators ``z`` for every batch, and trains a
    network from ``y`` to ``z`` with cross-entropy. The optimum is the error model's posterior inclusion probability
    ``p(z_j = 1 | y)``: what RNPE samples by MCMC for each observation, here for any number of observations in one
    forward pass (:meth:`predict`). Summaries are judged jointly, so redundant or dependent summaries inform each
    other.

    Parameters
    ----------
    spike_scale, slab_scale : float, default=0.01, 0.25
        Scales of the error model on z-scored summaries (Ward et al.'s defaults).
    slab_probability : float, default=0.5
        Prior probability ``rho`` that a summary is misspecified.
    seed : int or None, default=None
        Seeds the training noise, the shuffling, the validation split and the network's initial weights.
    widths : sequence of int, default=(256, 256, 256)
        Hidden layers of the network.
    activation : str, default="silu"
        Activation of the hidden layers.
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
    Calling the model directly maps z-scored summaries of shape ``(m, d)`` to logits; :meth:`predict` takes raw
    summaries and returns probabilities.

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
    >>> p = critic.predict(observed)
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
        activation: str = "silu",
        summary_shape: Sequence[int] | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.spike_scale = float(check_scale("spike_scale", spike_scale, per_dimension=False))
        self.slab_scale = float(check_scale("slab_scale", slab_scale, per_dimension=False))
        if self.slab_scale <= 0:
            raise ValueError("slab_scale must be positive: with no slab there is nothing to criticise.")
        self.slab_probability = check_slab_probability(slab_probability)
        self.seed = check_seed(seed)
        self.widths = tuple(int(w) for w in widths)
        if not self.widths or min(self.widths) < 1:
            raise ValueError(f"widths must be a non-empty sequence of positive ints, got {widths!r}.")
        self.activation = activation
        self.summary_shape = None if summary_shape is None else tuple(int(s) for s in summary_shape)
        seeds = self._seeds()
        self.hidden = [
            keras.layers.Dense(width, activation=activation, kernel_initializer=keras.initializers.GlorotUniform(s))
            for width, s in zip(self.widths, seeds["layers"], strict=True)
        ]
        self.head: keras.layers.Dense | None = None

    def _seeds(self) -> dict[str, Any]:
        """Independent seeds for each use of randomness, spawned from ``seed`` (all None without a seed)."""
        uses = ("noise", "shuffle", "split", "validation", "head", "layers")
        if self.seed is None:
            return {use: None for use in uses[:-1]} | {"layers": [None] * len(self.widths)}
        children = np.random.SeedSequence(self.seed).spawn(len(uses) - 1 + len(self.widths))
        seeds = [int(child.generate_state(1)[0]) for child in children]
        return dict(zip(uses[:-1], seeds, strict=False)) | {"layers": seeds[len(uses) - 1 :]}

    # --- keras -------------------------------------------------------------------------------------------------------
    def build(self, input_shape: tuple[int | None, ...]) -> None:
        d = int(input_shape[-1])
        if self.summary_shape is None:
            self.summary_shape = (d,)
        self.loc = self.add_weight(shape=(d,), initializer="zeros", trainable=False, name="summary_mean")
        self.scale = self.add_weight(shape=(d,), initializer="ones", trainable=False, name="summary_std")
        shape = (None, d)
        for layer in self.hidden:
            layer.build(shape)
            shape = (None, layer.units)
        self.head = keras.layers.Dense(d, kernel_initializer=keras.initializers.GlorotUniform(self._seeds()["head"]))
        self.head.build(shape)
        self.built = True

    def call(self, y: Any, training: bool = False) -> Any:
        """Logits of ``p(z = 1 | y)`` for z-scored summaries ``y`` of shape ``(m, d)``."""
        h = keras.ops.arcsinh(y)  # heavy-tailed inputs: linear near the bulk, logarithmic in the tails
        for layer in self.hidden:
            h = layer(h)
        return self.head(h)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "spike_scale": self.spike_scale,
            "slab_scale": self.slab_scale,
            "slab_probability": self.slab_probability,
            "seed": self.seed,
            "widths": list(self.widths),
            "activation": self.activation,
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
            As in ``keras.Model.fit``. The defaults reach the accuracy reported in the README for 50,000
            simulations in two to three minutes on 2 CPU cores.
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
            Training and validation loss per epoch (binary cross-entropy per summary, in nats).

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
        if not self.built:
            self.summary_shape = x.shape[1:]
            self.build((None, int(np.prod(self.summary_shape))))
            mean, std = x.mean(axis=0).ravel(), x.std(axis=0).ravel()
            self.loc.assign(mean.astype(np.float32))
            self.scale.assign(np.where(std > 0, std, 1.0).astype(np.float32))
        train = self._z_score(x)
        noise = SpikeSlabNoise(
            self.spike_scale,
            self.slab_scale,
            per_dimension=False,
            seed=seeds["noise"],
            slab_probability=self.slab_probability,
            process=compat.process_index,
        )
        batches = _NoisyBatches(train, noise, int(batch_size), seeds["shuffle"])
        validation = None
        if validation_data is not None:
            val = self._z_score(self._clean_array(validation_data, "validation_data"))
            fixed = SpikeSlabNoise(
                self.spike_scale,
                self.slab_scale,
                per_dimension=False,
                seed=seeds["validation"],
                slab_probability=self.slab_probability,
            )
            y_val, z_val = fixed(val, caller="MisspecificationCritic", indicators=True)
            validation = (y_val, z_val.astype(np.float32))
        if not self.compiled:
            schedule = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=int(epochs) * len(batches))
            self.compile(
                optimizer=keras.optimizers.Adam(schedule), loss=keras.losses.BinaryCrossentropy(from_logits=True)
            )
        kwargs.setdefault("shuffle", False)  # the batches shuffle themselves, from the seed
        with compat.gradients_enabled():  # bayesflow switches torch's autograd off on import
            return super().fit(
                batches, epochs=epochs, validation_data=validation, verbose=verbose, callbacks=callbacks, **kwargs
            )

    def _clean_array(self, data: npt.ArrayLike, name: str) -> np.ndarray:
        x = _as_numeric_array(data, f"MisspecificationCritic ({name})", "it needs an array of summaries.")
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
        _check_finite(x2d, "MisspecificationCritic", name)
        return x2d.reshape(x.shape)

    def _z_score(self, x: np.ndarray) -> np.ndarray:
        loc = np.asarray(keras.ops.convert_to_numpy(self.loc), dtype=np.float64)
        scale = np.asarray(keras.ops.convert_to_numpy(self.scale), dtype=np.float64)
        return ((x.reshape(len(x), loc.size) - loc) / scale).astype(np.float32)

    # --- criticism ----------------------------------------------------------------------------------------------------
    def predict(self, observed: npt.ArrayLike) -> np.ndarray:
        """The probability, per summary, that the simulator got it wrong: ``p(z = 1 | y)`` under the error model.

        Parameters
        ----------
        observed : array_like
            Observed (raw, not z-scored) summaries: one observation of shape ``summary_shape``, or ``m`` of shape
            ``(m, *summary_shape)``.

        Returns
        -------
        np.ndarray
            Probabilities in [0, 1], of the shape of ``observed``. Compare them with the prior ``slab_probability``:
            above it, the data speak for misspecification of that summary.

        Raises
        ------
        RuntimeError
            If the critic is not fitted.
        TypeError
            If ``observed`` is not real numeric.
        ValueError
            If ``observed`` holds NaN or inf, or its summaries do not have the fitted shape.
        """
        self._require_fitted()
        x = _as_numeric_array(observed, "MisspecificationCritic.predict", "it needs an array of summaries.")
        shape, k = self.summary_shape, len(self.summary_shape)
        if x.shape != shape and (x.ndim != k + 1 or x.shape[1:] != shape):
            raise ValueError(
                f"MisspecificationCritic.predict: observations of shape {x.shape} do not match the fitted summaries: "
                f"pass one observation of shape {shape} or several of shape (m, {', '.join(map(str, shape))})."
            )
        flat = np.ascontiguousarray(x, dtype=np.float64).reshape(-1, int(np.prod(shape)))
        _check_finite(flat, "MisspecificationCritic.predict", "the observations")
        z = self._z_score(flat)
        logits = np.empty(z.shape, dtype=np.float64)
        padded = np.zeros((PREDICT_CHUNK, z.shape[1]), dtype=np.float32)
        for start in range(0, len(z), PREDICT_CHUNK):
            rows = z[start : start + PREDICT_CHUNK]
            padded[: len(rows)] = rows
            logits[start : start + len(rows)] = self.predict_on_batch(padded)[: len(rows)]
        return (0.5 + 0.5 * np.tanh(0.5 * logits)).reshape(x.shape)  # the logistic function, without overflow


def plot_criticism(
    probabilities: npt.ArrayLike,
    names: Sequence[str] | None = None,
    *,
    prior: float | None = DEFAULT_SLAB_PROBABILITY,
    ax: Any = None,
    title: str | None = None,
) -> Any:
    """A bar chart of the probability, per summary, that the simulator got it wrong.

    Parameters
    ----------
    probabilities : array_like
        ``critic.predict(observed)`` for one observation, shape ``(d,)``; or for several, shape ``(m, d)``: then the
        bars are the medians and the whiskers span the 10% to 90% quantiles.
    names : sequence of str, optional
        Summary names for the axis; default ``s0, s1, ...``.
    prior : float or None, default=0.5
        The prior ``slab_probability``, drawn as a dashed line (bars above it: evidence of misspecification).
    ax : matplotlib Axes, optional
        Where to draw; default a new figure.
    title : str, optional
        The axes title.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from bayesflow_nnpe import plot_criticism
    >>> ax = plot_criticism([0.52, 0.97], names=["mean", "variance"])  # doctest: +SKIP
    """
    import matplotlib.pyplot as plt

    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim not in (1, 2) or p.size == 0:
        raise ValueError(f"plot_criticism takes probabilities of shape (d,) or (m, d), got shape {p.shape}.")
    d = p.shape[-1]
    names = [f"s{j}" for j in range(d)] if names is None else list(names)
    if len(names) != d:
        raise ValueError(f"plot_criticism: {len(names)} names for {d} summaries.")
    if ax is None:
        _, ax = plt.subplots(figsize=(max(3.0, 0.6 * d + 1.5), 3.0))
    heights = p if p.ndim == 1 else np.median(p, axis=0)
    error = None
    if p.ndim == 2:
        low, high = np.quantile(p, [0.1, 0.9], axis=0)
        error = np.stack([heights - low, high - heights])  # the median lies between the quantiles: never negative
    colors = ["tab:red" if prior is not None and h > prior else "tab:gray" for h in heights]
    ax.bar(range(d), heights, yerr=error, color=colors, capsize=3)
    if prior is not None:
        ax.axhline(prior, color="black", linestyle="--", linewidth=1, label=f"prior {prior:g}")
        ax.legend(fontsize=8, loc="upper left")
    ax.set_xticks(range(d), names, rotation=45 if d > 6 else 0, ha="right" if d > 6 else "center")
    ax.set_ylim(0, 1)
    ax.set_ylabel("P(misspecified | observed)")
    if title:
        ax.set_title(title)
    return ax
