"""bayesflow-nnpe: noisy neural posterior estimation (NNPE) for BayesFlow.

- :class:`NNPE`: drop-in replacement for ``bayesflow.augmentations.NNPE`` (``augmentations={"x": NNPE()}``).
- :class:`NNPETransform` and ``bf.Adapter().nnpe("x")``: the same noise inside adapter chains, on training
  batches only. Importing this package adds the ``Adapter.nnpe`` method.
- :func:`load_plugins`, :func:`get_augmentation`, :func:`get_transform`: entry-point discovery.
- :mod:`bayesflow_nnpe.noise`: the spike-and-slab noise core both use.
"""

from .augmentation import NNPE
from .noise import DEFAULT_SLAB, DEFAULT_SPIKE, NoiseStream, spike_and_slab
from .plugins import get_augmentation, get_transform, load_plugins, register
from .standardization import running_standardization, standardize_then_nnpe
from .transform import NNPETransform, without_nnpe

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_SLAB",
    "DEFAULT_SPIKE",
    "NNPE",
    "NNPETransform",
    "NoiseStream",
    "__version__",
    "get_augmentation",
    "get_transform",
    "load_plugins",
    "register",
    "running_standardization",
    "spike_and_slab",
    "standardize_then_nnpe",
    "without_nnpe",
]

register()
