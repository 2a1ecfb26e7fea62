"""Noise across workers and processes: never repeated across worker processes, one shared stream across threads.

The one place for worker independence. Worker processes reseed from fresh entropy (so their tests check
uniqueness, not distributions); threads share the seeded stream (so their test checks that the rows drawn are
exactly the seeded stream's, whatever the scheduling). Distributed jobs are tested in ``test_distributed.py``.
"""

import multiprocessing
import os
import threading
import time

import keras
import numpy as np
import pytest
from datasets import KINDS, NUM_BATCHES, assert_intact, iterate, make_dataset, noise_rows, snapshot

from bayesflow_nnpe import NNPE

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore:os.fork:RuntimeWarning")]

WIDTH = 4
ROWS = 12


def _draw(nnpe):
    return nnpe(np.zeros((16, WIDTH)))


# --- plain processes ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_worker_processes_draw_independent_noise(method):
    nnpe = NNPE(spike_scale=1.0, slab_scale=1.0, seed=7)
    ctx = multiprocessing.get_context(method)
    with ctx.Pool(3) as pool:
        results = [pool.apply_async(_draw, (nnpe,)) for _ in range(9)]
        draws = np.concatenate([r.get(timeout=120) for r in results])
    draws = np.concatenate([draws, _draw(nnpe)])  # the parent's own stream, too
    assert len(np.unique(draws)) == draws.size


def _fork_children_draw(nnpe, children=3):
    """Fork `children` processes that each draw once from the inherited state; return all draws."""
    draws = []
    for _ in range(children):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # child
            os.close(read)
            os.write(write, _draw(nnpe).tobytes())
            os._exit(0)
        os.close(write)
        with os.fdopen(read, "rb") as f:
            draws.append(np.frombuffer(f.read(), dtype=np.float64))
        os.waitpid(pid, 0)
    return np.concatenate(draws)


def test_forked_children_never_replay_the_parents_stream():
    draws = _fork_children_draw(NNPE(spike_scale=1.0, slab_scale=1.0, seed=8))
    assert len(np.unique(draws)) == draws.size


def test_fork_check_has_power_against_upstream():
    upstream = pytest.importorskip("bayesflow.augmentations").NNPE
    draws = _fork_children_draw(upstream(spike_scale=1.0, slab_scale=1.0, per_dimension=False, seed=8))
    assert len(np.unique(draws)) == draws.size // 3  # every child replays the same stream


# --- keras PyDataset workers ----------------------------------------------------------------------------------------


class NoisyZeros(keras.utils.PyDataset):
    """Each batch: NNPE noise on zeros (pure noise draws), plus the process and thread that drew it."""

    def __init__(self, augmentation, **kwargs):
        super().__init__(**kwargs)
        self.augmentation = augmentation

    def __len__(self):
        return 12

    def __getitem__(self, index):
        time.sleep(0.05)  # long enough that every worker gets batches
        noise = self.augmentation(np.zeros((ROWS, WIDTH), dtype=np.float32)).astype(np.float64)
        worker = np.full((ROWS, 2), [os.getpid(), threading.get_ident()], dtype=np.float64)
        return np.concatenate([noise, worker], axis=1)


def collect(dataset):
    """(noise rows, number of distinct workers that drew them) over one epoch, as keras iterates for training."""
    from keras.src.trainers.data_adapters.py_dataset_adapter import PyDatasetAdapter

    adapter = PyDatasetAdapter(dataset, shuffle=False)
    batches = [np.asarray(b[0] if isinstance(b, tuple) else b) for b in adapter.get_numpy_iterator()]
    adapter.on_epoch_end()
    rows = np.concatenate(batches)
    return rows[:, :WIDTH], len(np.unique(rows[:, WIDTH:], axis=0))


def repeated_rows(rows):
    return len(rows) - len(np.unique(rows, axis=0))


@pytest.mark.parametrize("workers", [2, 3])
def test_worker_processes_never_repeat_noise_rows(workers):
    nnpe = NNPE(spike_scale=1.0, slab_scale=1.0, seed=5)
    rows, used = collect(NoisyZeros(nnpe, workers=workers, use_multiprocessing=True))
    assert rows.shape == (144, WIDTH)
    assert used >= 2, "only one worker drew batches: the check would be vacuous"
    assert repeated_rows(rows) == 0


def test_process_check_has_power_against_upstream():
    upstream = pytest.importorskip("bayesflow.augmentations").NNPE
    nnpe = upstream(spike_scale=1.0, slab_scale=1.0, per_dimension=False, seed=5)
    rows, used = collect(NoisyZeros(nnpe, workers=2, use_multiprocessing=True))
    assert used >= 2
    assert repeated_rows(rows) > 0  # forked workers replay one stream


def batches_of(rows):
    return sorted(rows[i : i + ROWS].tobytes() for i in range(0, len(rows), ROWS))


def test_worker_threads_share_the_seeded_stream():
    """Threads must not reseed: the 12 batches they draw are exactly the seeded stream's first 12, in some order."""
    rows, used = collect(NoisyZeros(NNPE(spike_scale=1.0, slab_scale=1.0, seed=5), workers=2))
    assert used >= 2, "only one thread drew batches: the check would be vacuous"
    sequential = NNPE(spike_scale=1.0, slab_scale=1.0, seed=5)
    expected = np.concatenate([sequential(np.zeros((ROWS, WIDTH), dtype=np.float32)) for _ in range(12)])
    assert batches_of(rows) == batches_of(expected.astype(np.float64))


# --- BayesFlow datasets with workers ---------------------------------------------------------------------------


@pytest.mark.parametrize("variant", ["mapping", "adapter"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("multiprocessing", [False, True], ids=["threads", "processes"])
def test_no_noise_row_repeats_across_workers(kind, variant, multiprocessing, tmp_path):
    np.random.seed(0)
    dataset, source = make_dataset(kind, variant, tmp_path, workers=2, use_multiprocessing=multiprocessing)
    before = snapshot(source)
    batches = iterate(dataset, epochs=2)
    assert len(batches) == 2 * NUM_BATCHES
    noise = noise_rows(batches)
    assert len(np.unique(noise, axis=0)) == len(noise)
    # No distribution test here: worker processes reseed from fresh entropy and thread scheduling is not
    # reproducible, so it would not be a fixed-seed test. The single-worker tests check the distribution.
    assert np.all(np.isfinite(noise)) and np.all(noise != 0)
    assert_intact(source, before)
