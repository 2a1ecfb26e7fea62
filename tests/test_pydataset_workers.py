"""No noise row repeats across keras PyDataset workers (threads or processes)."""

import os
import threading
import time

import keras
import numpy as np
import pytest

from bayesflow_nnpe import NNPE

pytestmark = pytest.mark.filterwarnings("ignore:os.fork:RuntimeWarning")

WIDTH = 4


class NoisyZeros(keras.utils.PyDataset):
    """Each batch: NNPE noise on zeros (pure noise draws), plus the process and thread that drew it."""

    def __init__(self, augmentation, **kwargs):
        super().__init__(**kwargs)
        self.augmentation = augmentation

    def __len__(self):
        return 12

    def __getitem__(self, index):
        time.sleep(0.05)  # long enough that every worker gets batches
        noise = self.augmentation(np.zeros((12, WIDTH), dtype=np.float32)).astype(np.float64)
        worker = np.full((12, 2), [os.getpid(), threading.get_ident()], dtype=np.float64)
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


@pytest.mark.parametrize(("workers", "multiprocessing"), [(2, False), (2, True), (3, True)])
def test_no_repeated_noise_rows_across_workers(workers, multiprocessing):
    nnpe = NNPE(spike_scale=1.0, slab_scale=1.0, seed=5)
    rows, used = collect(NoisyZeros(nnpe, workers=workers, use_multiprocessing=multiprocessing))
    assert rows.shape == (144, WIDTH)
    assert used >= 2, "only one worker drew batches: the check would be vacuous"
    assert repeated_rows(rows) == 0


def test_worker_check_has_power_against_upstream():
    upstream = pytest.importorskip("bayesflow.augmentations").NNPE
    nnpe = upstream(spike_scale=1.0, slab_scale=1.0, per_dimension=False, seed=5)
    rows, used = collect(NoisyZeros(nnpe, workers=2, use_multiprocessing=True))
    assert used >= 2
    assert repeated_rows(rows) > 0  # forked workers replay one stream
