"""The adapter variant: noise on training batches, never at inference; serialization; no clobbering."""

import warnings

import bayesflow as bf
import keras
import numpy as np
import pytest
from models import base_adapter, finish, simulator, tiny_flow
from stats import ALPHA, ks_pvalue

import bayesflow_nnpe
from bayesflow_nnpe import NNPETransform, without_nnpe
from bayesflow_nnpe import transform as transform_module


def batch(n=20_000, seed=0):
    rng = np.random.default_rng(seed)
    return {"x": rng.normal(size=(n, 6)), "theta": rng.normal(size=(n, 2))}


def test_adapter_method_appends_and_returns_the_adapter():
    adapter = bf.Adapter()
    assert adapter.nnpe("x", seed=1) is adapter
    (transform,) = adapter.transforms
    assert isinstance(transform, NNPETransform) and transform.keys == ["x"]
    assert bf.Adapter().nnpe(["x", "y"]).transforms[0].keys == ["x", "y"]


def test_training_call_adds_the_mixture_to_the_named_keys_only():
    adapter = finish(base_adapter().nnpe("x", spike_scale=0.1, slab_scale=0.3, seed=2))
    data = batch()
    before = {k: v.copy() for k, v in data.items()}
    out = adapter(data)
    noise = out["inference_conditions"].astype(np.float64) - data["x"].astype(np.float32)
    assert out["inference_conditions"].dtype == np.float32
    for j in range(6):
        assert ks_pvalue(noise[:, j], 0.1, 0.3) > ALPHA
    np.testing.assert_array_equal(out["inference_variables"], data["theta"].astype(np.float32))
    for k in data:  # nothing modified in place
        np.testing.assert_array_equal(data[k], before[k])


def test_automatic_scales_follow_the_batch():
    adapter = bf.Adapter().nnpe("x", seed=3)
    data = batch()
    noise = adapter(data)["x"] - data["x"]
    std = data["x"].std(axis=0)
    assert ks_pvalue(noise[:, 0], 0.01 * std[0], 0.25 * std[0]) > ALPHA


@pytest.mark.parametrize(
    "kwargs",
    [
        {"strict": False},
        {"strict": False, "stage": "inference"},
        {"stage": "inference"},
        {"stage": "validation"},
        {"inverse": True},
        {"inverse": True, "strict": False},
    ],
)
def test_inference_calls_are_untouched(kwargs):
    transform = NNPETransform("x", seed=4)
    data = batch(100)
    assert transform(data, **kwargs) is data  # the very same dict: nothing copied, nothing drawn
    adapter = finish(base_adapter().nnpe("x", seed=4))
    clean = without_nnpe(adapter)
    adapter(data), clean(data)  # Concatenate must see one strict call first
    if kwargs.get("inverse"):
        data = {"inference_variables": data["theta"].astype(np.float32), "inference_conditions": data["x"]}
    out, reference = adapter(data, **kwargs), clean(data, **kwargs)
    assert out.keys() == reference.keys()
    for key in out:
        np.testing.assert_array_equal(np.asarray(out[key]), np.asarray(reference[key]))


def test_log_det_jac_call_is_untouched():
    transform = NNPETransform("x", seed=5)
    data = batch(100)
    assert transform(data, strict=False, stage="inference") is data
    adapter = bf.Adapter().nnpe("x", seed=5)
    out, ldj = adapter(data, strict=False, log_det_jac=True, stage="inference")
    np.testing.assert_array_equal(np.asarray(out["x"]), data["x"].astype(np.asarray(out["x"]).dtype))
    assert ldj == {}


def test_same_errors_as_the_augmentation():
    adapter = bf.Adapter().nnpe("x")
    data = batch(10)
    data["x"][3, 1] = np.nan
    with pytest.raises(ValueError, match=r"NNPETransform\['x'\]: the batch contains 1 NaN"):
        adapter(data)
    with pytest.raises(TypeError, match="real numeric data"):
        adapter({"x": np.array(["a", "b"])})
    with pytest.raises(KeyError, match=r"keys \['x'\] are not in the data"):
        adapter({"y": np.zeros(3)})
    with pytest.raises(ValueError, match="finite and non-negative"):
        bf.Adapter().nnpe("x", spike_scale=-1)
    with pytest.raises(TypeError, match="keys must be"):
        bf.Adapter().nnpe([])


def test_serialization_round_trip():
    from bayesflow.utils.serialization import deserialize, serialize

    adapter = base_adapter().nnpe(["x"], spike_scale=[0.1] * 6, slab_scale=0.2, per_dimension=True, seed=6)
    restored = deserialize(serialize(adapter))
    original, copy = adapter.transforms[-1], restored.transforms[-1]
    assert isinstance(copy, NNPETransform)
    assert copy.get_config() == original.get_config()
    data = batch(50)
    fresh = deserialize(serialize(adapter))  # the same seed: the same first draw
    np.testing.assert_array_equal(restored(data)["x"], fresh(data)["x"])


def test_without_nnpe_drops_only_the_nnpe_transforms():
    adapter = finish(base_adapter().nnpe("x", seed=7))
    clean = without_nnpe(adapter)
    assert len(clean.transforms) == len(adapter.transforms) - 1
    assert not any(isinstance(t, NNPETransform) for t in clean.transforms)
    assert len(adapter.transforms) == 5  # the original keeps its transforms
    data = batch(30)
    np.testing.assert_array_equal(clean(data)["inference_conditions"], data["x"].astype(np.float32))


def test_assigned_settings_change_the_noise_and_the_saved_config():
    from bayesflow.utils.serialization import deserialize, serialize

    transform = NNPETransform("x", spike_scale=0.01, slab_scale=0.25, per_dimension=False, seed=9)
    transform.spike_scale, transform.slab_scale, transform.seed = 0.5, 2.0, 10
    adapter = bf.Adapter().append(transform)
    noise = adapter({"x": np.zeros((50_000, 1))})["x"]
    assert ks_pvalue(noise.ravel(), 0.5, 2.0) > ALPHA
    restored = deserialize(serialize(adapter)).transforms[0]
    assert (restored.spike_scale, restored.slab_scale, restored.per_dimension, restored.seed) == (0.5, 2.0, False, 10)
    assert "spike_scale=0.5" in repr(transform) and "seed=10" in repr(transform)


def test_slab_probability_in_the_adapter_method_the_recipe_and_the_saved_config():
    from bayesflow.utils.serialization import deserialize, serialize

    from bayesflow_nnpe import standardize_then_nnpe

    adapter = bf.Adapter().nnpe("x", spike_scale=0.01, slab_scale=0.25, seed=11, slab_probability=0.2)
    noise = np.asarray(adapter({"x": np.zeros((30_000, 2))})["x"])
    assert ks_pvalue(noise.ravel(), 0.01, 0.25, p_slab=0.2) > ALPHA
    restored = deserialize(serialize(adapter)).transforms[0]
    assert restored.slab_probability == 0.2
    recipe = standardize_then_nnpe(bf.Adapter(), "x", batch(100), slab_probability=0.1)
    assert recipe.transforms[-1].slab_probability == 0.1
    old_config = {k: v for k, v in restored.get_config().items() if k != "slab_probability"}
    assert NNPETransform.from_config(old_config).slab_probability == 0.5  # adapters saved before rho existed


def test_without_nnpe_is_a_new_adapter_sharing_the_other_transforms():
    adapter = finish(base_adapter().append(NNPETransform("x", seed=7)))
    clean = without_nnpe(adapter)
    assert clean is not adapter and type(clean) is bf.Adapter
    kept = [t for t in adapter.transforms if not isinstance(t, NNPETransform)]
    assert len(clean.transforms) == len(kept) and all(a is b for a, b in zip(clean.transforms, kept, strict=True))


@pytest.mark.parametrize("option", ["jit_compile", "differentiable", "device"])
def test_without_nnpe_keeps_the_adapter_settings(option):
    from bayesflow_nnpe.compat import adapter_option

    if not adapter_option(option):
        pytest.skip(f"bayesflow {bf.__version__} has no Adapter({option}=...) (added in 2.1)")
    value = "cpu" if option == "device" else True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # jit_compile with NNPE warns that training runs eagerly
        adapter = bf.Adapter(**{option: value}).append(NNPETransform("x", seed=1)).rename("x", "y")
    clean = without_nnpe(adapter)
    assert getattr(clean, option) == value
    data = {"x": np.ones((4, 2), dtype=np.float32)}
    for _ in range(3):  # with jit_compile, the second call is the first compiled one: the copy compiles on its own
        np.testing.assert_array_equal(np.asarray(clean(data)["y"]), data["x"])
    assert len(adapter.transforms) == 2  # the original keeps its noise


def test_existing_adapter_method_is_never_clobbered(monkeypatch):
    def theirs(self, *args, **kwargs):
        return "theirs"

    monkeypatch.setattr(bf.Adapter, "nnpe", theirs)
    monkeypatch.setattr(transform_module, "_registered", False)
    with pytest.warns(UserWarning, match="already defines Adapter.nnpe"):
        assert transform_module.register_adapter_method() is False
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warns once only
        assert transform_module.register_adapter_method() is False
    assert bf.Adapter.nnpe is theirs


# --- a real trained approximator ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    keras.utils.set_random_seed(0)
    adapter = finish(base_adapter().nnpe("x", seed=8))
    workflow = bf.BasicWorkflow(simulator=simulator(), adapter=adapter, inference_network=tiny_flow())
    history = workflow.fit_online(epochs=2, num_batches_per_epoch=20, batch_size=32, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    approximator = workflow.approximator if hasattr(workflow, "approximator") else workflow.estimator
    path = tmp_path_factory.mktemp("model") / "nnpe.keras"
    approximator.save(path)
    return approximator, path


def inference_outputs(approximator, data):
    samples = approximator.sample(num_samples=50, conditions={"x": data["x"]}, seed=123)
    log_prob = approximator.log_prob(data)
    inverse = approximator.adapter(
        {"inference_variables": data["theta"].astype(np.float32)}, inverse=True, strict=False
    )
    return samples["theta"], log_prob, inverse["theta"]


@pytest.mark.slow
def test_inference_is_bit_identical_with_and_without_nnpe(trained):
    approximator, _ = trained
    data = simulator().sample(16)
    with_nnpe = inference_outputs(approximator, data)
    for a, b in zip(with_nnpe, inference_outputs(approximator, data), strict=True):  # seeded: repeatable
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    original = approximator.adapter
    approximator.adapter = without_nnpe(original)
    try:
        without = inference_outputs(approximator, data)
    finally:
        approximator.adapter = original
    for a, b in zip(with_nnpe, without, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    # ... while the training path of the same adapter is noisy
    assert np.all(original(data)["inference_conditions"] != data["x"].astype(np.float32))


@pytest.mark.slow
@pytest.mark.parametrize("how", ["import bayesflow_nnpe", "import bayesflow_nnpe as b; b.load_plugins()"])
def test_saved_model_loads_and_samples_in_a_fresh_process(trained, how, run_python):
    _, path = trained
    result = run_python(
        f"""
        {how}
        import keras, numpy as np
        model = keras.saving.load_model({str(path)!r})
        nnpe = [t for t in model.adapter.transforms if type(t).__name__ == "NNPETransform"]
        assert len(nnpe) == 1 and nnpe[0].keys == ["x"] and nnpe[0].seed == 8, model.adapter
        draws = model.sample(num_samples=10, conditions={{"x": np.zeros((2, 6), dtype="float32")}})["theta"]
        assert draws.shape == (2, 10, 2) and np.all(np.isfinite(draws)), draws.shape
        print("OK")
        """
    )
    assert "OK" in result.stdout


@pytest.mark.slow
def test_loading_without_the_plugin_names_the_package(trained, run_python):
    _, path = trained
    result = run_python(f"import bayesflow, keras; keras.saving.load_model({str(path)!r})", check=False)
    assert result.returncode != 0
    assert "bayesflow_nnpe" in result.stderr and "NNPETransform" in result.stderr


@pytest.mark.parametrize("keys", [123, [], ["x", 1], None, {"x"}])
def test_keys_that_are_not_strings_get_an_error_that_says_what_keys_are(keys):
    with pytest.raises(TypeError, match=r"keys must be a key \(str\) or a non-empty list or tuple of keys"):
        NNPETransform(keys)


@pytest.mark.parametrize("adapter", ["hello", None, [1, 2]])
def test_without_nnpe_rejects_what_is_not_an_adapter(adapter):
    with pytest.raises(TypeError, match="without_nnpe takes a bayesflow Adapter"):
        without_nnpe(adapter)


def test_standardize_then_nnpe_rejects_an_array_for_the_clean_simulations():
    from bayesflow_nnpe import standardize_then_nnpe

    clean = np.random.default_rng(0).normal(size=(100, 3))
    with pytest.raises(TypeError, match=r"clean must map keys to clean simulations.*ndarray of shape \(100, 3\).*'x'"):
        standardize_then_nnpe(bf.Adapter(), "x", clean)
    with pytest.raises(KeyError, match="'y' is not in the clean simulations"):
        standardize_then_nnpe(bf.Adapter(), "y", {"x": clean})


def test_import_registers_adapter_method():
    assert bf.Adapter.nnpe is transform_module.nnpe
    assert bayesflow_nnpe.load_plugins()["nnpe"] is None  # our plugin returns nothing; idempotent


@pytest.mark.parametrize("option", ["jit_compile", "differentiable"])
def test_compiled_and_differentiable_adapters(option):
    import inspect

    if option not in inspect.signature(bf.Adapter).parameters:
        pytest.skip(f"bayesflow {bf.__version__} has no Adapter({option}=...) (added in 2.1)")
    data = {"x": np.zeros((8, 2), dtype=np.float32)}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        adapter = bf.Adapter(**{option: True}).nnpe("x", spike_scale=1.0, slab_scale=1.0, seed=1)
        training = [np.asarray(adapter(data)["x"]) for _ in range(3)]  # the 2nd call is the first compiled one
        inference = [np.asarray(adapter(data, strict=False)["x"]) for _ in range(3)]
    assert all(np.all(t != 0) for t in training) and len({t.tobytes() for t in training}) == 3
    assert all(np.all(i == 0) for i in inference)
    messages = " | ".join(str(w.message) for w in caught)
    if option == "jit_compile":
        assert "training batches run eagerly" in messages  # said upfront by .nnpe()
        assert "cannot run inside a compiled adapter" in messages  # and why, by the fallback
    else:
        assert not caught, messages
