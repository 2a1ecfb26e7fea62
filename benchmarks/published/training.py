"""Training one variant of the published benchmark: README recipe 1, the augmentation with ``from_simulations``.

Every variant of a task and seed gets the same simulations, adapter, network, epochs, optimizer and keras seed:

- the adapter z-scores the summaries ``x`` with FIXED mean and std of the clean training simulations
  (``common.zscore.zscore_statistics``), then maps the z-scores through the configuration's ``input_map`` (the network's
  input layer, the same for every variant; see ``InputMap``);
- a bounded prior's parameters are constrained to its support (``transforms.BoxConstraint``, the logit of the
  position in the box): without it, a CouplingFlow that extrapolates far from its training data drew, for a few
  misspecified SIR observations, some 0.1% of the draws thousands of prior sds away from the support, and posterior
  means with them (one NNPE run's MSE was 738 instead of about 0.4);
- the approximator standardizes only the inference variables (``standardize="inference_variables"``);
- NNPE adds ``augmentations={"x": NNPE.from_simulations(train["x"], slab_probability=rho, seed=seed)}``: Ward et
  al.'s spike (0.01) and slab (0.25) scales times the clean std of each summary, fresh noise for every batch, on the
  raw simulations before the adapter; the validation data stay clean, so keras' ``val_loss`` is a clean-data loss.
  NPE is the same without the augmentation.
- the robust posterior's network (``variant.robust``) sees the slab indicators too: its conditions are the mapped
  z-scores concatenated with ``INDICATORS`` (0/1), and it trains with ``NNPE.from_simulations(train["x"],
  slab_probability="uniform", seed=seed).with_indicators("x", into=INDICATORS)``, a whole-batch augmentation that
  draws ``rho ~ U(0, 1)`` per simulation (every number of misspecified summaries equally likely: accurate at z = 0 and
  at many-slab patterns alike) and writes where the slab went; its validation data are clean, with indicators that
  are all zero (``augmentation.clean``). The rest (simulations, adapter, network, epochs, seed) is NPE's.
"""

from __future__ import annotations

import time
from typing import Any

import bayesflow as bf
import keras
import numpy as np
from bayesflow.adapters.transforms import MapTransform

from bayesflow_nnpe import NNPE, NNPEWithIndicators

from ..common.config import TrainingBudget
from ..common.training import coupling_flow, fit
from ..common.zscore import zscore_statistics
from .config import PublishedVariant
from .tasks import Data, PublishedTask
from .transforms import BoxConstraint, InputMap

INDICATORS = "x_slab"  # the condition that holds the slab indicators of the robust posterior's network


def build_workflow(
    task: PublishedTask,
    variant: PublishedVariant,
    train_data: Data,
    budget: TrainingBudget,
    seed: int,
    input_map: str,
) -> tuple[bf.BasicWorkflow, dict[str, NNPE] | NNPEWithIndicators | None]:
    """The workflow and the augmentations of one variant (recipe 1 of the README; with the slab indicators as
    conditions and their whole-batch augmentation for the robust posterior's network)."""
    x_mean, x_std = zscore_statistics(train_data["x"])
    adapter = bf.Adapter().standardize("x", mean=x_mean, std=x_std)
    if input_map != "identity":
        adapter = adapter.append(MapTransform({"x": InputMap(input_map)}))
    if task.support is not None:
        adapter = adapter.append(MapTransform({"theta": BoxConstraint(*task.support)}))
    adapter = adapter.convert_dtype("float64", "float32")
    adapter = adapter.concatenate(["theta", "aux"] if task.dummy else "theta", into="inference_variables")
    if variant.robust:
        adapter = adapter.concatenate(["x", INDICATORS], into="inference_conditions")
    else:
        adapter = adapter.rename("x", "inference_conditions")
    workflow = bf.BasicWorkflow(
        adapter=adapter, inference_network=coupling_flow(budget), standardize="inference_variables"
    )
    augmentations = None
    if variant.robust:
        noise = NNPE.from_simulations(train_data["x"], slab_probability="uniform", seed=seed)
        augmentations = noise.with_indicators("x", into=INDICATORS)
    elif variant.rho is not None:
        augmentations = {"x": NNPE.from_simulations(train_data["x"], slab_probability=variant.rho, seed=seed)}
    return workflow, augmentations


def train(
    task: PublishedTask,
    variant: PublishedVariant,
    data: dict[str, Data],
    budget: TrainingBudget,
    seed: int,
    input_map: str,
) -> tuple[bf.BasicWorkflow, dict[str, Any]]:
    """Train one variant on ``data["train"]`` (validation: ``data["val"]``, clean); its record: times and losses."""
    keras.utils.set_random_seed(seed)
    workflow, augmentations = build_workflow(task, variant, data["train"], budget, seed, input_map)
    if isinstance(augmentations, NNPEWithIndicators):  # clean validation data: no slab anywhere
        data = {**data, "val": augmentations.clean(data["val"])}
    start, cpu = time.perf_counter(), time.process_time()
    history = fit(workflow, data, budget, augmentations)
    record = {
        "train_time_s": time.perf_counter() - start,
        "train_cpu_s": time.process_time() - cpu,
        "history": {
            "loss": [float(v) for v in history.history["loss"]],
            "val_loss": [float(v) for v in history.history.get("val_loss", [])],  # clean: no augmentation
        },
    }
    val = np.asarray(record["history"]["val_loss"], dtype=np.float64)
    if val.size:
        record["best_val_epoch"] = int(np.argmin(val)) + 1
    return workflow, record
