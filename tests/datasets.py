"""BayesFlow datasets of every kind whose batches carry NNPE noise on "x", and checks of their stored sources.

Shared by the integration and worker tests. The recording simulator keeps clean copies of ``x`` and ``theta`` in
each batch, so a test can recover the noise and see that ``theta`` stayed untouched.
"""

import hashlib
import pickle

import bayesflow as bf
import numpy as np
from models import SLAB, SPIKE, NoiseOnKey, base_adapter, recording_simulator

from bayesflow_nnpe import NNPE, NNPETransform

BATCH, NUM_BATCHES = 32, 6
N = BATCH * NUM_BATCHES
KINDS = ["online", "offline", "disk"]
VARIANTS = ["mapping", "sequence", "adapter"]


def variant_kwargs(variant, seed):
    """Dataset keyword arguments (adapter, augmentations) that put NNPE noise on "x"."""
    nnpe = NNPE(spike_scale=SPIKE, slab_scale=SLAB, seed=seed)
    if variant == "mapping":
        return {"adapter": base_adapter(), "augmentations": {"x": nnpe}}
    if variant == "sequence":
        return {"adapter": base_adapter(), "augmentations": [NoiseOnKey("x", nnpe)]}
    return {"adapter": base_adapter().append(NNPETransform("x", spike_scale=SPIKE, slab_scale=SLAB, seed=seed))}


def write_disk(root, data):
    root.mkdir(exist_ok=True)
    for i in range(len(data["theta"])):
        with open(root / f"sim_{i:04d}.pkl", "wb") as f:
            pickle.dump({k: v[i] for k, v in data.items()}, f)


def digest(root):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.glob("*.pkl"))}


def make_dataset(kind, variant, tmp_path, seed=1, **workers):
    """A dataset of the given kind whose batches carry x (noisy), x_clean and theta; and its stored source."""
    kwargs = variant_kwargs(variant, seed) | workers
    if kind == "online":
        return bf.datasets.OnlineDataset(recording_simulator(), BATCH, NUM_BATCHES, **kwargs), None
    data = recording_simulator().sample(N)
    if kind == "offline":
        return bf.datasets.OfflineDataset(data, BATCH, **kwargs), data
    root = tmp_path / "sims"
    write_disk(root, data)
    return bf.datasets.DiskDataset(root, batch_size=BATCH, **kwargs), root


def iterate(dataset, epochs=1):
    """Batches as keras produces them for training (with the dataset's workers), epoch after epoch."""
    from keras.src.trainers.data_adapters.py_dataset_adapter import PyDatasetAdapter

    adapter = PyDatasetAdapter(dataset, shuffle=False)
    batches = []
    for _ in range(epochs):
        for batch in adapter.get_numpy_iterator():
            batches.append({k: np.asarray(v) for k, v in (batch[0] if isinstance(batch, tuple) else batch).items()})
        adapter.on_epoch_end()
    return batches


def noise_rows(batches):
    return np.concatenate([b["x"].astype(np.float64) - b["x_clean"].astype(np.float32) for b in batches])


def stored(source):
    """The simulations a source holds: the dict itself, or the records of its pickle files stacked."""
    if isinstance(source, dict):
        return source
    records = [pickle.loads(p.read_bytes()) for p in sorted(source.glob("*.pkl"))]
    return {key: np.stack([r[key] for r in records]) for key in records[0]}


def snapshot(source):
    if source is None:
        return None
    if isinstance(source, dict):
        return {k: v.copy() for k, v in source.items()}
    return digest(source)


def assert_intact(source, before):
    if source is None:
        return
    if isinstance(source, dict):
        for k in before:
            np.testing.assert_array_equal(source[k], before[k])
    else:
        assert digest(source) == before
