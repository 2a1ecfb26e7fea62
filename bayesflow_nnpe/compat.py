"""What differs across BayesFlow versions and Keras backends, probed in one place.

Importing this module imports nothing but the standard library: backends are only looked at if the program has
imported them already, and BayesFlow only when a probe needs it.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import sys
from typing import Any

__all__ = [
    "adapter_option",
    "approximator_class",
    "estimator_of",
    "gradients_enabled",
    "is_traced",
    "process_index",
]


def is_traced(value: Any) -> bool:
    """Whether ``value`` is a symbolic tensor of a compiler (jax.jit, torch.compile): host noise cannot go there."""
    jax = sys.modules.get("jax")
    if jax is not None and isinstance(value, jax.core.Tracer):
        return True
    torch = sys.modules.get("torch")
    return torch is not None and torch.compiler.is_compiling()


def gradients_enabled() -> contextlib.AbstractContextManager:
    """A context in which the backend records gradients: bayesflow turns torch's autograd off when it is imported.

    Keras' own ``fit`` expects autograd on (BayesFlow's approximators turn it on in their training steps), so plain
    keras models trained next to bayesflow train inside this context. Other backends need nothing.
    """
    torch = sys.modules.get("torch")
    if torch is None or _keras_backend() != "torch":
        return contextlib.nullcontext()
    return torch.enable_grad()


def _keras_backend() -> str | None:
    keras = sys.modules.get("keras")
    return None if keras is None else keras.backend.backend()


def process_index() -> tuple[int, int]:
    """``(index, count)`` of this process in a distributed job (JAX or torch), or ``(0, 1)`` outside of one.

    JAX counts once ``jax.distributed.initialize`` has run (directly, or through ``keras.distribution``); torch
    once ``torch.distributed.init_process_group`` has. Neither backend is imported or initialized here.
    """
    jax = sys.modules.get("jax")
    distributed = getattr(jax, "distributed", None)
    if distributed is not None and getattr(distributed, "is_initialized", lambda: False)():
        return int(jax.process_index()), int(jax.process_count())
    torch_distributed = sys.modules.get("torch.distributed")
    if torch_distributed is not None and torch_distributed.is_available() and torch_distributed.is_initialized():
        return int(torch_distributed.get_rank()), int(torch_distributed.get_world_size())
    return 0, 1


@functools.cache
def approximator_class() -> type:
    """BayesFlow's base class of trainable approximators: ``Estimator`` from 2.1 on, ``Approximator`` before.

    From bayesflow 2.1, ``bayesflow.approximators.Approximator`` is a deprecated subclass of
    ``bayesflow.estimators.Estimator``, so estimators built the new way are not instances of it.
    """
    import bayesflow

    estimators = getattr(bayesflow, "estimators", None)
    if estimators is not None and hasattr(estimators, "Estimator"):
        return estimators.Estimator
    return bayesflow.approximators.Approximator


def estimator_of(workflow: Any) -> Any:
    """The approximator of a workflow: ``workflow.approximator`` (bayesflow 2.0), ``workflow.estimator`` (2.1)."""
    for name in ("estimator", "approximator"):
        if hasattr(workflow, name):
            return getattr(workflow, name)
    raise AttributeError(f"{type(workflow).__name__} has neither an estimator nor an approximator.")


@functools.cache
def adapter_option(name: str) -> bool:
    """Whether ``bayesflow.Adapter`` takes the keyword ``name`` (``jit_compile``, ``differentiable``: 2.1 on)."""
    from bayesflow.adapters import Adapter

    return name in inspect.signature(Adapter).parameters
