"""bayesflow-nnpe: noisy neural posterior estimation (NNPE) for BayesFlow.

- :class:`NNPE`: drop-in replacement for ``bayesflow.augmentations.NNPE`` (``augmentations={"x": NNPE()}``);
  :meth:`NNPE.from_simulations` is Ward et al.'s recipe for raw data.
- :class:`NNPETransform` and ``bf.Adapter().nnpe("x")``: the same noise inside adapter chains, on training
  batches only (importing this package adds the ``Adapter.nnpe`` method); :func:`standardize_then_nnpe` is the
  recipe there, :func:`without_nnpe` a copy of an adapter without the noise.
- :class:`MisspecificationCritic`, :func:`plot_criticism`: amortized model criticism, the probability per summary
  that the simulator got it wrong (Ward et al.'s criticism without MCMC).
- :func:`check_standardization`, :func:`running_standardization`: NNPE noise and running standardization.
- :func:`load_plugins`, :func:`get_augmentation`, :func:`get_transform`: entry-point discovery.
- :mod:`bayesflow_nnpe.noise`: the numpy noise core (kernel ``spike_and_slab``, ``NoiseStream``) both use.
"""

from .augmentation import NNPE
from .criticism import MisspecificationCritic, plot_criticism
from .noise import DEFAULT_SLAB, DEFAULT_SLAB_PROBABILITY, DEFAULT_SPIKE
from .plugins import get_augmentation, get_transform, load_plugins, register
from .recipe import standardize_then_nnpe
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
    "__version__",
    "check_standardization",
    "get_augmentation",
    "get_transform",
    "load_plugins",
    "plot_criticism",
    "register",
    "running_standardization",
    "standardize_then_nnpe",
    "without_nnpe",
]

register()
