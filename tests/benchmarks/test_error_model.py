"""The exact error-model posteriors of ``benchmarks.references.error_model``, proved against closed forms, an
independent quadrature (``references.inclusion``), the mixture identity and simulations from the model itself."""

import numpy as np
import pytest
from scipy import stats

from benchmarks.references import inclusion
from benchmarks.references.error_model import SensorBlocks

pytestmark = pytest.mark.benchmark
ALPHA = 1e-3


@pytest.fixture(scope="module")
def sensors():
    model = SensorBlocks()
    rng = np.random.default_rng(0)
    _, clean = model.simulate(20_000, rng)
    return model, clean.mean(axis=0), clean.std(axis=0), rng


def test_at_rho_zero_the_posterior_is_the_conjugate_normal(sensors):
    model, _, std, rng = sensors
    _, y = model.simulate(50, rng)
    post = model.posterior(y, std=std, rho=0.0)
    sd0 = np.hypot(model.sensor_sd, std * model.spike).reshape(2, 5)
    precision = 1 / model.prior_sd**2 + (1 / sd0**2).sum(axis=1)
    mean = (y.reshape(-1, 2, 5) / sd0**2).sum(axis=2) / precision
    np.testing.assert_allclose(post.mean, mean, atol=1e-10)
    np.testing.assert_allclose(post.sd, np.broadcast_to(precision**-0.5, post.sd.shape), rtol=1e-8)
    np.testing.assert_allclose(post.upper, mean + stats.norm.ppf(0.95) * precision**-0.5, atol=1e-4)  # interpolated


@pytest.mark.parametrize("rho", [0.02, 0.3, 0.9])
def test_the_marginals_of_the_joint_are_the_independent_quadratures(sensors, rho):
    model, mean, std, rng = sensors
    _, y = model.simulate(40, rng)
    y[np.arange(20), rng.integers(0, 10, 20)] += 15 * std[0]  # half of them with an outlier
    joint = model.pattern_probabilities(y, std=std, rho=rho)
    np.testing.assert_allclose(joint.sum(axis=1), 1.0, rtol=1e-12)
    patterns = (np.arange(1024)[:, None] >> np.arange(10)) & 1
    reference = inclusion.sensors_inclusion((y - mean) / std, mean=mean, std=std, rho=rho)
    np.testing.assert_allclose(joint @ patterns, reference, atol=1e-10)
    np.testing.assert_allclose(model.inclusion_probabilities(y, std=std, rho=rho), reference, atol=1e-10)


def test_the_posterior_is_the_mixture_over_z_of_the_posteriors_given_z():
    model = SensorBlocks(blocks=1, sensors=3)
    rng = np.random.default_rng(1)
    _, y = model.simulate(5, rng)
    y[0, 1] += 4.0
    std = np.full(3, np.hypot(1.0, model.sensor_sd))
    joint = model.pattern_probabilities(y, std=std, rho=0.3)  # (5, 8)
    patterns = (np.arange(8)[:, None] >> np.arange(3)) & 1
    given = np.stack(
        [model.posterior(y, std=std, rho=np.broadcast_to(p, y.shape).astype(float)).mean[:, 0] for p in patterns], 1
    )
    np.testing.assert_allclose((joint * given).sum(axis=1), model.posterior(y, std=std, rho=0.3).mean[:, 0], atol=1e-8)


@pytest.mark.parametrize("rho", [0.1, 0.5])
def test_data_from_the_error_model_are_covered_and_their_indicators_calibrated(rho):
    """Simulated from the error model itself, the exact 90% intervals cover theta 90% of the time (binomial test),
    and the inclusion probabilities predict the slab indicators (their mean, by a normal approximation)."""
    model = SensorBlocks(blocks=1, sensors=5)
    rng = np.random.default_rng(2)
    std = np.full(5, np.hypot(1.0, model.sensor_sd))
    theta, x = model.simulate(3000, rng)
    z = rng.uniform(size=x.shape) < rho
    eps = np.where(z, model.slab * rng.standard_cauchy(x.shape), model.spike * rng.standard_normal(x.shape))
    y = x + std * eps
    post = model.posterior(y, std=std, rho=rho)
    covered = (post.lower <= theta) & (theta <= post.upper)
    assert stats.binomtest(int(covered.sum()), covered.size, 0.9).pvalue > ALPHA
    p = model.inclusion_probabilities(y, std=std, rho=rho)
    se = np.sqrt((p * (1 - p)).sum())
    assert abs(z.sum() - p.sum()) < 3.3 * se  # 3.3 sd: level 1e-3


def test_the_exact_empirical_bayes_recovers_the_rate_of_its_own_model():
    model = SensorBlocks(blocks=1, sensors=5)
    rng = np.random.default_rng(3)
    std = np.full(5, np.hypot(1.0, model.sensor_sd))
    _, x = model.simulate(2000, rng)
    z = rng.uniform(size=x.shape) < 0.2
    y = x + std * np.where(z, model.slab * rng.standard_cauchy(x.shape), model.spike * rng.standard_normal(x.shape))
    estimate = model.estimate_slab_probability(y, std=std)
    assert abs(estimate - 0.2) < 0.05  # 10,000 indicators, most of them hard to tell: a generous 5 sd
    assert model.estimate_slab_probability(x, std=std) < 0.01  # clean data: no slab
