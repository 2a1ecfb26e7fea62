"""NNPE noise and running standardization: the automatic guard, the deterministic check, and the recipes.

The guard must warn in every case where noise reaches running moments of the conditions: the usual first fit, a
noise source that drew before ``fit``, a user's subclass of BayesFlow's approximator, and an approximator built
in the main thread and trained again with worker threads. It must never warn for safe settings.
"""

import threading
import warnings

import bayesflow as bf
import keras
import numpy as np
import pytest
from models import approximator_class, base_adapter, finish, simulator, tiny_flow

from bayesflow_nnpe import (
    NNPE,
    NNPETransform,
    check_standardization,
    running_standardization,
    standardize_then_nnpe,
    without_nnpe,
)
from bayesflow_nnpe.compat import estimator_of

GUARD = "running moments"


class MyApproximator(approximator_class()):
    """A user's own subclass of BayesFlow's approximator, defined outside bayesflow."""


class MeanSummary(bf.networks.SummaryNetwork):
    """A tiny summary network: mean over the set, then a dense layer."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(2)

    def call(self, x, **kwargs):
        return self.dense(keras.ops.mean(x, axis=1))


def noise_source(variant, seed=1):
    """(adapter, augmentations) that put NNPE noise on x, as the augmentation or the adapter variant."""
    if variant == "augmentation":
        return base_adapter(), {"x": NNPE(seed=seed)}
    return base_adapter().append(NNPETransform("x", seed=seed)), None


def the_noise(adapter, augmentations):
    """The NNPE object that draws the noise: the augmentation, or the transform in the adapter."""
    if augmentations:
        return augmentations["x"]
    (transform,) = [t for t in adapter.transforms if isinstance(t, NNPETransform)]
    return transform


def make_approximator(adapter, standardize, cls=None, summary=False):
    cls = cls or approximator_class()
    if summary:
        adapter = adapter.expand_dims("x", axis=-1).concatenate(["theta"], into="inference_variables")
        adapter = adapter.rename("x", "summary_variables")
        return cls(
            adapter=adapter, inference_network=tiny_flow(), summary_network=MeanSummary(), standardize=standardize
        )
    return cls(adapter=finish(adapter), inference_network=tiny_flow(), standardize=standardize)


def dataset(adapter, augmentations, **workers):
    return bf.datasets.OnlineDataset(simulator(), 16, 3, adapter=adapter, augmentations=augmentations, **workers)


def guard_warnings(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    return [str(w.message) for w in caught if GUARD in str(w.message)]


def fit(approximator, augmentations, **workers):
    keras.utils.set_random_seed(0)
    approximator.compile(optimizer=keras.optimizers.Adam(1e-3))
    return guard_warnings(
        lambda: approximator.fit(dataset=dataset(approximator.adapter, augmentations, **workers), epochs=1, verbose=0)
    )


VARIANTS = ["augmentation", "adapter"]


@pytest.mark.slow
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("standardize", ["all", ["inference_variables", "inference_conditions"]])
def test_first_fit_warns_once_naming_the_conditions(standardize, variant):
    adapter, augmentations = noise_source(variant)
    (message,) = fit(make_approximator(adapter, standardize), augmentations)
    assert "['inference_conditions']" in message and "summary_variables" not in message
    assert "from_simulations" in message and "standardize_then_nnpe" in message


@pytest.mark.slow
@pytest.mark.parametrize("variant", VARIANTS)
def test_a_draw_before_fit_does_not_use_the_guard_up(variant):
    adapter, augmentations = noise_source(variant)
    batch = simulator().sample(8)
    if variant == "augmentation":
        augmentations["x"](batch["x"])  # a quick look at the noise, outside any fit
    else:
        adapter(batch)  # a training call of the adapter, outside any fit
    (message,) = fit(make_approximator(adapter, "all"), augmentations)
    assert "inference_conditions" in message


@pytest.mark.slow
@pytest.mark.parametrize("variant", VARIANTS)
def test_a_users_subclass_is_recognised(variant):
    adapter, augmentations = noise_source(variant)
    approximator = make_approximator(adapter, "all", cls=MyApproximator)
    assert type(approximator).__module__ != "bayesflow" and not type(approximator).__module__.startswith("bayesflow.")
    assert len(fit(approximator, augmentations)) == 1


@pytest.mark.slow
@pytest.mark.parametrize("variant", VARIANTS)
def test_built_in_the_main_thread_then_trained_with_worker_threads(variant):
    adapter, augmentations = noise_source(variant)
    approximator = make_approximator(adapter, "all")
    approximator.build_from_data(dataset(without_nnpe(adapter), None)[0])  # built here, no noise drawn
    assert approximator.built
    drawn_in = set()
    noise = the_noise(adapter, augmentations)
    original = noise.noisy

    def recording(data, **kwargs):
        drawn_in.add(threading.current_thread().name)
        return original(data, **kwargs)

    noise.noisy = recording
    messages = fit(approximator, augmentations, workers=2, use_multiprocessing=False)
    assert drawn_in and threading.main_thread().name not in drawn_in, f"drawn in {drawn_in}: not worker threads only"
    assert len(messages) == 1 and "inference_conditions" in messages[0]


@pytest.mark.slow
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("standardize", ["inference_variables", None])
def test_safe_settings_never_warn(standardize, variant):
    adapter, augmentations = noise_source(variant)
    assert fit(make_approximator(adapter, standardize), augmentations) == []


@pytest.mark.slow
@pytest.mark.parametrize("variant", VARIANTS)
def test_only_the_inputs_the_approximator_has_are_named(variant):
    adapter, augmentations = noise_source(variant)
    (message,) = fit(make_approximator(adapter, "all", summary=True), augmentations)
    assert "['summary_variables']" in message and "inference_conditions" not in message


# --- the deterministic check ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_check_before_and_after_training():
    adapter, _ = noise_source("adapter")
    approximator = make_approximator(adapter, "all")
    with pytest.warns(UserWarning, match=GUARD):
        assert check_standardization(approximator) == ["inference_conditions"]  # unbuilt: predicted
    fit(approximator, None)
    with pytest.warns(UserWarning, match=GUARD):
        assert check_standardization(approximator) == ["inference_conditions"]  # built: its layers
    with pytest.raises(ValueError, match=GUARD):
        check_standardization(approximator, strict=True)


@pytest.mark.parametrize("augmentations", [{"x": NNPE()}, [NNPE()], NNPE()], ids=["mapping", "sequence", "single"])
def test_check_recognises_augmentations(augmentations):
    approximator = make_approximator(base_adapter(), "all")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_standardization(approximator) == []  # no NNPE anywhere: nothing at risk
    with pytest.warns(UserWarning, match=GUARD):
        assert check_standardization(approximator, augmentations) == ["inference_conditions"]


@pytest.mark.parametrize("standardize", ["inference_variables", None])
def test_check_is_silent_for_safe_settings(standardize):
    adapter, _ = noise_source("adapter")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_standardization(make_approximator(adapter, standardize), {"x": NNPE()}) == []


@pytest.mark.parametrize("approximator", [None, "approximator", bf.Adapter()])
def test_check_rejects_what_is_not_an_approximator(approximator):
    with pytest.raises(TypeError, match="check_standardization takes a BayesFlow approximator"):
        check_standardization(approximator, {"x": NNPE()})


def test_running_standardization_names_what_the_approximator_has():
    with_summary = make_approximator(base_adapter(), "all", summary=True)
    assert running_standardization(with_summary) == ["summary_variables"]
    assert running_standardization(make_approximator(base_adapter(), "all")) == ["inference_conditions"]
    explicit = make_approximator(base_adapter(), ["inference_variables", "inference_conditions"])
    assert running_standardization(explicit) == ["inference_conditions"]


# --- the recipes ----------------------------------------------------------------------------------------------------


def test_standardize_then_nnpe_is_the_noise_core_on_fixed_z_scores():
    clean = simulator().sample(5000)
    adapter = standardize_then_nnpe(base_adapter(), "x", clean, seed=3)
    assert isinstance(adapter.transforms[-1], NNPETransform)
    z = np.asarray(adapter(clean, strict=False)["x"])  # inference: standardized with the clean statistics
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-4)
    np.testing.assert_allclose(z.std(axis=0), 1, atol=1e-4)
    new = simulator().sample(200)
    z_new = np.asarray(adapter(new, strict=False)["x"])
    noisy = np.asarray(adapter(new)["x"])
    # bit for bit what Ward's noise (0.01, 0.25, global) on those z-scores gives with the same seed
    np.testing.assert_array_equal(noisy, NNPE(0.01, 0.25, per_dimension=False, seed=3)(z_new))


def test_recipes_never_call_adapter_nnpe(monkeypatch):
    def foreign(self, *args, **kwargs):
        raise AssertionError("an Adapter.nnpe of another package was called")

    monkeypatch.setattr(bf.Adapter, "nnpe", foreign)
    adapter = standardize_then_nnpe(base_adapter(), "x", simulator().sample(100), seed=1)
    assert isinstance(adapter.transforms[-1], NNPETransform)


@pytest.mark.slow
def test_recipe_trains_saves_and_loads(tmp_path):
    keras.utils.set_random_seed(0)
    clean = simulator().sample(2000)
    adapter = finish(standardize_then_nnpe(base_adapter(), "x", clean, seed=4))
    workflow = bf.BasicWorkflow(simulator=simulator(), adapter=adapter, inference_network=tiny_flow())
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # the recipe itself never trips a guard
        workflow.fit_offline(clean, epochs=1, batch_size=64, verbose=0)
    approximator = estimator_of(workflow)
    path = tmp_path / "recipe.keras"
    approximator.save(path)
    loaded = keras.saving.load_model(path)
    x = simulator().sample(3)["x"]
    np.testing.assert_array_equal(
        np.asarray(loaded.adapter({"x": x}, strict=False)["inference_conditions"]),
        np.asarray(approximator.adapter({"x": x}, strict=False)["inference_conditions"]),
    )
    assert check_standardization(approximator) == []


@pytest.mark.slow
def test_from_simulations_trains_with_a_clean_validation_loss():
    """The augmentation recipe inside BasicWorkflow: no guard, and the validation data never see noise."""
    keras.utils.set_random_seed(0)
    clean = simulator().sample(2000)
    nnpe = NNPE.from_simulations(clean["x"], seed=5)
    workflow = bf.BasicWorkflow(simulator=simulator(), adapter=finish(base_adapter()), inference_network=tiny_flow())
    validation = simulator().sample(64)
    before = {k: v.copy() for k, v in validation.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        history = workflow.fit_offline(
            clean, epochs=1, batch_size=64, validation_data=validation, augmentations={"x": nnpe}, verbose=0
        )
    for key in before:
        np.testing.assert_array_equal(validation[key], before[key])
    approximator = estimator_of(workflow)
    adapted = {k: keras.ops.convert_to_tensor(v) for k, v in approximator.adapter(validation).items()}
    clean_loss = keras.ops.convert_to_numpy(approximator.compute_metrics(**adapted, stage="validation")["loss"])
    np.testing.assert_allclose(history.history["val_loss"][-1], float(clean_loss), rtol=1e-4)
