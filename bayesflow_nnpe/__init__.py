"""bayesflow-nnpe: noisy neural posterior estimation (NNPE) for BayesFlow.

``NNPE`` is a drop-in replacement for ``bayesflow.augmentations.NNPE``; the noise itself lives in
:mod:`bayesflow_nnpe.noise`.
"""

from .augmentation import NNPE
from .noise import DEFAULT_SLAB, DEFAULT_SPIKE, NoiseStream, spike_and_slab

__version__ = "0.1.0"

__all__ = ["DEFAULT_SLAB", "DEFAULT_SPIKE", "NNPE", "NoiseStream", "__version__", "spike_and_slab"]
