"""The misspecification critic as the benchmarks use it: its probabilities and its bar chart, each through one
function, so that a change of the package's API is a change here only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from bayesflow_nnpe import MisspecificationCritic


def inclusion_probabilities(
    critic: MisspecificationCritic, observed: np.ndarray, *, slab_probability: float | None = None
) -> np.ndarray:
    """The critic's probability per summary that the simulator got it wrong, ``(n, d)`` for raw summaries ``(n, d)``,
    at the prior ``slab_probability`` (default: the critic's own)."""
    return critic.inclusion_probabilities(observed, slab_probability=slab_probability)


def pattern_probabilities(
    critic: MisspecificationCritic, observed: np.ndarray, *, slab_probability: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The critic's joint over all ``2**d`` patterns of the slab indicators: ``(patterns (2**d, d), probabilities
    (n, 2**d))`` for raw summaries ``(n, d)``; pattern ``p`` has ``z_j = (p >> j) & 1``."""
    return critic.pattern_probabilities(observed, slab_probability=slab_probability)


def bar_chart(probabilities: np.ndarray, names: Sequence[str], *, prior: float, ax: Axes, title: str) -> Axes:
    """Ward et al.'s bar chart of mean probabilities per summary ``(d,)``, with the prior as a line, on ``ax``."""
    from bayesflow_nnpe.diagnostics import inclusion_probabilities as chart

    chart(probabilities, list(names), prior=prior, ax=ax, title=title)
    return ax
