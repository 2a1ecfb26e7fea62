"""What training a posterior estimator means in every benchmark: the network, the fit, the approximator of a
trained workflow, and (JAX) a compilation cache shared by the trainings of a run."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from bayesflow_nnpe import compat

from .config import TrainingBudget

if TYPE_CHECKING:
    import bayesflow as bf
    import keras

Data = dict[str, np.ndarray]


def estimator_of(workflow: Any) -> Any:
    """The approximator of a workflow (``workflow.approximator`` in bayesflow 2.0, ``workflow.estimator`` in 2.1)."""
    return compat.estimator_of(workflow)


def coupling_flow(budget: TrainingBudget) -> bf.networks.CouplingFlow:
    """The inference network of every variant: a CouplingFlow of ``budget.depth`` couplings, two hidden layers of
    ``budget.width`` per subnet."""
    import bayesflow as bf

    return bf.networks.CouplingFlow(depth=budget.depth, subnet_kwargs={"widths": (budget.width, budget.width)})


def fit(
    workflow: bf.BasicWorkflow,
    data: dict[str, Data],
    budget: TrainingBudget,
    augmentations: dict | Callable[[Data], Data] | None,
    callbacks: list[keras.callbacks.Callback] | None = None,
) -> keras.callbacks.History:
    """``fit_offline`` on ``data["train"]`` with the budget's epochs and batch size, validated on ``data["val"]``
    (never augmented: a clean validation loss), silently. ``augmentations``: per key, or one whole-batch callable
    (e.g. ``NNPE.with_indicators``)."""
    return workflow.fit_offline(
        data["train"],
        epochs=budget.epochs,
        batch_size=budget.batch_size,
        validation_data=data["val"],
        augmentations=augmentations,
        callbacks=callbacks,
        verbose=0,
    )


@contextlib.contextmanager
def compilation_cache() -> Iterator[str | None]:
    """Reuse compiled XLA code across the trainings of one run (JAX only), from a temporary folder removed at exit.

    Every variant and seed of a task trains and samples the same network on arrays of the same shapes, so the
    programs are the same; JAX's persistent compilation cache, pointed at a fresh temporary folder, compiles each
    once per run instead of once per training (about 10 s saved per training on 2 CPU cores), with identical
    results. Nothing outlives the run. Yields the folder (None on other backends).
    """
    import keras

    if keras.backend.backend() != "jax":
        yield None
        return
    import jax
    from jax.experimental.compilation_cache import compilation_cache as cache

    keys = ("jax_compilation_cache_dir", "jax_persistent_cache_min_compile_time_secs")
    old = {key: getattr(jax.config, key) for key in keys}
    with tempfile.TemporaryDirectory(prefix="nnpe-benchmark-xla-") as folder:
        cache.reset_cache()
        jax.config.update("jax_compilation_cache_dir", folder)
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
        try:
            yield folder
        finally:
            for key, value in old.items():
                jax.config.update(key, value)
            cache.reset_cache()  # forget the folder before it is removed
