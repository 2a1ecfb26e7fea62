"""The seeds of every task: one number per task, from which each benchmark derives its generators.

Fixed generators make the simulations, test sets and trainings of a run reproducible, and the same for every
variant trained on them (common random numbers).
"""

from __future__ import annotations

import numpy as np

TASK_SEEDS = {"gaussian": 1, "sensors": 2, "sir": 3, "cs": 4, "sensors6": 5}
OBSERVATIONS = 2022  # the purpose of the generator of the fixed test observations


def task_rng(task: str, *purpose: int) -> np.random.Generator:
    """A fixed generator for ``task`` and a purpose (a tuple of integers): the same draws in every run."""
    return np.random.default_rng([TASK_SEEDS[task], *purpose])


def observations_rng(task: str) -> np.random.Generator:
    """The generator of the task's fixed test observations (the same for every variant and training seed)."""
    return task_rng(task, OBSERVATIONS)


def simulation_rng(task: str, seed_index: int) -> np.random.Generator:
    """The generator of the training and validation simulations of training seed ``seed_index``."""
    return task_rng(task, seed_index, 7)


def training_seed(task: str, seed_index: int) -> int:
    """The keras and noise seed of training seed ``seed_index`` of a task."""
    return 1000 * TASK_SEEDS[task] + seed_index
