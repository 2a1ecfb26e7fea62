"""``InputMap``: the network's input layer, an elementwise map of the z-scored summaries in the adapter.

Far outliers (a 15-sd reading) are far outside what a network's first layer saw in training; ``arcsinh`` keeps the
bulk linear and turns the tails logarithmic, so that the network extrapolates from the large values it did see.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from bayesflow.adapters.transforms import ElementwiseTransform
from bayesflow.utils.serialization import serializable

__all__ = ["InputMap"]


@serializable("benchmarks")
class InputMap(ElementwiseTransform):
    """An elementwise map ``f(z / divisor)`` of the z-scored summaries: the network's input layer.

    ``"identity"`` leaves the z-scores; ``"arcsinh"`` is linear near the bulk and logarithmic in the tails;
    ``"tanh3"`` is ``tanh(z / 3)``, linear within about one sd and saturating beyond five to ten. It acts on the
    conditions, which are not densities, so it contributes no log-Jacobian (bayesflow's ``Adapter.apply`` cannot be
    used: its numpy transforms raise in ``approximator.log_prob``).
    """

    MAPS = {"identity": (1.0, None, None), "arcsinh": (1.0, np.arcsinh, np.sinh), "tanh3": (3.0, np.tanh, np.arctanh)}

    def __init__(self, name: str = "identity"):
        if name not in self.MAPS:
            raise ValueError(f"unknown input map {name!r}; choose one of {sorted(self.MAPS)}")
        self.name = name

    def get_config(self) -> dict:
        return {"name": self.name}

    def forward(self, data: np.ndarray, **kwargs: Any) -> np.ndarray:
        divisor, forward, _ = self.MAPS[self.name]
        return data if forward is None else forward(data / divisor)

    def inverse(self, data: np.ndarray, **kwargs: Any) -> np.ndarray:
        divisor, _, inverse = self.MAPS[self.name]
        return data if inverse is None else divisor * inverse(data)
