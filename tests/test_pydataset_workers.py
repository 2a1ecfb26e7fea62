"""No noise row repeats across keras PyDataset workers (threads or processes)."""

import keras
import numpy as np
import pytest

from bayesflow_nnpe import NNPE

pytestmark = pytest.mark.filterwarnings("ignore:os.fork:RuntimeWarning")


class NoisyZeros(keras.utils.PyDataset):
    """Each batch: NNPE noise on zeros, so a batch's rows are pure noise draws."""

    def __init__(self, augmentation, **kwargs):
        super().__init__(**kwargs)
        self.augmentation = augmentation

    def __len__(self):
        return 12

    def __getitem__(self, index):
        return self.augmentation(np.zeros((12, 4), dtype=np.float32))


def collect(dataset):
    from keras.src.trainers.data_adapters.py_dataset_adapter import PyDatasetAdapter

    adapter = PyDatasetAdapter(dataset, shuffle=False)
    batches = [np.asarray(b) for b in adapter.get_numpy_iterator()]
    adapter.on_epoch_end()
    return np.concatenate(batches).reshape(-1, 4)


def repeated_rows(rows):
    return len(rows) - len(np.unique(rows, axis=0))


@pytest.mark.parametrize(("workers", "multiprocessing"), [(2, False), (2, True), (3, True)])
def test_no_repeated_noise_rows_across_workers(workers, multiprocessing):
    nnpe = NNPE(spike_scale=1.0, slab_scale=1.0, seed=5)
    rows = collect(NoisyZeros(nnpe, workers=workers, use_multiprocessing=multiprocessing))
    assert rows.shape == (144, 4)
    assert repeated_rows(rows) == 0


def test_worker_check_has_power_against_upstream():
    upstream = pytest.importorskip("bayesflow.augmentations").NNPE
    nnpe = upstream(spike_scale=1.0, slab_scale=1.0, per_dimension=False, seed=5)
    rows = collect(NoisyZeros(nnpe, workers=2, use_multiprocessing=True))
    assert repeated_rows(rows) > 0
