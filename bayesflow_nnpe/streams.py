"""Seeded streams of random bits: reproducible per process, independent across processes and workers. Numpy only.

What BayesFlow-facing code knows (which process of a distributed job this is) is passed in as a callable.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np

from .validation import check_seed

__all__ = ["NoiseStream", "ProcessIndex", "single_process"]

ProcessIndex = Callable[[], tuple[int, int]]
"""Returns ``(index, count)`` of this process in a distributed job; ``(0, 1)`` when there is no such job."""


def single_process() -> tuple[int, int]:
    """The process index outside a distributed job: ``(0, 1)``."""
    return 0, 1


class NoiseStream:
    """A seeded stream of random bits: reproducible per process, independent across processes.

    * Within one process the stream is reproducible from ``seed``.
    * In a distributed job (``process`` reports ``count > 1``), process ``i`` draws from the ``i``-th child of
      ``SeedSequence(seed)``, as ``SeedSequence.spawn`` would make it: every process draws distinct noise, and each
      is reproducible from ``(seed, i)``. The process is looked up on the first draw.
    * A copy of the stream that finds itself in a process other than the one that created it (a forked
      ``PyDataset`` worker, or a spawned worker that unpickled it) reseeds itself from fresh operating-system
      entropy on first use, so that no two workers ever replay the same noise.

    Parameters
    ----------
    seed : int or None
        Non-negative integer seed, or None for fresh entropy.
    process : callable, optional
        Returns ``(index, count)`` of this process in a distributed job. Default: a single process.
    """

    def __init__(self, seed: int | None = None, *, process: ProcessIndex | None = None):
        self.seed = check_seed(seed)
        self.process = process or single_process
        self._bit_generator: np.random.BitGenerator | None = None
        self._generator: np.random.Generator | None = None
        self._pid = os.getpid()

    def _seeded(self) -> np.random.BitGenerator:
        if self.seed is None:
            return np.random.PCG64()
        index, count = self.process()
        spawn_key = (index,) if count > 1 else ()
        return np.random.PCG64(np.random.SeedSequence(self.seed, spawn_key=spawn_key))

    @property
    def bit_generator(self) -> np.random.BitGenerator:
        """The bit generator of this process (reseeded after a fork or unpickling in another process)."""
        pid = os.getpid()
        if pid != self._pid:
            self.use(np.random.PCG64())
        elif self._bit_generator is None:
            self.use(self._seeded())
        return self._bit_generator

    @property
    def generator(self) -> np.random.Generator:
        """A ``numpy.random.Generator`` that shares this stream's state."""
        bit_generator = self.bit_generator
        if self._generator is None or self._generator.bit_generator is not bit_generator:
            self._generator = np.random.Generator(bit_generator)
        return self._generator

    def use(self, bit_generator: np.random.BitGenerator) -> None:
        """Draw from ``bit_generator`` from now on, in this process."""
        self._bit_generator = bit_generator
        self._pid = os.getpid()
