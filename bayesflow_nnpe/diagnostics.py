"""Plots of model criticism, after BayesFlow's ``bayesflow.diagnostics.plots``: functions that return a Figure.

matplotlib is imported only when a plot is drawn (``pip install "bayesflow-nnpe[examples]"`` brings it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from .settings import DEFAULT_SLAB_PROBABILITY

__all__ = ["inclusion_probabilities"]


def inclusion_probabilities(
    probabilities: npt.ArrayLike,
    variable_names: Sequence[str] | None = None,
    *,
    prior: float | None = DEFAULT_SLAB_PROBABILITY,
    figsize: Sequence[float] | None = None,
    title: str | None = None,
    ax: Any = None,
) -> Any:
    """A bar chart of the probability, per summary, that the simulator got it wrong.

    Parameters
    ----------
    probabilities : array_like
        ``critic.inclusion_probabilities(observed)`` for one observation, shape ``(d,)``; or for several, shape
        ``(m, d)``: then the bars are the medians and the whiskers span the 10% to 90% quantiles.
    variable_names : sequence of str, optional
        Summary names for the axis; default ``s0, s1, ...``.
    prior : float or None, default=0.5
        The prior ``slab_probability``, drawn as a dashed line (bars above it: evidence of misspecification).
    figsize : sequence of float, optional
        Size of a new figure; default grows with the number of summaries.
    title : str, optional
        The axes title.
    ax : matplotlib Axes, optional
        Where to draw; default a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.

    Raises
    ------
    ValueError
        If ``probabilities`` is not of shape ``(d,)`` or ``(m, d)``, or the names do not match ``d``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from bayesflow_nnpe.diagnostics import inclusion_probabilities
    >>> figure = inclusion_probabilities([0.52, 0.97], variable_names=["mean", "variance"])
    >>> [round(float(bar.get_height()), 2) for bar in figure.axes[0].patches]
    [0.52, 0.97]
    """
    import matplotlib.pyplot as plt

    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim not in (1, 2) or p.size == 0:
        raise ValueError(f"inclusion_probabilities plots probabilities of shape (d,) or (m, d), got shape {p.shape}.")
    d = p.shape[-1]
    names = [f"s{j}" for j in range(d)] if variable_names is None else list(variable_names)
    if len(names) != d:
        raise ValueError(f"inclusion_probabilities: {len(names)} variable names for {d} summaries.")
    if ax is None:
        _, ax = plt.subplots(figsize=figsize or (max(3.0, 0.6 * d + 1.5), 3.0))
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
    return ax.figure
