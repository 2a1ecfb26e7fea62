"""A small picklable toy model and tiny BayesFlow networks shared by the integration tests.

Module-level functions only, so datasets that hold them can go to worker processes.
"""

import bayesflow as bf
import numpy as np

SENSORS = 3
SPIKE, SLAB = 0.1, 0.2  # manual NNPE scales of the integration tests


def prior():
    return {"theta": np.random.normal(size=2)}


def likelihood(theta):
    return {"x": np.repeat(theta, SENSORS) + 0.5 * np.random.normal(size=2 * SENSORS)}


def keep_clean(theta, x):
    """Copies of the clean draws, so that tests can recover the noise added to ``x`` and see ``theta`` untouched."""
    return {"x_clean": np.array(x), "theta_clean": np.array(theta)}


def simulator():
    return bf.make_simulator([prior, likelihood])


def recording_simulator():
    return bf.make_simulator([prior, likelihood, keep_clean])


def approximator_class():
    """BayesFlow's standard approximator: ``BasicEstimator`` from bayesflow 2.1, ``ContinuousApproximator`` before."""
    estimators = getattr(bf, "estimators", None)
    if estimators is not None and hasattr(estimators, "BasicEstimator"):
        return estimators.BasicEstimator
    return bf.approximators.ContinuousApproximator


def tiny_flow():
    return bf.networks.CouplingFlow(depth=1, subnet_kwargs={"widths": (16,)})


def base_adapter():
    return bf.Adapter().to_array().convert_dtype("float64", "float32")


def finish(adapter):
    return adapter.concatenate(["theta"], into="inference_variables").rename("x", "inference_conditions")


class NoiseOnKey:
    """A whole-batch augmentation (for ``augmentations=[...]``): applies ``fn`` to ``batch[key]``."""

    def __init__(self, key, fn):
        self.key, self.fn = key, fn

    def __call__(self, batch):
        return {**batch, self.key: self.fn(batch[self.key])}
