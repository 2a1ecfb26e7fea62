"""Training with slab indicators (``NNPE.with_indicators``) and the robust posterior (``RobustPosterior``).

The exactness of the robust posterior against quadrature is in ``tests/benchmarks/test_robust_exact.py``.
"""

import bayesflow as bf
import keras
import numpy as np
import pytest
from datasets import assert_intact, snapshot, write_disk
from models import base_adapter, simulator, tiny_flow
from stats import ALPHA, binomial_ok, ks_pvalue

from bayesflow_nnpe import NNPE, MisspecificationCritic, NNPEWithIndicators, RobustPosterior
from bayesflow_nnpe.compat import estimator_of

# --- NNPE.with_indicators -------------------------------------------------------------------------------------------


def test_the_noise_is_exactly_the_nnpes_and_the_indicators_say_where_the_slab_went():
    x = np.random.default_rng(0).normal(size=(5000, 3)).astype(np.float32)
    batch = {"x": x, "theta": np.ones((5000, 1))}
    plain = NNPE(0.01, 0.25, seed=1, slab_probability=0.3)(x)
    out = NNPE(0.01, 0.25, seed=1, slab_probability=0.3).with_indicators("x", into="z")(batch)
    np.testing.assert_array_equal(out["x"], plain)  # same settings, same stream: bit-identical
    assert out["z"].dtype == np.float32 and out["z"].shape == x.shape and set(np.unique(out["z"])) == {0.0, 1.0}
    assert out["theta"] is batch["theta"] and np.array_equal(batch["x"], x) and "z" not in batch  # nothing lost
    eps = out["x"].astype(np.float64) - x
    assert ks_pvalue(eps[out["z"] == 1], 0.0, 0.25, p_slab=1.0) > ALPHA
    assert ks_pvalue(eps[out["z"] == 0], 0.01, 0.0, p_slab=0.0) > ALPHA
    assert binomial_ok(out["z"].sum(), out["z"].size, 0.3)


@pytest.mark.parametrize("rho", ["uniform", 0.3])
def test_a_clean_fraction_of_the_samples_gets_no_slab(rho):
    """With slab_probability="uniform", no slab in 1/(d+1) of the samples; a clean fraction f adds f d/(d+1)."""
    d, n = 4, 40_000
    augmentation = NNPE(0.0, 1.0, seed=5, slab_probability=rho).with_indicators("x", into="z", clean_fraction=0.5)
    z = augmentation({"x": np.zeros((n, d))})["z"]
    none = 1 / (d + 1) if rho == "uniform" else 0.7**d
    assert binomial_ok((z.sum(axis=1) == 0).sum(), n, 0.5 + 0.5 * none)
    assert "clean_fraction=0.5" in repr(augmentation)
    with pytest.raises(ValueError, match="clean_fraction"):
        NNPE().with_indicators("x", into="z", clean_fraction=1.5)


def test_clean_data_get_indicators_that_are_all_zero():
    augmentation = NNPE(seed=2).with_indicators("x", into="z")
    validation = {"x": np.ones((7, 3)), "theta": np.zeros((7, 2))}
    clean = augmentation.clean(validation)
    assert clean["z"].dtype == np.float32 and clean["z"].shape == (7, 3) and not clean["z"].any()
    assert clean["x"] is validation["x"] and "z" not in validation


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda a: a(np.zeros((4, 3))), TypeError, "whole-batch augmentation"),
        (lambda a: a({"y": np.zeros((4, 3))}), KeyError, "no entry 'x'"),
        (lambda a: a({"x": np.zeros((4, 3)), "z": np.zeros((4, 3))}), ValueError, "already has an entry 'z'"),
        (lambda a: NNPE().with_indicators("x", into="x"), ValueError, "into must differ"),
        (lambda a: NNPE().with_indicators("x", into=3), TypeError, "into must be the name"),
        (lambda a: NNPEWithIndicators("not an nnpe", "x", "z"), TypeError, "wraps an NNPE"),
    ],
)
def test_misuse_gets_an_error_that_says_what_to_do(call, error, match):
    with pytest.raises(error, match=match):
        call(NNPE(seed=3).with_indicators("x", into="z"))


def indicator_workflow(augmentation):
    adapter = (
        base_adapter()
        .concatenate(["theta"], into="inference_variables")
        .concatenate(["x", "z"], into="inference_conditions")
    )
    return bf.BasicWorkflow(simulator=simulator(), adapter=adapter, inference_network=tiny_flow())


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["online", "offline", "disk"])
def test_workflows_train_with_indicators(kind, tmp_path):
    keras.utils.set_random_seed(0)
    np.random.seed(0)
    augmentation = NNPE(0.1, 0.2, seed=4).with_indicators("x", into="z")
    workflow = indicator_workflow(augmentation)
    fit = {
        "epochs": 2,
        "batch_size": 32,
        "augmentations": augmentation,
        "validation_data": augmentation.clean(simulator().sample(64)),  # the one documented line
        "verbose": 0,
    }
    source, before = None, None
    if kind == "online":
        history = workflow.fit_online(num_batches_per_epoch=6, **fit)
    elif kind == "offline":
        source = simulator().sample(192)
        before = snapshot(source)
        history = workflow.fit_offline(source, **fit)
    else:
        source = tmp_path / "sims"
        write_disk(source, simulator().sample(192))
        before = snapshot(source)
        history = workflow.fit_disk(source, **fit)
    assert_intact(source, before)
    assert np.all(np.isfinite(history.history["loss"])) and np.all(np.isfinite(history.history["val_loss"]))
    test = augmentation.clean(simulator().sample(4))
    draws = workflow.sample(num_samples=10, conditions={"x": test["x"], "z": test["z"]})["theta"]
    assert draws.shape == (4, 10, 2) and np.all(np.isfinite(draws))


# --- RobustPosterior: its contract ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def untrained():
    """An approximator and a critic, built and not trained: for the checks that come before any draw."""
    critic = MisspecificationCritic(seed=5, widths=(8,), joint_width=4)
    critic.fit(simulator().sample(200)["x"], epochs=0, verbose=0)
    workflow = indicator_workflow(None)
    return estimator_of(workflow), critic


@pytest.mark.parametrize(
    ("conditions", "kwargs", "error", "match"),
    [
        ({"y": np.zeros((2, 6))}, {}, KeyError, "no entry 'x'"),
        ({"x": np.zeros((2, 6)), "z": np.zeros((2, 6))}, {}, ValueError, "already hold 'z'"),
        ({"x": np.zeros((2, 5))}, {}, ValueError, r"fitted on summaries of shape \(6,\)"),
        ({"x": np.zeros(6)}, {}, ValueError, r"pass m observations of shape \(m, 6\)"),
        ({"x": np.zeros((2, 6))}, {"slab_probability": 1.2}, ValueError, r"\[0, 1\]"),
        ({"x": np.zeros((2, 6))}, {"slab_probability": [0.1] * 5}, ValueError, "one probability per summary"),
        (np.zeros((2, 6)), {}, TypeError, "conditions must map"),
    ],
)
def test_bad_input_gets_a_clear_error(untrained, conditions, kwargs, error, match):
    approximator, critic = untrained
    robust = RobustPosterior(approximator, critic, key="x", indicators="z")
    with pytest.raises(error, match=match):
        robust.sample(conditions, 10, **kwargs)


def test_bad_construction_gets_a_clear_error(untrained):
    approximator, critic = untrained
    with pytest.raises(TypeError, match="sample method"):
        RobustPosterior("model", critic, key="x", indicators="z")
    with pytest.raises(TypeError, match="not fitted"):
        RobustPosterior(approximator, MisspecificationCritic(), key="x", indicators="z")
    with pytest.raises(ValueError, match="must differ"):
        RobustPosterior(approximator, critic, key="x", indicators="x")
    with pytest.raises(TypeError, match="indicators must be"):
        RobustPosterior(approximator, critic, key="x", indicators=None)


# --- RobustPosterior: the mixture, with a trained approximator ------------------------------------------------------


@pytest.fixture(scope="module")
def trained():
    """A tiny indicator-conditioned posterior network and critic on the 6-sensor toy model."""
    keras.utils.set_random_seed(6)
    np.random.seed(6)
    augmentation = NNPE.from_simulations(simulator().sample(2000)["x"], seed=7).with_indicators("x", into="z")
    workflow = indicator_workflow(augmentation)
    workflow.fit_offline(simulator().sample(2000), epochs=3, batch_size=64, augmentations=augmentation, verbose=0)
    critic = MisspecificationCritic(seed=8, widths=(32,), joint_width=8)
    critic.fit(simulator().sample(4000)["x"], epochs=3, verbose=0)
    return estimator_of(workflow), critic


@pytest.mark.slow
def test_draws_mix_the_posterior_network_over_the_critics_indicators(trained):
    """Each draw comes from q(theta | y, z) with z ~ p_rho(z | y): at rho = 0 that is the network at z = 0."""
    approximator, critic = trained
    robust = RobustPosterior(approximator, critic, key="x", indicators="z")
    observed = {"x": simulator().sample(3)["x"]}
    draws = robust.sample(observed, 400, slab_probability=0.0, seed=9)
    assert set(draws) == {"theta"} and draws["theta"].shape == (3, 400, 2)
    at_zero = approximator.sample(num_samples=400, conditions={**observed, "z": np.zeros((3, 6))}, seed=10)["theta"]
    for i in range(3):  # two samples of the same distribution (a KS test per parameter, Bonferroni over 6)
        from scipy.stats import ks_2samp

        for k in range(2):
            assert ks_2samp(draws["theta"][i, :, k], at_zero[i, :, k]).pvalue > ALPHA / 6
    again = robust.sample(observed, 400, slab_probability=0.5, seed=9)["theta"]
    np.testing.assert_array_equal(again, robust.sample(observed, 400, slab_probability=0.5, seed=9)["theta"])
    assert not np.array_equal(again, draws["theta"])


@pytest.mark.slow
def test_a_rho_vector_and_the_empirical_bayes_estimate_are_accepted(trained):
    approximator, critic = trained
    robust = RobustPosterior(approximator, critic, key="x", indicators="z")
    observed = simulator().sample(20)
    rho = critic.estimate_slab_probability(observed["x"])
    for prior in (rho, [0.1] * 6, 0.1, None):
        draws = robust.sample({"x": observed["x"]}, 5, slab_probability=prior)["theta"]
        assert draws.shape == (20, 5, 2) and np.all(np.isfinite(draws))


@pytest.mark.slow
def test_both_models_save_and_load_in_a_fresh_process(trained, tmp_path, run_python):
    approximator, critic = trained
    approximator.save(tmp_path / "posterior.keras")
    critic.save(tmp_path / "critic.keras")
    observed = simulator().sample(3)["x"]
    np.save(tmp_path / "observed.npy", observed)
    expected = RobustPosterior(approximator, critic, key="x", indicators="z").sample(
        {"x": observed}, 50, slab_probability=0.2, seed=11
    )["theta"]
    np.save(tmp_path / "expected.npy", expected)
    result = run_python(f"""
        import bayesflow_nnpe
        import keras
        import numpy as np
        posterior = keras.saving.load_model({str(tmp_path / "posterior.keras")!r})
        critic = keras.saving.load_model({str(tmp_path / "critic.keras")!r})
        robust = bayesflow_nnpe.RobustPosterior(posterior, critic, key="x", indicators="z")
        observed = np.load({str(tmp_path / "observed.npy")!r})
        draws = robust.sample({{"x": observed}}, 50, slab_probability=0.2, seed=11)["theta"]
        np.testing.assert_allclose(draws, np.load({str(tmp_path / "expected.npy")!r}), rtol=1e-4, atol=1e-5)
        print("OK")
    """)
    assert "OK" in result.stdout
