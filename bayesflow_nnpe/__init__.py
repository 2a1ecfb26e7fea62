"""bayesflow-nnpe: noisy neural posterior estimation (NNPE) for BayesFlow.

- :class:`NNPE`: drop-in replacement for ``bayesflow.augmentations.NNPE`` (``augmentations={"x": NNPE()}``);
  :meth:`NNPE.from_simulations` is Ward et al.'s recipe for raw data.
- :class:`NNPETransform` and ``bf.Adapter().nnpe("x")``: the same noise inside adapter chains, on training
  batches only (importing this package adds the ``Adapter.nnpe`` method); :func:`standardize_then_nnpe` is the
  recipe there, :func:`without_nnpe` a copy of an adapter without the noise.
- :func:`zscore_statistics`: the clean z-scoring statistics the recipes use (constant summaries guarded).
- :class:`MisspecificationCritic`: amortized model criticism, the joint probability that the simulator got each
  summary wrong, at any prior; :mod:`bayesflow_nnpe.diagnostics` plots it.
- :func:`check_standardization`, :func:`running_standardization`: NNPE noise and running standardization.
- :func:`load_plugins`, :func:`get_augmentation`, :func:`get_transform`: entry-point discovery.

Importing the package imports BayesFlow first, so that Keras gets the backend BayesFlow chooses (``KERAS_BACKEND``
if set, else an installed one).
"""

import bayesflow  # noqa: F401  (first: BayesFlow chooses the Keras backend before anything imports keras)

from . import diagnostics
from .augmentation import NNPE
from .criticism import MisspecificationCritic
from .moments import ZScore, zscore_statistics
from .plugins import get_augmentation, get_transform, load_plugins, register
from .recipe import standardize_then_nnpe
from .settings import DEFAULT_SLAB, DEFAULT_SLAB_PROBABILITY, DEFAULT_SPIKE, NoiseSettings
from .standardization import check_standardization, running_standardization
from .transform import NNPETransform, without_nnpe

__version__ = "0.2.0.dev0"

__all__ = [
    "DEFAULT_SLAB",
    "DEFAULT_SLAB_PROBABILITY",
    "DEFAULT_SPIKE",
    "MisspecificationCritic",
    "NNPE",
    "NNPETransform",
    "NoiseSettings",
    "ZScore",
    "__version__",
    "check_standardization",
    "diagnostics",
    "get_augmentation",
    "get_transform",
    "load_plugins",
    "register",
    "running_standardization",
    "standardize_then_nnpe",
    "without_nnpe",
    "zscore_statistics",
]

register()
