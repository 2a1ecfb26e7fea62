"""Entry-point plugins for BayesFlow: a convention, its loader, and name lookups.

BayesFlow reads no entry points itself. This package defines three groups that any distribution can use:

``bayesflow.plugins``
    Zero-argument callables that register a plugin (adapter methods, serializable classes).
    :func:`load_plugins` calls each installed one once.
``bayesflow.augmentations``
    Augmentation classes, looked up by name with :func:`get_augmentation`.
``bayesflow.adapters.transforms``
    Adapter transform classes, looked up by name with :func:`get_transform`.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable
from importlib.metadata import EntryPoint, entry_points
from typing import Any

__all__ = ["get_augmentation", "get_transform", "load_plugins", "register"]

PLUGINS = "bayesflow.plugins"
AUGMENTATIONS = "bayesflow.augmentations"
TRANSFORMS = "bayesflow.adapters.transforms"

_loaded: dict[tuple[str, str], Any] = {}
_lock = threading.Lock()


def register() -> None:
    """This package's ``bayesflow.plugins`` entry point: add ``Adapter.nnpe`` and register ``NNPETransform``.

    Importing ``bayesflow_nnpe`` already does this; calling it again is harmless.
    """
    from .transform import register_adapter_method

    register_adapter_method()  # NNPETransform registers with keras when its module is imported


def _origin(ep: EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    return f"{ep.name} = {ep.value}" + (f" (from {dist.name} {dist.version})" if dist is not None else "")


def load_plugins() -> dict[str, Any]:
    """Load and call every installed ``bayesflow.plugins`` entry point, once per process.

    Returns
    -------
    dict[str, Any]
        Entry-point name to the result of its call, for every plugin that loaded (now or earlier). A plugin that
        fails to import or raises is skipped with a ``RuntimeWarning`` that names it; the others still load.

    Examples
    --------
    >>> import bayesflow_nnpe
    >>> "nnpe" in bayesflow_nnpe.load_plugins()
    True
    """
    loaded = {}
    with _lock:
        for ep in entry_points(group=PLUGINS):
            key = (ep.name, ep.value)
            if key not in _loaded:
                try:
                    plugin: Callable[[], Any] = ep.load()
                    _loaded[key] = plugin()
                except Exception as error:  # a broken third-party plugin must not stop the others
                    warnings.warn(
                        f"BayesFlow plugin {_origin(ep)} failed to load and was skipped: {error!r}",
                        RuntimeWarning,
                        stacklevel=2,
                    )
                    continue
            loaded[ep.name] = _loaded[key]
    return loaded


def _lookup(group: str, name: str, kind: str) -> Any:
    candidates = [ep for ep in entry_points(group=group) if ep.name == name]
    if not candidates:
        installed = sorted(_origin(ep) for ep in entry_points(group=group)) or ["none"]
        raise LookupError(
            f"No {kind} named {name!r} is installed (entry-point group {group!r}). Installed: " + "; ".join(installed)
        )
    return candidates[0].load()


def get_augmentation(name: str) -> Any:
    """The augmentation class registered under ``name`` in ``bayesflow.augmentations``.

    Examples
    --------
    >>> from bayesflow_nnpe import get_augmentation
    >>> get_augmentation("nnpe")(seed=1)
    NNPE(spike_scale=None, slab_scale=None, per_dimension=True, seed=1, slab_probability=0.5)
    """
    return _lookup(AUGMENTATIONS, name, "augmentation")


def get_transform(name: str) -> Any:
    """The adapter transform class registered under ``name`` in ``bayesflow.adapters.transforms``.

    Examples
    --------
    >>> from bayesflow_nnpe import get_transform
    >>> get_transform("nnpe").__name__
    'NNPETransform'
    """
    return _lookup(TRANSFORMS, name, "adapter transform")
