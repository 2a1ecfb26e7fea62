"""``RobustPosterior``: posterior draws that are robust to misspecified summaries, at any prior ``rho``, at NPE's price.

NNPE's error model splits the robust posterior into two parts that can each be amortized::

    p_rho(theta | y) = sum over z of p_rho(z | y) * p(theta | y, z)

* ``p(theta | y, z)``, the posterior given which summaries got the slab, does not depend on ``rho``: a posterior
  network trained on NNPE-noised simulations with the slab indicators ``z`` as extra conditions learns it
  (:meth:`bayesflow_nnpe.NNPE.with_indicators`).
* ``p_rho(z | y)`` is the joint of the :class:`~bayesflow_nnpe.MisspecificationCritic`, at any ``rho`` without
  retraining; :meth:`~bayesflow_nnpe.MisspecificationCritic.estimate_slab_probability` estimates ``rho`` from data.

So one posterior network and one critic serve every ``rho``: 0 is NPE (every summary trusted), 0.5 is Ward et al.'s
robust posterior, an estimated ``rho`` pays for robustness only where the data ask for it, and a sweep over ``rho``
is a sensitivity analysis for each observation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from .criticism import MisspecificationCritic
from .validation import check_seed

__all__ = ["RobustPosterior"]


class RobustPosterior:
    """Draws from ``p_rho(theta | y)``: the mixture over the slab indicators ``z`` of ``p_rho(z | y) q(theta | y, z)``.

    Parameters
    ----------
    approximator : bayesflow approximator
        A trained approximator (e.g. ``workflow.approximator``, or ``workflow.estimator`` on bayesflow 2.1) whose
        conditions include the observed summaries ``key`` and their slab indicators ``indicators``, trained with
        ``augmentations=NNPE(...).with_indicators(key, into=indicators)``.
    critic : MisspecificationCritic
        A critic fitted on clean simulations of ``key``, with the same error model (Ward et al.'s scales on
        summaries z-scored with clean statistics, as :meth:`bayesflow_nnpe.NNPE.from_simulations` draws them).
    key : str
        The entry of the conditions that holds the observed summaries, shape ``(m, *critic.summary_shape)``.
    indicators : str
        The entry under which the approximator expects the slab indicators (filled in by :meth:`sample`).

    Raises
    ------
    TypeError
        If ``approximator`` cannot sample, ``critic`` is not a fitted :class:`MisspecificationCritic`, or the keys
        are not strings.
    ValueError
        If ``key`` and ``indicators`` are the same.

    Examples
    --------
    >>> robust = RobustPosterior(workflow.approximator, critic, key="x", indicators="x_slab")  # doctest: +SKIP
    >>> rho = critic.estimate_slab_probability(observed["x"])  # doctest: +SKIP
    >>> draws = robust.sample(observed, 1000, slab_probability=rho)["theta"]  # doctest: +SKIP
    """

    def __init__(self, approximator: Any, critic: MisspecificationCritic, *, key: str, indicators: str):
        if not callable(getattr(approximator, "sample", None)):
            raise TypeError(
                "approximator must be a trained bayesflow approximator with a sample method, got "
                f"{type(approximator).__name__}: pass workflow.approximator (bayesflow 2.0) or workflow.estimator "
                "(2.1)."
            )
        if not isinstance(critic, MisspecificationCritic):
            raise TypeError(f"critic must be a MisspecificationCritic, got {type(critic).__name__}.")
        if not critic.built:
            raise TypeError("critic is not fitted: call critic.fit(clean_simulations) first.")
        for name, value in (("key", key), ("indicators", indicators)):
            if not isinstance(value, str):
                raise TypeError(f"{name} must be the name of a condition (str), got {value!r}.")
        if key == indicators:
            raise ValueError(f"indicators must differ from key, got {key!r} for both.")
        self.approximator, self.critic, self.key, self.indicators = approximator, critic, key, indicators

    def sample(
        self,
        conditions: Mapping[str, npt.ArrayLike],
        num_samples: int,
        *,
        slab_probability: npt.ArrayLike | None = None,
        seed: int | None = None,
        **kwargs: Any,
    ) -> dict[str, np.ndarray]:
        """Posterior draws for each observation, marginalized over which summaries are misspecified.

        Each draw is ``theta ~ q(theta | y, z)`` with its own ``z ~ p_rho(z | y)`` from the critic.

        Parameters
        ----------
        conditions : Mapping[str, array_like]
            As for ``approximator.sample``: ``conditions[key]`` holds ``m`` observations; other entries (if any) are
            passed on. The indicators are drawn here, so ``conditions`` must not contain ``indicators``.
        num_samples : int
            Draws per observation.
        slab_probability : float or array_like, optional
            The prior ``rho`` that a summary is misspecified: a float, one per summary, or the output of
            ``critic.estimate_slab_probability``; default the critic's ``slab_probability``. ``0`` trusts every
            summary (NPE's posterior, through the same network).
        seed : int or None, default=None
            Seeds the indicators and the approximator's draws.
        **kwargs
            Passed to ``approximator.sample`` (e.g. ``batch_size``, ``split``).

        Returns
        -------
        dict[str, np.ndarray]
            What ``approximator.sample`` returns for these conditions, with the same keys: arrays of shape
            ``(m, num_samples, ...)``.

        Raises
        ------
        KeyError
            If ``conditions`` lacks ``key``.
        ValueError
            If ``conditions`` holds ``indicators``, the observations do not have the critic's summary shape, or
            ``slab_probability`` lies outside [0, 1] or has the wrong shape.
        """
        if not isinstance(conditions, Mapping):
            raise TypeError(
                f"RobustPosterior: conditions must map condition names to arrays, got {type(conditions).__name__}."
            )
        if self.key not in conditions:
            raise KeyError(f"RobustPosterior: conditions have no entry {self.key!r} (entries: {list(conditions)}).")
        if self.indicators in conditions:
            raise ValueError(
                f"RobustPosterior: conditions already hold {self.indicators!r}; the slab indicators are drawn by the "
                "critic. Leave them out (for the posterior at fixed indicators, call the approximator directly)."
            )
        y = np.asarray(conditions[self.key])
        shape = self.critic.summary_shape
        if y.ndim != len(shape) + 1 or y.shape[1:] != shape:
            raise ValueError(
                f"RobustPosterior: conditions[{self.key!r}] has shape {y.shape}, but the critic was fitted on "
                f"summaries of shape {shape}: pass m observations of shape (m, {', '.join(map(str, shape))})."
            )
        if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) or num_samples < 1:
            raise ValueError(f"num_samples must be a positive int, got {num_samples!r}.")
        critic_seed, approximator_seed = _seeds(check_seed(seed))
        z = self.critic.sample_indicators(y, int(num_samples), slab_probability=slab_probability, seed=critic_seed)
        m, s = len(y), int(num_samples)
        repeated = {name: np.repeat(np.asarray(value), s, axis=0) for name, value in conditions.items()}
        repeated[self.indicators] = z.reshape(m * s, *shape)
        if approximator_seed is not None:
            kwargs["seed"] = approximator_seed
        draws = self.approximator.sample(num_samples=1, conditions=repeated, **kwargs)
        return {name: np.asarray(value).reshape(m, s, *np.shape(value)[2:]) for name, value in draws.items()}

    def __repr__(self) -> str:
        return (
            f"RobustPosterior({type(self.approximator).__name__}, {self.critic.name}, key={self.key!r}, "
            f"indicators={self.indicators!r})"
        )


def _seeds(seed: int | None) -> tuple[int | None, int | None]:
    """Independent seeds for the indicators and the approximator, spawned from ``seed``."""
    if seed is None:
        return None, None
    children = np.random.SeedSequence(seed).spawn(2)
    return tuple(int(child.generate_state(1)[0] >> 1) for child in children)  # type: ignore[return-value]
