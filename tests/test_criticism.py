"""The misspecification critic: its API, its training data, its keras contract, the joint at any prior, saving, and
its accuracy against exact probabilities.

The exact posterior inclusion probabilities come from the benchmarks' quadrature references (proved in their own
tests), never from the critic. The budgets here are small; the documented accuracy comes from ``make criticism``.
"""

from math import comb

import keras
import numpy as np
import pytest
from stats import ALPHA, binomial_ok, ks_pvalue

from bayesflow_nnpe import MisspecificationCritic, criticism
from bayesflow_nnpe.noise import SpikeSlabNoise
from benchmarks.references import inclusion


@pytest.fixture(scope="module")
def small():
    """A critic built, not trained (``epochs=0``), on 4 redundant sensors far from unit scale: for the API, whose
    exactness does not depend on what the network learned."""
    rng = np.random.default_rng(0)
    clean = rng.normal(size=(3000, 1)) + 0.3 * rng.normal(size=(3000, 4)) + np.array([0.0, 10.0, -5.0, 100.0])
    critic = MisspecificationCritic(seed=1, widths=(16,), joint_width=8)
    critic.fit(clean, epochs=0, verbose=0)
    return critic, clean


# --- construction ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"slab_probability": 1.5}, ValueError, "slab_probability"),
        ({"slab_probability": "half"}, TypeError, "slab_probability"),
        ({"slab_probability": 0}, ValueError, "strictly between 0 and 1"),
        ({"slab_probability": 1.0}, ValueError, "strictly between 0 and 1"),
        ({"slab_scale": 0.0}, ValueError, "slab_scale must be positive"),
        ({"spike_scale": -1.0}, ValueError, "finite and non-negative"),
        ({"seed": -1}, ValueError, "seed"),
        ({"widths": ()}, ValueError, "widths"),
        ({"joint_width": 0}, ValueError, "joint_width"),
        ({"training_prior": "flat"}, ValueError, "training_prior must be a number in"),
        ({"training_prior": 0.0}, ValueError, "strictly between 0 and 1"),
    ],
)
def test_bad_settings_are_rejected(kwargs, error, match):
    with pytest.raises(error, match=match):
        MisspecificationCritic(**kwargs)


# --- the training data: Ward's recipe, fresh noise every epoch, rho drawn per simulation -----------------------------


def test_training_pairs_draw_rho_per_simulation_then_the_error_model_with_its_indicators():
    """Under the uniform training prior, each simulation's count of slabs is uniform on 0..d."""
    d, n = 4, 20_000
    clean = np.random.default_rng(1).normal(size=(n, d))
    noise = SpikeSlabNoise(0.01, 0.25, per_dimension=False, seed=2)
    (y, z_in), z = criticism.noisy_pairs(clean, noise, "uniform")
    assert z.dtype == np.float32 and set(np.unique(z)) <= {0.0, 1.0} and np.array_equal(z, z_in)
    eps = y.astype(np.float64) - clean.astype(np.float32)
    assert ks_pvalue(eps[z == 1], 0.0, 0.25, p_slab=1.0) > ALPHA  # the slab where the indicator says so
    assert ks_pvalue(eps[z == 0], 0.01, 0.0, p_slab=0.0) > ALPHA  # the spike elsewhere
    counts = np.bincount(z.sum(axis=1).astype(int), minlength=d + 1)
    assert all(binomial_ok(c, n, 1 / (d + 1)) for c in counts)  # a fixed rho = 1/2 would fail: C(4, k) / 16
    (_, _), fixed = criticism.noisy_pairs(clean, noise, 0.2)
    assert binomial_ok(fixed.sum(), fixed.size, 0.2)


def test_every_epoch_draws_fresh_noise_and_a_new_order():
    clean = np.zeros((64, 2))
    noise = SpikeSlabNoise(1.0, 1.0, per_dimension=False, seed=4)
    batches = criticism._NoisyBatches(clean, noise, "uniform", batch_size=64, seed=5)
    (first, _), _ = batches[0]
    order = batches.order.copy()
    batches.on_epoch_end()
    (second, _), _ = batches[0]
    assert not np.any(first == second) and not np.array_equal(order, batches.order)


def test_fit_z_scores_inside_the_model_with_the_clean_statistics(small):
    critic, clean = small
    np.testing.assert_allclose(critic.summary_mean, clean.mean(axis=0), rtol=1e-6, atol=1e-5)
    np.testing.assert_allclose(critic.summary_std, clean.std(axis=0), rtol=1e-6)
    assert critic.summary_shape == (4,) and critic.num_summaries == 4


@pytest.mark.slow
def test_a_constant_summary_is_shifted_not_divided_by_zero():
    clean = np.random.default_rng(6).normal(size=(400, 3))
    clean[:, 1] = 7.0
    critic = MisspecificationCritic(seed=7, widths=(8,), joint_width=4)
    history = critic.fit(clean, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert critic.summary_std[1] == 1.0 and critic.summary_mean[1] == 7.0
    assert np.all(np.isfinite(critic.inclusion_probabilities(clean[:5])))


# --- keras' contract ------------------------------------------------------------------------------------------------


def test_call_and_predict_keep_keras_contract(small):
    """Both take raw (observed, indicators) and return the same logits; predict takes keras' own keywords."""
    critic, clean = small
    y = clean[:300].astype(np.float32)
    z = (np.random.default_rng(8).uniform(size=y.shape) < 0.5).astype(np.float32)
    called = keras.ops.convert_to_numpy(critic((y, z)))
    predicted = critic.predict((y, z), batch_size=64, verbose=0)
    assert predicted.shape == (300, 4)
    np.testing.assert_allclose(predicted, called, rtol=1e-5, atol=1e-5)


def test_the_network_is_autoregressive(small):
    """The logit of summary j depends on z_<j only: changing z_j changes the logits of later summaries only."""
    critic, clean = small
    y = clean[:5].astype(np.float32)
    z = np.zeros((5, 4), dtype=np.float32)
    base = critic.predict((y, z), verbose=0)
    for j in range(4):
        flipped = z.copy()
        flipped[:, j] = 1.0
        changed = np.abs(critic.predict((y, flipped), verbose=0) - base).max(axis=0) > 0
        assert not changed[: j + 1].any() and changed[j + 1 :].all()


def test_calling_with_observations_alone_says_what_to_do(small):
    critic, clean = small
    with pytest.raises(TypeError, match="inclusion_probabilities"):
        critic(clean[:2].astype(np.float32))


def test_the_enumerated_joint_is_the_networks_own_autoregressive_likelihood(small):
    """pattern_probabilities at the training prior equals prod_j q(z_j | y, z_<j) from the keras model, for every z."""
    critic, clean = small
    patterns, probabilities = critic.pattern_probabilities(clean[:3], slab_probability=0.3)
    y = np.repeat(clean[:3].astype(np.float32), len(patterns), axis=0)
    z = np.tile(patterns, (3, 1))
    logits = critic.predict((y, z), verbose=0).astype(np.float64)
    log_q = -np.logaddexp(0.0, -np.where(z > 0, logits, -logits)).sum(axis=1).reshape(3, -1)
    k = patterns.sum(axis=1)
    log_train = -np.log(5.0 * np.array([comb(4, int(c)) for c in k]))  # uniform mixture: 1 / ((d + 1) C(d, k))
    log_rho = np.where(patterns > 0, np.log(0.3), np.log(0.7)).sum(axis=1)
    expected = np.exp(log_q + log_rho - log_train)
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(probabilities, expected, rtol=1e-4, atol=1e-7)
    assert patterns.shape == (16, 4) and np.array_equal(patterns[5], [1, 0, 1, 0])


# --- the joint at any prior ------------------------------------------------------------------------------------------


def test_shapes_one_observation_or_many(small):
    critic, clean = small
    one, many = critic.inclusion_probabilities(clean[0]), critic.inclusion_probabilities(clean[:7])
    assert one.shape == (4,) and many.shape == (7, 4)
    np.testing.assert_allclose(one, many[0], rtol=1e-6)
    assert np.all((many >= 0) & (many <= 1))
    assert critic.inclusion_probabilities(clean[:0]).shape == (0, 4)
    assert critic.sample_indicators(clean[0], 5, seed=1).shape == (5, 4)
    draws = critic.sample_indicators(clean[:3], 5, seed=1)
    assert draws.shape == (3, 5, 4) and draws.dtype == np.float32 and set(np.unique(draws)) <= {0.0, 1.0}
    assert critic.pattern_probabilities(clean[0])[1].shape == (16,)


def test_marginals_and_draws_agree_with_the_enumerated_joint(small):
    critic, clean = small
    rho = np.array([0.05, 0.5, 0.9, 0.2])
    patterns, joint = critic.pattern_probabilities(clean[:2], slab_probability=rho)
    np.testing.assert_allclose(critic.inclusion_probabilities(clean[:2], slab_probability=rho), joint @ patterns)
    draws = critic.sample_indicators(clean[:2], 20_000, slab_probability=rho, seed=9)
    index = (draws * 2 ** np.arange(4)).sum(axis=-1).astype(int)
    for i in range(2):  # each pattern's count is binomial with the enumerated probability
        counts = np.bincount(index[i], minlength=16)
        assert all(binomial_ok(c, 20_000, p) for c, p in zip(counts, joint[i], strict=True))


def test_the_prior_reweights_exactly(small):
    """p_rho(z | y) / p_rho'(z | y) is proportional to p_rho(z) / p_rho'(z), for a scalar and a vector rho."""
    critic, clean = small
    patterns, a = critic.pattern_probabilities(clean[0], slab_probability=0.1)
    _, b = critic.pattern_probabilities(clean[0], slab_probability=[0.1, 0.6, 0.1, 0.9])
    ratio = np.log(b / a) - np.where(patterns > 0, np.log([0.1, 0.6, 0.1, 0.9]), np.log([0.9, 0.4, 0.9, 0.1])).sum(1)
    ratio -= np.where(patterns > 0, -np.log(0.1), -np.log(0.9)).sum(1)
    np.testing.assert_allclose(ratio, ratio[0], atol=1e-6)


def test_rho_zero_and_one_fix_the_indicators(small):
    critic, clean = small
    np.testing.assert_array_equal(critic.inclusion_probabilities(clean[:3], slab_probability=0.0), 0.0)
    np.testing.assert_array_equal(critic.inclusion_probabilities(clean[:3], slab_probability=1.0), 1.0)
    mixed = critic.sample_indicators(clean[0], 50, slab_probability=[0.0, 1.0, 0.5, 0.5], seed=2)
    assert np.all(mixed[:, 0] == 0) and np.all(mixed[:, 1] == 1)


@pytest.mark.parametrize(
    ("rho", "error", "match"),
    [
        (1.5, ValueError, r"\[0, 1\]"),
        (-0.1, ValueError, r"\[0, 1\]"),
        ([0.1, 0.2], ValueError, "shape"),
        ([0.1, 0.2, 0.3, 1.2], ValueError, r"\[0, 1\]"),
        ("half", TypeError, "slab_probability"),
    ],
)
def test_bad_priors_are_rejected(small, rho, error, match):
    critic, clean = small
    with pytest.raises(error, match=match):
        critic.inclusion_probabilities(clean[0], slab_probability=rho)


def test_the_empirical_bayes_estimate_is_a_fixed_point_of_em(small):
    """At the estimate, rho_j equals the mean posterior inclusion probability (the EM fixed point)."""
    critic, clean = small
    observed = clean[:200].copy()
    observed[:, 3] += 50.0  # summary 3 is off in every observation
    rho = critic.estimate_slab_probability(observed)
    assert rho.shape == (4,)
    np.testing.assert_allclose(critic.inclusion_probabilities(observed, slab_probability=rho).mean(0), rho, atol=1e-5)
    scalar = critic.estimate_slab_probability(observed, per_summary=False)
    assert isinstance(scalar, float)
    assert abs(critic.inclusion_probabilities(observed, slab_probability=scalar).mean() - scalar) < 1e-5


@pytest.mark.parametrize("rho", [[0.1, 0.3, 0.5, 0.1], [0.01, 0.9, 0.5, 0.02]])
def test_above_the_enumeration_limit_importance_sampling_agrees_with_the_exact_joint(small, monkeypatch, rho):
    critic, clean = small
    exact = critic.inclusion_probabilities(clean[:20], slab_probability=rho)
    _, joint = critic.pattern_probabilities(clean[:2], slab_probability=rho)
    monkeypatch.setattr(criticism, "EXACT_MAX_SUMMARIES", 2)  # d = 4 now goes through the sampler
    monkeypatch.setattr(criticism, "PROPOSALS", 16_384)
    sampled = critic.inclusion_probabilities(clean[:20], slab_probability=rho)
    # 16,384 tilted proposals per observation: standard errors below 0.01 unless the weights are very uneven
    assert np.abs(sampled - exact).max() < 0.04 and np.abs(sampled - exact).mean() < 0.01
    draws = critic.sample_indicators(clean[:2], 16_384, slab_probability=rho, seed=12)
    index = (draws * 2 ** np.arange(4)).sum(axis=-1).astype(int)
    frequencies = np.stack([np.bincount(i, minlength=16) for i in index]) / 16_384
    assert 0.5 * np.abs(frequencies - joint).sum(axis=1).max() < 0.05  # resampled: total variation only
    with pytest.raises(ValueError, match="sample_indicators"):
        critic.pattern_probabilities(clean[0])


def test_a_low_effective_sample_size_is_never_silent(small, monkeypatch):
    critic, clean = small
    monkeypatch.setattr(criticism, "EXACT_MAX_SUMMARIES", 2)
    monkeypatch.setattr(criticism, "MIN_EFFECTIVE_SAMPLES", criticism.PROPOSALS + 1)  # no sample set passes
    with pytest.warns(UserWarning, match="effective sample size below"):
        critic.inclusion_probabilities(clean[:3], slab_probability=0.1)


def test_trailing_axes_are_the_summaries():
    clean = np.random.default_rng(6).normal(size=(500, 2, 3))
    critic = MisspecificationCritic(seed=7, widths=(8,), joint_width=4)
    critic.fit(clean, epochs=0, verbose=0)
    assert critic.summary_shape == (2, 3) and critic.summary_mean.shape == (2, 3)
    assert critic.inclusion_probabilities(clean[:4]).shape == (4, 2, 3)
    assert critic.inclusion_probabilities(clean[0]).shape == (2, 3)
    assert critic.sample_indicators(clean[:4], 3).shape == (4, 3, 2, 3)
    assert critic.estimate_slab_probability(clean[:20]).shape == (2, 3)


@pytest.mark.parametrize(
    ("observed", "error", "match"),
    [
        (np.zeros(3), ValueError, "do not match the fitted summaries"),
        (np.zeros((2, 5)), ValueError, "do not match the fitted summaries"),
        (np.array([0.0, np.nan, 1.0, 2.0]), ValueError, "1 NaN or infinite"),
        (np.array(["a", "b", "c", "d"]), TypeError, "real numeric data"),
    ],
)
def test_bad_observations_are_rejected(small, observed, error, match):
    critic, _ = small
    with pytest.raises(error, match=match):
        critic.inclusion_probabilities(observed)


def test_use_before_fit_and_bad_clean_data_are_rejected():
    with pytest.raises(RuntimeError, match="fit"):
        MisspecificationCritic().inclusion_probabilities(np.zeros(3))
    critic = MisspecificationCritic(widths=(4,))
    with pytest.raises(ValueError, match="NaN"):
        critic.fit(np.array([[0.0, np.nan], [1.0, 2.0]]), epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"shape \(n, d\)"):
        critic.fit(np.zeros(5), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="validation_split"):
        critic.fit(np.zeros((10, 2)), validation_split=1.0, epochs=1, verbose=0)


# --- keras: progress, validation, reproducibility, saving ----------------------------------------------------------


@pytest.mark.slow
def test_fit_reports_progress_and_a_clean_validation_split(capsys):
    clean = np.random.default_rng(8).normal(size=(1000, 3))
    critic = MisspecificationCritic(seed=9, widths=(8,), joint_width=4)
    history = critic.fit(clean, epochs=2, batch_size=100, validation_split=0.2, verbose=2)
    printed = capsys.readouterr().out
    assert "Epoch 1/2" in printed and "val_loss" in printed
    assert len(history.history["loss"]) == 2 and len(history.history["val_loss"]) == 2
    # the z-scoring comes from the 800 training simulations only, not from the held-out 200
    order = np.random.default_rng(critic._seeds()["split"]).permutation(1000)
    np.testing.assert_allclose(critic.summary_mean, clean[order[200:]].mean(axis=0), atol=1e-6)


@pytest.mark.slow
def test_the_same_seed_trains_the_same_critic():
    clean = np.random.default_rng(10).normal(size=(600, 3))
    a = MisspecificationCritic(seed=11, widths=(8,), joint_width=4)
    b = MisspecificationCritic(seed=11, widths=(8,), joint_width=4)
    a.fit(clean, epochs=2, verbose=0)
    b.fit(clean, epochs=2, verbose=0)
    np.testing.assert_array_equal(a.inclusion_probabilities(clean[:5]), b.inclusion_probabilities(clean[:5]))


@pytest.mark.slow
def test_saved_critic_loads_in_a_fresh_process_with_identical_results(small, tmp_path, run_python):
    critic, clean = small
    path = tmp_path / "critic.keras"
    critic.save(path)
    np.save(tmp_path / "observed.npy", clean[:50])
    np.save(tmp_path / "expected.npy", critic.inclusion_probabilities(clean[:50], slab_probability=0.2))
    result = run_python(f"""
        import bayesflow_nnpe  # first, as with bayesflow: it chooses the keras backend
        import keras
        import numpy as np
        critic = keras.saving.load_model({str(path)!r})
        assert type(critic).__name__ == "MisspecificationCritic" and critic.summary_shape == (4,)
        assert critic.slab_probability == 0.5 and critic.seed == 1 and critic.training_prior == "uniform"
        got = critic.inclusion_probabilities(np.load({str(tmp_path / "observed.npy")!r}), slab_probability=0.2)
        np.testing.assert_allclose(got, np.load({str(tmp_path / "expected.npy")!r}), rtol=1e-6)
        print("OK")
    """)
    assert "OK" in result.stdout


# --- accuracy against the exact posterior inclusion probabilities ---------------------------------------------------
# A test budget (20,000 simulations, 20 epochs) rather than the defaults (the benchmark's): the tolerances are what
# this budget reaches, with room for other seeds and backends; a critic that learned the wrong error model (wrong rho,
# no z-scoring, summaries judged alone) misses them by far.


def fitted(task, seed=12):
    simulate = inclusion.simulate_gaussian if task == "gaussian" else inclusion.simulate_sensors
    keras.utils.set_random_seed(seed)
    critic = MisspecificationCritic(seed=seed)
    critic.fit(simulate(20_000, np.random.default_rng(seed)), epochs=20, verbose=0)
    return critic, simulate


def exact(task, critic, y_z, rho):
    reference = inclusion.gaussian_inclusion if task == "gaussian" else inclusion.sensors_inclusion
    return reference(y_z, mean=critic.summary_mean, std=critic.summary_std, rho=rho)


@pytest.mark.slow
def test_gaussian_task_matches_the_exact_probabilities_at_several_priors():
    critic, simulate = fitted("gaussian")
    m, s = critic.summary_mean, critic.summary_std
    clean_z = (simulate(2000, np.random.default_rng(13)) - m) / s
    for rho in (0.5, 0.2, 0.05):
        contaminated, _ = inclusion.corrupt(clean_z, np.random.default_rng(14), 0.01, 0.25, rho)
        for y in (clean_z, contaminated):
            p = critic.inclusion_probabilities(y * s + m, slab_probability=rho)
            assert np.abs(p - exact("gaussian", critic, y, rho)).mean() < 0.035, rho
    # Ward's example: data with variance 2 instead of 1; the sample variance is then a 7-sd outlier
    ward = clean_z.copy()
    ward[:, 1] = (2.0 - m[1]) / s[1]
    p, reference = critic.inclusion_probabilities(ward * s + m), exact("gaussian", critic, ward, 0.5)
    assert reference[:, 1].min() > 0.99 and p[:, 1].mean() > 0.85
    assert np.abs(p[:, 0] - reference[:, 0]).mean() < 0.035  # the mean is judged as on clean data


@pytest.mark.slow
def test_sensors_task_uses_the_other_sensors_of_the_block():
    """A sensor 1.5 clean sds off its block's consensus: unremarkable alone, suspicious given the other four."""
    critic, simulate = fitted("sensors")
    m, s = critic.summary_mean, critic.summary_std
    clean_z = (simulate(2000, np.random.default_rng(15)) - m) / s
    p = critic.inclusion_probabilities(clean_z * s + m)
    assert np.abs(p - exact("sensors", critic, clean_z, 0.5)).mean() < 0.045
    y = clean_z.copy()
    y[:, 0] += 1.5 / s[0] * np.sqrt(1 + 0.3**2)
    reference, p = exact("sensors", critic, y, 0.5), critic.inclusion_probabilities(y * s + m)
    assert reference[:, 0].mean() > 0.95  # the exact answer flags it ...
    assert p[:, 0].mean() > 0.85  # ... and so does the critic
    assert np.abs(p - reference).mean() < 0.05
