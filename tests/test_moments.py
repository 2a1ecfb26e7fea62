"""The clean z-scoring statistics (``zscore_statistics``) and constant summaries through both recipes and the critic.

bayesflow's own SIR simulator has a first observable that is almost always 0 (std 0 in 512 simulations with the seed
used here, about 1e-5 in more): Ward et al.'s z-scoring divided by zero there, and the scale check warned falsely.
"""

import warnings

import bayesflow as bf
import numpy as np
import pytest
from models import base_adapter, tiny_flow

from bayesflow_nnpe import NNPE, MisspecificationCritic, standardize_then_nnpe, zscore_statistics


@pytest.fixture(scope="module")
def sir():
    """Clean SIR simulations (a near-constant first observable) and a fresh training batch."""
    simulator = bf.simulators.SIR(rng=np.random.default_rng(12))
    clean, batch = simulator.sample(512), simulator.sample(64)
    assert clean["observables"][:, 0].std() == 0 and batch["observables"][:, 0].std() > 0  # constant, then not
    return clean, batch


def test_statistics_are_mean_and_std_with_constant_dimensions_guarded():
    rng = np.random.default_rng(0)
    clean = np.stack([rng.normal(3.0, 2.0, 1000), np.full(1000, 7.0), rng.normal(size=1000)], axis=-1)
    mean, std = zscore_statistics(clean)
    np.testing.assert_allclose(mean, clean.mean(axis=0))
    np.testing.assert_allclose(std, [clean[:, 0].std(), 1.0, clean[:, 2].std()])
    assert np.all(np.isfinite((clean - mean) / std))
    whole = zscore_statistics(clean, per_dimension=False)
    assert whole.mean.shape == () and whole.std == pytest.approx(clean.std())
    assert zscore_statistics(np.full((5, 2), 4.0)).std.tolist() == [1.0, 1.0]


def test_statistics_over_all_leading_axes():
    clean = np.random.default_rng(1).normal(size=(50, 20, 3)) * [1.0, 2.0, 3.0]
    mean, std = zscore_statistics(clean)
    np.testing.assert_allclose(std, clean.reshape(-1, 3).std(axis=0))


@pytest.mark.parametrize(
    ("clean", "error", "match"),
    [
        ({"x": np.zeros((3, 2))}, TypeError, r"clean\['x'\]"),
        (np.zeros((1, 2)), ValueError, "at least 2 samples"),
        (np.array([[0.0, np.nan], [1.0, 2.0]]), ValueError, "NaN"),
        (np.float64(3.0), ValueError, "0-d"),
    ],
)
def test_bad_clean_data_is_rejected(clean, error, match):
    with pytest.raises(error, match=match):
        zscore_statistics(clean)


def test_recipe_one_z_scores_a_constant_observable_without_nan_or_warnings(sir):
    clean, batch = sir
    mean, std = zscore_statistics(clean["observables"])
    adapter = base_adapter().standardize("observables", mean=mean.tolist(), std=std.tolist())
    nnpe = NNPE.from_simulations(clean["observables"], seed=1)
    assert nnpe.slab_scale[0] == 0.25  # the constant observable: z-scale noise on a shifted constant (std 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no false "off by more than 10x"
        z = adapter({**batch, "observables": nnpe(batch["observables"])})["observables"]
    assert np.all(np.isfinite(z))


def test_recipe_two_and_the_scale_check_leave_a_near_constant_observable_alone(sir):
    clean, batch = sir
    adapter = standardize_then_nnpe(base_adapter(), "observables", clean, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # its batch std is tiny next to the slab: not a reason to warn
        z = adapter(batch)["observables"]
    assert np.all(np.isfinite(z))


def test_the_scale_check_still_warns_for_raw_data_that_varies():
    data = np.random.default_rng(2).normal(size=(64, 3)) * 1e-3  # varies, at a thousandth of the slab's unit
    with pytest.warns(UserWarning, match="off by more than 10x"):
        NNPE(0.01, 0.25, per_dimension=False)(data)


@pytest.mark.slow
@pytest.mark.parametrize("recipe", ["augmentation", "adapter"])
def test_both_recipes_train_on_sir_with_finite_losses(sir, recipe):
    clean, _ = sir
    adapter = base_adapter()
    augmentations = None
    if recipe == "augmentation":
        mean, std = zscore_statistics(clean["observables"])
        adapter = adapter.standardize("observables", mean=mean.tolist(), std=std.tolist())
        augmentations = {"observables": NNPE.from_simulations(clean["observables"], seed=1)}
    else:
        adapter = standardize_then_nnpe(adapter, "observables", clean, seed=1)
    adapter = adapter.concatenate(["parameters"], into="inference_variables").rename(
        "observables", "inference_conditions"
    )
    workflow = bf.BasicWorkflow(adapter=adapter, inference_network=tiny_flow(), standardize="inference_variables")
    history = workflow.fit_offline(clean, epochs=2, batch_size=64, augmentations=augmentations, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))


@pytest.mark.slow
def test_the_critic_trains_on_sir_with_finite_losses(sir):
    clean, batch = sir
    critic = MisspecificationCritic(seed=4, widths=(16,), joint_width=8)
    history = critic.fit(clean["observables"], epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    assert critic.summary_std[0] == 1.0
    assert np.all(np.isfinite(critic.inclusion_probabilities(batch["observables"])))
