"""The three networks of a training seed: NPE, the indicator-conditioned posterior network, and the critic.

Both posterior networks get the same budget and the same adapter: fixed z-scoring with the clean statistics of their
training simulations, then ``arcsinh`` (``common.input_map``), so that a reading 15 sds off reaches the network
as about 3.4 instead of 15. The indicator network also concatenates the slab indicators ``z`` into its conditions.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from bayesflow.adapters.transforms import MapTransform

from bayesflow_nnpe import NNPE, MisspecificationCritic, RobustPosterior

from ..common.config import TrainingBudget
from ..common.input_map import InputMap
from ..common.training import coupling_flow, estimator_of, fit
from ..common.zscore import zscore_statistics

KEY, INDICATORS = "x", "z"


def workflow(train_x: np.ndarray, budget: TrainingBudget, with_indicators: bool) -> Any:
    """A ``BasicWorkflow`` whose conditions are the mapped z-scores (and the indicators)."""
    import bayesflow as bf

    mean, std = zscore_statistics(train_x)
    adapter = (
        bf.Adapter()
        .to_array()
        .convert_dtype("float64", "float32")
        .standardize(KEY, mean=mean.tolist(), std=std.tolist())
        .append(MapTransform({KEY: InputMap("arcsinh")}))
        .concatenate(["theta"], into="inference_variables")
        .concatenate([KEY, INDICATORS] if with_indicators else [KEY], into="inference_conditions")
    )
    return bf.BasicWorkflow(adapter=adapter, inference_network=coupling_flow(budget), standardize="inference_variables")


def train_npe(data: dict, budget: TrainingBudget, seed: int) -> tuple[Any, float]:
    """NPE on clean simulations: the approximator and the training time in seconds."""
    import keras

    keras.utils.set_random_seed(seed)
    npe = workflow(data["train"][KEY], budget, with_indicators=False)
    start = time.perf_counter()
    fit(npe, data, budget, augmentations=None)
    return estimator_of(npe), time.perf_counter() - start


def train_indicator_network(data: dict, budget: TrainingBudget, seed: int) -> tuple[Any, float]:
    """The posterior network told which summaries got the slab: NNPE noise with ``rho ~ U(0, 1)`` per simulation
    and its indicators; validated on clean data (indicators all zero)."""
    import keras

    keras.utils.set_random_seed(seed)
    nnpe = NNPE.from_simulations(data["train"][KEY], seed=seed, slab_probability="uniform")
    augmentation = nnpe.with_indicators(KEY, into=INDICATORS)
    network = workflow(data["train"][KEY], budget, with_indicators=True)
    clean = {"train": data["train"], "val": augmentation.clean(data["val"])}
    start = time.perf_counter()
    fit(network, clean, budget, augmentations=augmentation)
    return estimator_of(network), time.perf_counter() - start


def train_critic(clean: np.ndarray, seed: int, epochs: int | None, **settings: Any) -> tuple[Any, float]:
    """``MisspecificationCritic`` with its defaults (and ``settings``): the critic and its training time."""
    critic = MisspecificationCritic(seed=seed, **settings)
    start = time.perf_counter()
    critic.fit(clean, verbose=0, **({} if epochs is None else {"epochs": epochs}))
    return critic, time.perf_counter() - start


def robust_posterior(approximator: Any, critic: Any) -> RobustPosterior:
    """The two halves joined."""
    return RobustPosterior(approximator, critic, key=KEY, indicators=INDICATORS)
