"""Training one variant of the robustness benchmark: its workflow, and what is recorded per epoch (clean loss,
running statistics) while ``common.training.fit`` trains it."""

from __future__ import annotations

import time
from typing import Any

import bayesflow as bf
import keras
import numpy as np

from bayesflow_nnpe import NNPE, NNPETransform

from ..common.config import TrainingBudget
from ..common.training import coupling_flow, estimator_of, fit
from ..common.zscore import zscore_statistics
from .tasks import Data, Task
from .variants import Variant


def build_workflow(
    task: Task, variant: Variant, x_mean: np.ndarray, x_std: np.ndarray, budget: TrainingBudget, seed: int
) -> tuple[bf.BasicWorkflow, dict[str, NNPE] | None]:
    """The workflow and the augmentations of one variant; everything else is shared."""
    adapter = bf.Adapter()
    augmentations = None
    if variant.fixed_zscores:
        adapter = adapter.standardize("x", mean=x_mean, std=x_std)
    if variant.noise == "adapter":
        noise = NNPETransform(
            "x", spike_scale=variant.spike_scale, slab_scale=variant.slab_scale, per_dimension=False, seed=seed
        )
        adapter = adapter.append(noise)
    elif variant.noise == "augmentation":
        augmentations = {"x": NNPE(seed=seed)}
    adapter = adapter.convert_dtype("float64", "float32")
    adapter = adapter.concatenate(["theta", "aux"] if task.dummy else "theta", into="inference_variables")
    adapter = adapter.rename("x", "inference_conditions")
    network = coupling_flow(budget)
    workflow = bf.BasicWorkflow(adapter=adapter, inference_network=network, standardize=variant.standardize)
    return workflow, augmentations


def running_statistics(estimator: keras.Model) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Moving mean and std of the estimator's Standardization layer for the conditions, if it has one."""
    layer = (estimator.standardize_layers or {}).get("inference_conditions")
    if layer is None or layer.moving_mean is None:
        return None, None
    mean = keras.ops.convert_to_numpy(layer.moving_mean[0])
    std = keras.ops.convert_to_numpy(layer.moving_std(0))
    return np.asarray(mean, dtype=np.float64), np.asarray(std, dtype=np.float64)


class EpochRecorder(keras.callbacks.Callback):
    """Per epoch: the clean validation loss and the running statistics the approximator learned for the conditions.

    The clean loss is ``approximator.compute_metrics(..., stage="validation")`` on clean held-out simulations passed
    through the adapter with ``stage="validation"`` (on which ``NNPETransform`` adds no noise): the same quantity as
    the training loss, on clean data.
    """

    def __init__(self, workflow: bf.BasicWorkflow, clean_val: Data):
        super().__init__()
        self.estimator = estimator_of(workflow)
        adapted = workflow.adapter(clean_val, stage="validation")
        self.val_batch = {k: keras.ops.convert_to_tensor(v) for k, v in adapted.items()}
        self.clean_val_loss: list[float] = []
        self.running_mean: list[list[float]] = []
        self.running_std: list[list[float]] = []
        self.seconds = 0.0

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        start = time.perf_counter()
        metrics = self.estimator.compute_metrics(**self.val_batch, stage="validation")
        self.clean_val_loss.append(float(keras.ops.convert_to_numpy(metrics["loss"])))
        mean, std = running_statistics(self.estimator)
        if mean is not None:
            self.running_mean.append(mean.tolist())
            self.running_std.append(std.tolist())
        self.seconds += time.perf_counter() - start


def train(
    task: Task, variant: Variant, data: dict[str, Data], budget: TrainingBudget, seed: int
) -> tuple[bf.BasicWorkflow, dict[str, Any]]:
    """Train one variant on ``data["train"]``; its record: training time (without the callback) and histories."""
    keras.utils.set_random_seed(seed)
    x_mean, x_std = zscore_statistics(data["train"]["x"])
    workflow, augmentations = build_workflow(task, variant, x_mean, x_std, budget, seed)
    recorder = EpochRecorder(workflow, data["val"])
    start = time.perf_counter()
    history = fit(workflow, data, budget, augmentations, callbacks=[recorder])
    seconds = time.perf_counter() - start - recorder.seconds
    record = {
        "train_time_s": seconds,
        "history": {
            "loss": [float(v) for v in history.history["loss"]],
            "val_loss": [float(v) for v in history.history.get("val_loss", [])],
            "clean_val_loss": recorder.clean_val_loss,
        },
    }
    if recorder.running_std:
        clean_sd = task.clean_summary_sd
        record["running_std"] = recorder.running_std
        record["running_mean"] = recorder.running_mean
        record["running_std_over_clean_sd"] = (np.asarray(recorder.running_std[-1]) / clean_sd).tolist()
    return workflow, record
