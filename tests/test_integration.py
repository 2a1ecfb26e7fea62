"""NNPE where users use it: BayesFlow datasets and workflows, with both variants (workers: test_workers.py)."""

import bayesflow as bf
import keras
import numpy as np
import pytest
from datasets import (
    BATCH,
    KINDS,
    NUM_BATCHES,
    VARIANTS,
    N,
    assert_intact,
    iterate,
    make_dataset,
    noise_rows,
    snapshot,
    stored,
    variant_kwargs,
    write_disk,
)
from models import SLAB, SPIKE, base_adapter, finish, simulator, tiny_flow
from stats import ALPHA, ks_pvalue

from bayesflow_nnpe import NNPETransform

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("kind", KINDS)
def test_batches_carry_fresh_noise_on_x_only_and_sources_stay_intact(kind, variant, tmp_path):
    np.random.seed(0)
    dataset, source = make_dataset(kind, variant, tmp_path)
    before = snapshot(source)
    batches = iterate(dataset, epochs=2)
    assert len(batches) == 2 * NUM_BATCHES
    noise = noise_rows(batches)
    assert ks_pvalue(noise.ravel(), SPIKE, SLAB) > ALPHA  # the right distribution
    assert len(np.unique(noise, axis=0)) == len(noise)  # fresh across batches and epochs
    data = None if source is None else stored(source)
    for b in batches:  # other keys untouched (x_clean, theta_clean: the simulator's own copies)
        assert b["theta"].shape == (BATCH, 2)
        np.testing.assert_array_equal(b["theta"], b["theta_clean"])
        if data is not None:  # and the stored records are what the batch was made from
            theta = data["theta"].astype(b["theta"].dtype)
            rows = [np.flatnonzero(np.all(theta == t, axis=1))[0] for t in b["theta"]]
            np.testing.assert_array_equal(b["x_clean"], data["x_clean"][rows].astype(b["x_clean"].dtype))
    assert_intact(source, before)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("kind", KINDS)
def test_same_seed_single_worker_reproduces_the_batches(kind, variant, tmp_path):
    def run(nnpe_seed):
        np.random.seed(3)  # the simulator and the shuffling use numpy's global state
        dataset, _ = make_dataset(kind, variant, tmp_path / str(nnpe_seed), seed=nnpe_seed)
        return iterate(dataset, epochs=2)

    (tmp_path / "7").mkdir()
    (tmp_path / "8").mkdir()
    first, second, other = run(7), run(7), run(8)
    for a, b in zip(first, second, strict=True):
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])
    assert not np.any(noise_rows(first) == noise_rows(other))  # and the seed matters


# --- real training through BasicWorkflow.fit_* ------------------------------------------------------------------


def workflow_for(variant, seed=1):
    kwargs = variant_kwargs(variant, seed)
    workflow = bf.BasicWorkflow(simulator=simulator(), adapter=finish(kwargs["adapter"]), inference_network=tiny_flow())
    return workflow, kwargs.get("augmentations")


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("kind", KINDS)
def test_workflow_fit_trains_samples_and_keeps_data(kind, variant, tmp_path):
    keras.utils.set_random_seed(0)
    workflow, augmentations = workflow_for(variant)
    validation = simulator().sample(64)
    fit = {"epochs": 2, "batch_size": BATCH, "augmentations": augmentations, "validation_data": validation}
    if kind == "online":
        history = workflow.fit_online(num_batches_per_epoch=NUM_BATCHES, verbose=0, **fit)
        source, before = None, None
    elif kind == "offline":
        source = simulator().sample(N)
        before = snapshot(source)
        history = workflow.fit_offline(source, verbose=0, **fit)
    else:
        source = tmp_path / "sims"
        write_disk(source, simulator().sample(N))
        before = snapshot(source)
        history = workflow.fit_disk(source, verbose=0, **fit)
    assert_intact(source, before)
    assert len(history.history["loss"]) == 2 and np.all(np.isfinite(history.history["loss"]))
    assert np.all(np.isfinite(history.history["val_loss"]))

    test = simulator().sample(5)
    draws = workflow.sample(num_samples=20, conditions={"x": test["x"]})["theta"]
    assert draws.shape == (5, 20, 2) and np.all(np.isfinite(draws))
    approximator = workflow.approximator if hasattr(workflow, "approximator") else workflow.estimator
    log_prob = np.asarray(approximator.log_prob(test))
    assert log_prob.shape == (5,) and np.all(np.isfinite(log_prob))


def test_ensemble_workflow_with_nnpe():
    if not hasattr(bf, "EnsembleWorkflow") and not hasattr(bf.workflows, "EnsembleWorkflow"):
        pytest.skip(f"bayesflow {bf.__version__} has no EnsembleWorkflow")
    ensemble = getattr(bf, "EnsembleWorkflow", None) or bf.workflows.EnsembleWorkflow
    keras.utils.set_random_seed(0)
    workflow = ensemble(
        simulator=simulator(),
        adapter=finish(base_adapter().append(NNPETransform("x", spike_scale=SPIKE, slab_scale=SLAB, seed=2))),
        inference_networks=tiny_flow(),
        ensemble_size=2,
    )
    history = workflow.fit_online(epochs=1, num_batches_per_epoch=4, batch_size=BATCH, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    draws = workflow.sample(num_samples=10, conditions={"x": simulator().sample(3)["x"]})
    assert all(np.all(np.isfinite(np.asarray(v))) for v in _leaves(draws))


def _leaves(tree):
    if isinstance(tree, dict):
        for v in tree.values():
            yield from _leaves(v)
    else:
        yield tree
