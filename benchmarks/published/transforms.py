"""The published benchmark's own adapter transforms, in numpy and float64 on every bayesflow version.

- ``InputMap`` (from ``common.input_map``): the network's input layer, an elementwise map of the z-scored summaries;
- ``BoxConstraint``: a bounded prior's parameters to and from the logit of their position in the box.

Why not ``Adapter.constrain``: bayesflow 2.1's constraint computes with keras ops (float32 on JAX) and widens
inclusive bounds by ``epsilon = 1e-6``, so its inverse maps far network outputs to ``lower - 1e-6`` (a negative SIR
rate) and ``upper + 1e-6``, outside the prior's support; with exclusive bounds instead, float32 rounds prior draws
within 3e-8 of an upper bound (SIR: 0.5) onto the bound, whose logit is infinite. bayesflow 2.0's constraint (numpy,
float64, ``epsilon = 1e-15``) had neither problem. These transforms give the same results on both versions.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from bayesflow.adapters.transforms import ElementwiseTransform
from bayesflow.utils.serialization import serializable
from scipy.special import expit, logit

from ..common.input_map import InputMap

__all__ = ["BoxConstraint", "InputMap"]


@serializable("benchmarks")
class BoxConstraint(ElementwiseTransform):
    """Parameters in the box ``[lower, upper]`` (per parameter) to the logit of their position, and back.

    ``forward`` (data to network): ``logit((theta - lower) / (upper - lower))``, finite for every point inside the
    box; ``inverse``: ``lower + (upper - lower) expit(y)``, in the box for every network output ``y``, far ones
    landing on the bounds themselves (clipped to them: the sum may round one ulp beyond a bound). The log-Jacobian
    makes ``log_prob`` a density of theta.
    """

    def __init__(self, lower: np.ndarray, upper: np.ndarray):
        self.lower = np.asarray(lower, dtype=np.float64)
        self.upper = np.asarray(upper, dtype=np.float64)
        if not np.all(self.lower < self.upper):
            raise ValueError(f"need lower < upper, got {self.lower} and {self.upper}")

    def get_config(self) -> dict:
        return {"lower": self.lower.tolist(), "upper": self.upper.tolist()}

    def forward(self, data: np.ndarray, **kwargs: Any) -> np.ndarray:
        position = (np.asarray(data, dtype=np.float64) - self.lower) / (self.upper - self.lower)
        return logit(position)

    def inverse(self, data: np.ndarray, **kwargs: Any) -> np.ndarray:
        theta = self.lower + (self.upper - self.lower) * expit(np.asarray(data, dtype=np.float64))
        return np.clip(theta, self.lower, self.upper)

    def log_det_jac(self, data: np.ndarray, inverse: bool = False, **kwargs: Any) -> np.ndarray:
        """``log |d forward / d theta|`` at ``data`` (theta), summed over the parameters; negated for ``inverse``,
        as bayesflow's own constraint does."""
        width = self.upper - self.lower
        position = (np.asarray(data, dtype=np.float64) - self.lower) / width
        ldj = -np.log(position) - np.log1p(-position) - np.log(width)
        ldj = np.sum(ldj.reshape(len(ldj), -1), axis=1)
        return -ldj if inverse else ldj
