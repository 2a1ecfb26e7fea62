"""The training budget of a posterior estimator. Every benchmark configures itself with frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TrainingBudget:
    """What one posterior estimator gets: simulations, epochs, batch and network (a CouplingFlow)."""

    num_train: int  # clean training simulations
    num_val: int  # clean held-out simulations, for the validation losses
    epochs: int
    batch_size: int
    depth: int  # CouplingFlow depth
    width: int  # two hidden layers of this width per coupling subnet
