"""NNPE and running standardization: the pitfall, a check users can call, and an automatic guard.

The pitfall: BayesFlow approximators can standardize their inputs with running moments over all training batches
(``standardize="all"``, or a list with ``"inference_conditions"`` or ``"summary_variables"``). Cauchy noise has no
variance, so those running standard deviations grow without bound during training, and clean data at inference
are squeezed towards zero by that factor. Ward et al. (2022) z-score with FIXED statistics of clean simulations
instead, then add the noise (``NNPE.from_simulations``, ``standardize_then_nnpe``).

* :func:`check_standardization` inspects an approximator (and the augmentations it is trained with) and warns,
  deterministically, whenever it is called.
* :class:`StandardizationGuard` is the automatic path that every NNPE noise source runs before it draws: it looks
  for the BayesFlow approximator whose ``fit`` is running, in this thread or, from a worker thread, in the others,
  and checks it once. A noise source that has not found an approximator yet keeps looking.
"""

from __future__ import annotations

import sys
import threading
import warnings
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import FrameType
from typing import Any

from . import compat
from .source import NoiseSource

__all__ = ["AT_RISK", "StandardizationGuard", "check_standardization", "running_standardization"]

AT_RISK = ("inference_conditions", "summary_variables")
"""Approximator inputs that NNPE noise on observed data reaches."""

_lock = threading.Lock()
_warned: weakref.WeakSet = weakref.WeakSet()  # approximators warned about (ids could be reused after collection)


def _members(approximator: Any) -> list[Any]:
    """The approximator itself, or the members of an ensemble."""
    members = getattr(approximator, "approximators", None)
    if isinstance(members, Mapping):
        return [m for member in members.values() for m in _members(member)]
    return [approximator]


def _adapter_keys(adapter: Any) -> set[str]:
    """Every string in the configurations of an adapter's transforms: the keys they read, write or rename."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.add(value)
        elif isinstance(value, Mapping):
            for v in value.values():
                walk(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)

    for transform in getattr(adapter, "transforms", []):
        get_config = getattr(transform, "get_config", None)
        if get_config is not None:
            try:
                walk(get_config())
            except NotImplementedError:
                continue
    return found


def _will_have(approximator: Any, key: str) -> bool:
    """Whether an approximator that is not built yet will receive input ``key``."""
    has_summary_network = getattr(approximator, "summary_network", None) is not None
    if key == "summary_variables":
        return has_summary_network
    return not has_summary_network or key in _adapter_keys(getattr(approximator, "adapter", None))


def running_standardization(approximator: Any) -> list[str]:
    """The inputs at risk (see :data:`AT_RISK`) that ``approximator`` has and standardizes with running moments.

    A built approximator answers exactly (its standardization layers); before it is built, ``standardize="all"``
    covers ``summary_variables`` if it has a summary network, and ``inference_conditions`` if it has no summary
    network or its adapter names them. Ensembles answer for all their members.

    Examples
    --------
    >>> import bayesflow as bf
    >>> from bayesflow_nnpe import running_standardization
    >>> flow = bf.networks.CouplingFlow(depth=1)
    >>> running_standardization(bf.approximators.ContinuousApproximator(
    ...     adapter=bf.Adapter(), inference_network=flow, standardize="all"))  # doctest: +SKIP
    ['inference_conditions']
    """
    at_risk = set()
    for member in _members(approximator):
        keys = getattr(getattr(member, "standardizer", None), "standardize", None)
        if not keys:
            continue
        if keys == "all":  # not built yet: what it will have
            keys = [key for key in AT_RISK if _will_have(member, key)]
        elif isinstance(keys, str):
            keys = [keys]
        at_risk.update(key for key in keys if key in AT_RISK)
    return [key for key in AT_RISK if key in at_risk]


def _noise_sources(approximator: Any, augmentations: Any) -> list[str]:
    """Where NNPE noise feeds ``approximator``: its adapters' NNPE transforms and NNPE augmentations."""
    sources = []
    for member in _members(approximator):
        for transform in getattr(getattr(member, "adapter", None), "transforms", []):
            if isinstance(transform, NoiseSource):
                sources.append(f"{type(transform).__name__}{transform.keys} in its adapter")
    if isinstance(augmentations, Mapping):
        sources += [f"augmentations[{k!r}]" for k, v in augmentations.items() if isinstance(v, NoiseSource)]
    elif isinstance(augmentations, Sequence) and not isinstance(augmentations, str):
        sources += [f"augmentations[{i}]" for i, v in enumerate(augmentations) if isinstance(v, NoiseSource)]
    elif isinstance(augmentations, NoiseSource):
        sources.append(repr(augmentations))
    return sources


def _message(at_risk: list[str], source: str) -> str:
    return (
        f"NNPE noise ({source}) reaches an approximator that standardizes {at_risk} with running moments over all "
        "training batches. Cauchy noise has no variance: those running stds grow without bound and clean data at "
        "inference are squeezed towards zero. Standardize only 'inference_variables' in the approximator, and "
        "z-score the data with fixed statistics of clean simulations instead: NNPE.from_simulations(clean[key]) "
        "as the augmentation, or bayesflow_nnpe.standardize_then_nnpe(adapter, keys, clean) in the adapter."
    )


def check_standardization(approximator: Any, augmentations: Any = None, *, strict: bool = False) -> list[str]:
    """Check, deterministically, whether NNPE noise meets running standardization in ``approximator``.

    Noise feeds the approximator through NNPE transforms in its adapter (the adapter variant) or through the
    NNPE augmentations it is trained with: pass those as ``augmentations``, as given to ``fit_*``. Call it before
    or after training; it warns every time it finds the problem.

    Parameters
    ----------
    approximator : bayesflow approximator (estimator)
        The approximator to inspect, e.g. ``workflow.approximator`` (bayesflow 2.0) or ``workflow.estimator``.
    augmentations : mapping, sequence or NNPE, optional
        The augmentations of training, if any (NNPE objects among them are recognised).
    strict : bool, default=False
        Raise a ``ValueError`` instead of warning.

    Returns
    -------
    list of str
        The inputs that receive NNPE noise and are standardized with running moments (empty if none, or if no
        NNPE noise feeds the approximator).

    Raises
    ------
    TypeError
        If ``approximator`` is not a BayesFlow approximator (estimator).
    ValueError
        If ``strict`` and the list is not empty.

    Warns
    -----
    UserWarning
        If that list is not empty (and ``strict`` is False).

    Examples
    --------
    >>> import bayesflow as bf
    >>> from bayesflow_nnpe import NNPE, check_standardization
    >>> workflow = bf.BasicWorkflow(adapter=bf.Adapter(), inference_network=bf.networks.CouplingFlow(),
    ...                             standardize="inference_variables")
    >>> check_standardization(workflow.approximator, {"x": NNPE()})  # doctest: +SKIP
    []
    """
    if not isinstance(approximator, compat.approximator_class()):
        raise TypeError(
            f"check_standardization takes a BayesFlow approximator, got {approximator!r} of type "
            f"{type(approximator).__name__}: pass e.g. workflow.approximator (bayesflow 2.0) or workflow.estimator "
            "(2.1), or bayesflow_nnpe.compat.estimator_of(workflow)."
        )
    sources = _noise_sources(approximator, augmentations)
    at_risk = running_standardization(approximator) if sources else []
    if at_risk:
        message = _message(at_risk, ", ".join(sources))
        if strict:
            raise ValueError(message)
        warnings.warn(message, UserWarning, stacklevel=2)
    return at_risk


def _fitting_in(frame: FrameType | None, base: type) -> Any:
    """The approximator whose ``fit`` (BayesFlow's, a subclass's or keras') is on the stack of ``frame``."""
    while frame is not None:
        if frame.f_code.co_name == "fit":
            candidate = frame.f_locals.get("self")
            if isinstance(candidate, base):
                return candidate
        frame = frame.f_back
    return None


def _other_threads() -> Iterator[FrameType]:
    own = threading.get_ident()
    return (frame for ident, frame in sys._current_frames().items() if ident != own)


def fitting_approximator() -> Any:
    """The BayesFlow approximator being fitted: on this thread's stack or, from a worker thread, on another's.

    Keras ``PyDataset`` worker threads draw batches while the thread that called ``fit`` waits for them, so a
    worker finds the approximator on that thread's stack. Worker processes have no such thread and find nothing.
    """
    try:
        base = compat.approximator_class()
    except ImportError:
        return None
    found = _fitting_in(sys._getframe(1), base)
    if found is None and threading.current_thread() is not threading.main_thread():
        for frame in _other_threads():
            found = _fitting_in(frame, base)
            if found is not None:
                break
    return found


class StandardizationGuard:
    """The automatic check of one noise source: finds the approximator it feeds and checks it, once.

    The guard is done only once it has found an approximator, so draws before ``fit`` (a quick look at the noise)
    do not use it up. Each approximator is warned about at most once per process, whichever source finds it.
    """

    def __init__(self, source: Callable[[], str]):
        self.source = source
        self.done = False

    def __call__(self) -> None:
        if self.done:
            return
        approximator = fitting_approximator()
        if approximator is None:
            return
        with _lock:
            if self.done:
                return
            self.done = True
            at_risk = running_standardization(approximator)
            if not at_risk or approximator in _warned:
                return
            _warned.add(approximator)
        warnings.warn(_message(at_risk, self.source()), UserWarning, stacklevel=4)
