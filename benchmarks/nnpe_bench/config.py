"""The budgets of the benchmark's two modes: full (the committed figures) and quick (``make demo``, CI)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Config:
    """Budget of one mode; every method and task gets exactly this."""

    mode: str
    num_train: int  # simulations per seed (all methods of a seed share them)
    num_val: int  # clean held-out simulations per seed, for the validation losses
    epochs: int
    batch_size: int
    depth: int  # CouplingFlow depth
    width: int  # two hidden layers of this width per coupling subnet
    num_test: int  # test observations per contamination level (shared by all methods and seeds)
    num_post: int  # posterior draws per test observation
    seeds: int


FULL = Config("full", 20_000, 2_000, 60, 256, 4, 128, 500, 500, 3)
QUICK = Config("quick", 8_000, 500, 15, 256, 3, 64, 200, 300, 1)
