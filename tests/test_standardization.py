"""The standardization pitfall is guarded, and the recipe helper does it right."""

import warnings

import bayesflow as bf
import keras
import numpy as np
import pytest
from models import base_adapter, finish, simulator, tiny_flow

import bayesflow_nnpe
from bayesflow_nnpe import NNPE, NNPETransform, standardize_then_nnpe


def fit(standardize, variant):
    keras.utils.set_random_seed(0)
    adapter = base_adapter()
    augmentations = None
    if variant == "augmentation":
        augmentations = {"x": NNPE(seed=1)}
    else:
        adapter = adapter.nnpe("x", seed=1)
    workflow = bf.BasicWorkflow(
        simulator=simulator(), adapter=finish(adapter), inference_network=tiny_flow(), standardize=standardize
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        workflow.fit_online(epochs=1, num_batches_per_epoch=3, batch_size=16, augmentations=augmentations, verbose=0)
    return [w for w in caught if "running moments" in str(w.message)]


@pytest.mark.parametrize("variant", ["augmentation", "adapter"])
@pytest.mark.parametrize("standardize", ["all", ["inference_variables", "inference_conditions"]])
def test_running_standardization_of_conditions_warns_once(standardize, variant):
    (warning,) = fit(standardize, variant)
    assert "inference_conditions" in str(warning.message) and "standardize_then_nnpe" in str(warning.message)


@pytest.mark.parametrize("variant", ["augmentation", "adapter"])
def test_default_standardization_does_not_warn(variant):
    assert fit("inference_variables", variant) == []


def test_standardize_then_nnpe_uses_fixed_clean_statistics():
    clean = simulator().sample(5000)
    adapter = standardize_then_nnpe(base_adapter(), "x", clean, seed=3)
    assert isinstance(adapter.transforms[-1], NNPETransform)
    assert adapter.transforms[-1].get_config()["per_dimension"] is False
    z = np.asarray(adapter(clean, strict=False)["x"])  # inference: standardized, no noise
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-4)
    np.testing.assert_allclose(z.std(axis=0), 1, atol=1e-4)
    new = simulator().sample(200)
    noisy = np.asarray(adapter(new)["x"]) - np.asarray(adapter(new, strict=False)["x"])
    assert np.median(np.abs(noisy)) < 0.25  # spike 0.01 / slab 0.25 on the standardized scale, not rescaled
    assert np.all(noisy != 0)


def test_recipe_trains_saves_and_loads(tmp_path):
    keras.utils.set_random_seed(0)
    clean = simulator().sample(2000)
    adapter = finish(standardize_then_nnpe(base_adapter(), "x", clean, seed=4))
    workflow = bf.BasicWorkflow(simulator=simulator(), adapter=adapter, inference_network=tiny_flow())
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # the recipe itself never trips the guard
        workflow.fit_offline(clean, epochs=1, batch_size=64, verbose=0)
    approximator = workflow.approximator if hasattr(workflow, "approximator") else workflow.estimator
    path = tmp_path / "recipe.keras"
    approximator.save(path)
    loaded = keras.saving.load_model(path)
    x = simulator().sample(3)["x"]
    np.testing.assert_array_equal(
        np.asarray(loaded.adapter({"x": x}, strict=False)["inference_conditions"]),
        np.asarray(approximator.adapter({"x": x}, strict=False)["inference_conditions"]),
    )
    assert bayesflow_nnpe.running_standardization(approximator) == []
