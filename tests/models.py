"""A small picklable toy model and tiny BayesFlow networks shared by the integration tests."""

import bayesflow as bf
import numpy as np

SENSORS = 3


def prior(rng=np.random):
    return {"theta": rng.normal(size=2)}


def likelihood(theta, rng=np.random):
    return {"x": np.repeat(theta, SENSORS) + 0.5 * rng.normal(size=2 * SENSORS)}


def simulator():
    return bf.make_simulator([prior, likelihood])


def tiny_flow():
    return bf.networks.CouplingFlow(depth=1, subnet_kwargs={"widths": (16,)})


def base_adapter():
    return bf.Adapter().to_array().convert_dtype("float64", "float32")


def finish(adapter):
    return adapter.concatenate(["theta"], into="inference_variables").rename("x", "inference_conditions")
