"""The exact spike-and-slab inclusion probabilities of benchmarks/references/inclusion.py, proved right.

The module computes ``p_j(y) = P(z_j = 1 | y)`` with its own machinery (closed forms, trapezoidal and Gauss-Hermite
rules, a pilot that drops theta cells). The tests check it against things that share none of it:

1. Brute force from the definition (deterministic): adaptive Gauss-Kronrod quadrature (``scipy.integrate.quad`` /
   ``quad_vec``, requested relative accuracy 1e-12) of the convolutions over the clean summary (``gaussian``) and
   over theta (``sensors``), with the sensor kernels themselves checked against quadrature of the convolutions they
   stand for. Observations: clean and corrupted draws, 15-20 sd outliers, two clusters in a block, a block that
   agrees far in the prior tail; two parameter sets; per-sensor z-scoring statistics deliberately unlike each
   other. Tolerance ``TOL = 1e-10`` on ``p``: the quadrature error of both sides is ~1e-12 (observed agreement:
   3e-15 or better), and every test also shows that plausible bugs move ``p`` by far more than TOL.
2. Calibration on draws of the generative model (fixed seeds): an exact posterior satisfies ``E[z_j - p_j(y) | A]
   = 0`` for every event ``A`` of ``y``; given ``y``, the ``z_ij`` are independent over observations ``i``, so
   ``Z = sum_{i in A} (z_ij - p_ij) / sqrt(sum_{i in A} p_ij (1 - p_ij))`` is ~N(0, 1) and, over disjoint events,
   ``sum Z^2`` is ~chi2(#events). Events: all observations; bins of ``p`` (reliability); for the sensors, bins of
   the distance of the sensor to the median of the other sensors of its block (consensus). The level of every
   test is ``ALPHA`` (Bonferroni over its statistics; the normal approximation is used only for events with
   ``sum p (1 - p) >= 25``): a correct implementation fails one with probability ALPHA at most, approximately.
   Each test also shows that the same draws reject a plausible wrong implementation.
3. Exact identities and limits (rho = 0 and 1, the prior odds, outliers, symmetries), and the samplers.
"""

import math

import numpy as np
import pytest
from scipy import integrate, special
from scipy.stats import binomtest, cauchy, chi2, kstest, norm
from stats import ALPHA

from benchmarks.references import inclusion
from benchmarks.simulators import gaussian, sensors

pytestmark = pytest.mark.benchmark

TOL = 1e-10
QUAD = {"epsabs": 0.0, "epsrel": 1e-12, "limit": 500}
PARAMS = [
    {"spike": 0.01, "slab": 0.25, "rho": 0.5},
    {"spike": 0.05, "slab": 0.4, "rho": 0.2},
]
K = gaussian.DRAWS - 1  # degrees of freedom of the variance summary


# ---------------------------------------------------------------------------------------------------------------------
# Brute force: the gaussian task
# ---------------------------------------------------------------------------------------------------------------------


def _log_chi2_pdf(x, k=K):
    return (k / 2 - 1) * math.log(x) - x / 2 - (k / 2) * math.log(2) - math.lgamma(k / 2) if x > 0 else -math.inf


def _gaussian_summary_density(j, m, s):
    """(density of the z-scored summary j, its support's lower end, its mode): from the model, not the module."""
    if j == 0:  # sample mean: N(0, 25 + 1/100)
        loc, scale = -m[0] / s[0], math.sqrt(25 + 1 / 100) / s[0]
        return (lambda x: math.exp(-0.5 * ((x - loc) / scale) ** 2) / (scale * math.sqrt(2 * math.pi))), -math.inf, loc
    # sample variance: chi2(99) / 99
    return (
        (lambda x: s[1] * K * math.exp(_log_chi2_pdf(K * (m[1] + s[1] * x)))),
        -m[1] / s[1],
        ((K - 2) / K - m[1]) / s[1],
    )


def _quad_line(fun, cuts):
    """int fun over the real line, adaptive quadrature on the pieces between the sorted cuts."""
    cuts = np.unique(cuts)
    total = integrate.quad(fun, -np.inf, cuts[0], **QUAD)[0] + integrate.quad(fun, cuts[-1], np.inf, **QUAD)[0]
    for a, b in zip(cuts[:-1], cuts[1:], strict=True):
        total += integrate.quad(fun, a, b, **QUAD)[0]
    return total


def brute_gaussian(y, m, s, spike, slab, rho):
    """p_j(y) = rho S / (rho S + (1 - rho) P), S and P the slab and spike convolutions of f_j, by quad."""
    out = []
    for j in range(2):
        f, lower, mode = _gaussian_summary_density(j, m, s)
        yj = float(y[j])
        cuts = [c for c in (lower, mode, yj - 1, yj, yj + 1) if c >= lower]
        slab_conv = _quad_line(lambda x, f=f, yj=yj: f(x) * slab / (math.pi * (slab**2 + (yj - x) ** 2)), cuts)

        def spike_integrand(x, f=f, yj=yj):
            return f(x) * math.exp(-0.5 * ((yj - x) / spike) ** 2) / (spike * math.sqrt(2 * math.pi))

        # the Normal kernel is narrow: integrate over its +-12 sd (the rest is < 1e-32 of it)
        spike_conv = integrate.quad(spike_integrand, yj - 12 * spike, yj + 12 * spike, points=[yj], **QUAD)[0]
        out.append(rho * slab_conv / (rho * slab_conv + (1 - rho) * spike_conv))
    return np.array(out)


# ---------------------------------------------------------------------------------------------------------------------
# Brute force: the sensors task
# ---------------------------------------------------------------------------------------------------------------------


def sensor_kernels(r, tau, spike, slab):
    """Densities of (sensor noise + spike) and (sensor noise + slab) at r: Normal, and Voigt via Faddeeva's w."""
    var0 = tau**2 + spike**2
    g0 = np.exp(-0.5 * r**2 / var0) / np.sqrt(2 * np.pi * var0)
    g1 = special.wofz((r + 1j * slab) / (tau * np.sqrt(2))).real / (tau * np.sqrt(2 * np.pi))
    return g0, g1


def brute_sensors_block(y, m, s, spike, slab, rho, half_width=40.0):
    """p_k for one block by quad_vec over theta of N(theta) prod_k h_k, from the definition of the model."""
    tau = sensors.SENSOR_SD / s  # sensor noise on the z scale of each sensor

    def log_f_and_ratio(theta):
        theta = np.asarray(theta, dtype=float)[..., None]
        g0, g1 = sensor_kernels(y - (theta - m) / s, tau, spike, slab)
        h = (1 - rho) * g0 + rho * g1
        return -0.5 * theta[..., 0] ** 2 - 0.5 * math.log(2 * math.pi) + np.log(h).sum(axis=-1), rho * g1 / h

    shift = log_f_and_ratio(np.linspace(-half_width, half_width, 8001))[0].max()

    def integrand(theta):
        log_f, ratio = log_f_and_ratio(theta)
        w = math.exp(log_f - shift)
        return np.r_[w, w * ratio]

    points = np.clip(np.r_[m + s * y, 0.0], -half_width + 1e-9, half_width - 1e-9)
    res = integrate.quad_vec(
        integrand, -half_width, half_width, epsabs=0, epsrel=1e-12, norm="max", points=points, limit=20000
    )[0]
    return res[1:] / res[0]


def brute_sensors(y, m, s, **params):
    return np.concatenate([brute_sensors_block(y[c : c + 5], m[c : c + 5], s[c : c + 5], **params) for c in (0, 5)])


# ---------------------------------------------------------------------------------------------------------------------
# Fixtures: statistics and observations
# ---------------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gaussian_setup():
    rng = np.random.default_rng(20240)
    ref = inclusion.simulate_gaussian(4000, rng)
    m, s = ref.mean(axis=0), ref.std(axis=0)
    y_noisy, _ = inclusion.corrupt((inclusion.simulate_gaussian(3, rng) - m) / s, rng)
    picked = np.array([[0.1, -0.3], [1.2, 0.8], [-2.0, 2.5], [4.0, -3.0], [-0.7, 6.0], [15.0, -5.5]])
    return m, s, np.concatenate([y_noisy, picked])


@pytest.fixture(scope="module")
def sensors_setup():
    rng = np.random.default_rng(20241)
    ref = inclusion.simulate_sensors(4000, rng)
    # per-sensor statistics unlike each other, so that each summary's own m_j, s_j matter
    m = ref.mean(axis=0) + np.array([0.3, -0.2, 0.1, 0.0, 0.5, -0.4, 0.2, 0.0, 0.1, -0.1])
    s = ref.std(axis=0) * np.array([0.8, 1.2, 1.0, 1.3, 0.9, 1.1, 0.7, 1.0, 1.25, 0.95])
    x_z = (inclusion.simulate_sensors(4, rng) - m) / s
    y_noisy, _ = inclusion.corrupt(x_z, rng)
    picked = np.zeros((4, 10))
    picked[0] = x_z[0]
    picked[0, 2] += 20.0  # a 20-sd outlier
    picked[0, 7] -= 15.0  # a 15-sd outlier
    picked[1] = [0.5, 0.5, 0.5, -1.6, -1.6, 0.1, 0.2, 0.0, 1.2, -0.1]  # two clusters / one mild deviation
    picked[2] = [6.0, 6.0, 6.0, 6.0, 6.0, 7.0, 7.1, 6.9, 7.0, 7.05]  # a block agreeing far in the prior tail
    picked[3] = [0.0, 0.5, 1.0, 1.5, 2.0, -3.0, 3.0, 0.0, 0.2, -0.2]  # spread out
    return m, s, np.concatenate([y_noisy, picked])


# ---------------------------------------------------------------------------------------------------------------------
# 1. Brute force
# ---------------------------------------------------------------------------------------------------------------------


def test_brute_force_chi2_density_is_scipys():
    for x in (30.0, 99.0, 150.0):
        assert _log_chi2_pdf(x) == pytest.approx(chi2.logpdf(x, K), rel=1e-12)


@pytest.mark.parametrize("tau", [0.287, 0.6])
@pytest.mark.parametrize(("spike", "slab"), [(0.01, 0.25), (0.3, 1.0)])
def test_sensor_kernels_are_the_convolutions_they_stand_for(tau, spike, slab):
    # The sensors brute force rests on these closed forms; check them against quad of the convolutions
    # int N(x; 0, tau^2) K(r - x) dx. A Voigt with the wrong scale (slab as FWHM, tau in raw units) fails this.
    for r in (0.0, 0.3, 2.0, 15.0):
        g0, g1 = sensor_kernels(np.array(r), tau, spike, slab)

        def normal(x, sd):
            return math.exp(-0.5 * (x / sd) ** 2) / (sd * math.sqrt(2 * math.pi))

        def spike_integrand(x, r=r):
            return normal(x, tau) * normal(r - x, spike)

        def slab_integrand(x, r=r):
            return normal(x, tau) * slab / (math.pi * (slab**2 + (r - x) ** 2))

        conv0 = integrate.quad(spike_integrand, r - 12 * spike, r + 12 * spike, points=[r], **QUAD)
        conv1 = _quad_line(slab_integrand, [-12 * tau, 0, r, 12 * tau])
        assert g0 == pytest.approx(conv0[0], rel=1e-9)
        assert g1 == pytest.approx(conv1, rel=1e-9)


@pytest.mark.parametrize("params", PARAMS)
def test_gaussian_matches_quadrature_of_the_definition(gaussian_setup, params):
    m, s, y = gaussian_setup
    p = inclusion.gaussian_inclusion(y, mean=m, std=s, **params)
    exact = np.array([brute_gaussian(row, m, s, **params) for row in y])
    np.testing.assert_allclose(p, exact, rtol=0, atol=TOL)
    assert np.all(p[-1] > [1 - 1e-12, 0.5])  # the 15-sd outlier in the mean: p is 1 to float precision
    # Power: plausible bugs move p by far more than TOL on these observations. Max |dp| seen (PARAMS[0], [1]):
    # spike as a delta 7.7e-5, 4.0e-3; slab 10% off 0.011, 0.015; slab as FWHM 0.078, 0.11; rho swapped -, 0.60;
    # no z-scoring 0.55, 0.84; the two summaries' stds swapped 0.55, 0.84.
    mutants = {
        "spike as an exact delta": dict(params, spike=0.0),
        "slab scale 10% off": dict(params, slab=1.1 * params["slab"]),
        "slab read as FWHM": dict(params, slab=params["slab"] / 2),
        "rho swapped": dict(params, rho=1 - params["rho"]) if params["rho"] != 0.5 else None,
    }
    for name, wrong in mutants.items():
        if wrong is not None:
            assert np.abs(inclusion.gaussian_inclusion(y, mean=m, std=s, **wrong) - exact).max() > 1e3 * TOL, name
    no_z = inclusion.gaussian_inclusion(y, mean=np.zeros(2), std=np.ones(2), **params)
    assert np.abs(no_z - exact).max() > 1e3 * TOL
    swapped_stats = inclusion.gaussian_inclusion(y, mean=m, std=s[::-1], **params)
    assert np.abs(swapped_stats - exact).max() > 1e3 * TOL


@pytest.mark.parametrize("params", PARAMS)
def test_sensors_match_quadrature_of_the_definition(sensors_setup, params):
    m, s, y = sensors_setup
    p = inclusion.sensors_inclusion(y, mean=m, std=s, **params)
    exact = np.array([brute_sensors(row, m, s, **params) for row in y])
    np.testing.assert_allclose(p, exact, rtol=0, atol=TOL)
    # Power: plausible bugs move p by far more than TOL on these observations. Max |dp| seen (PARAMS[0], [1]):
    # spike as a delta 6.8e-4, 0.028; slab 10% off 0.012, 0.017; no z-scoring 0.61, 0.89; one std for all
    # sensors 0.62, 0.89; the per-summary answer (test below) 0.51, 0.81.
    mutants = {
        "spike as an exact delta": (m, s, dict(params, spike=0.0)),
        "slab scale 10% off": (m, s, dict(params, slab=1.1 * params["slab"])),
        "no z-scoring": (np.zeros(10), np.ones(10), params),
        "one std for all sensors": (m, np.full(10, s.mean()), params),
    }
    for name, (mm, ss, wrong) in mutants.items():
        assert np.abs(inclusion.sensors_inclusion(y, mean=mm, std=ss, **wrong) - exact).max() > 1e3 * TOL, name


@pytest.mark.parametrize(
    ("params", "y"),
    [
        # a block agreeing at 9 sd: with a small rho the mass sits at theta ~ 9.4, beyond the first theta range
        ({"spike": 0.01, "slab": 0.25, "rho": 0.05}, [9.0, 9.1, 8.9, 9.05, 8.95, -9.0, -9.1, 0.0, 0.1, -0.1]),
        # rho tiny: only a far outlier is slab; absurdly far outliers: the theta range must grow to hold the mass
        ({"spike": 0.01, "slab": 0.25, "rho": 1e-6}, [10.0] * 5 + [0.0, 0.1, 5.0, -0.1, 0.2]),
        ({"spike": 0.01, "slab": 0.25, "rho": 0.5}, [1e6] * 5 + [1e4, -1e4, 3e3, 0.0, 0.0]),
        # a wide spike, a wide slab
        ({"spike": 0.5, "slab": 5.0, "rho": 0.5}, [0.3, 0.35, 0.32, 0.1, 2.0, 0.0, 0.1, 5.0, -0.1, 0.2]),
    ],
)
def test_sensors_match_quadrature_in_extreme_settings(params, y):
    m, s = np.zeros(10), np.full(10, math.sqrt(1.09))
    y = np.array(y)
    p = inclusion.sensors_inclusion(y[None], mean=m, std=s, **params)[0]
    np.testing.assert_allclose(p, brute_sensors(y, m, s, **params), rtol=0, atol=TOL)


# ---------------------------------------------------------------------------------------------------------------------
# 2. Calibration on draws of the generative model
# ---------------------------------------------------------------------------------------------------------------------

MIN_VAR = 25.0  # events with less Bernoulli variance are left out (normal approximation)
P_BINS = np.array([0.0, 0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95, 1.0 + 1e-12])
CONSENSUS_BINS = np.array([0.0, 0.15, 0.5, 1.5, np.inf])  # |theta_k* - median of the others|, theta units


def calibration_pvalues(p, z, events):
    """Per summary: P(chi2(#events) >= sum_A Z_A^2) over the disjoint events A (boolean arrays like p)."""
    stat, df = np.zeros(p.shape[1]), np.zeros(p.shape[1])
    for a in events:
        var = (p * (1 - p) * a).sum(axis=0)
        used = var >= MIN_VAR
        z_a = ((z - p) * a).sum(axis=0) / np.sqrt(np.maximum(var, MIN_VAR))
        stat += np.where(used, z_a**2, 0.0)
        df += used
    assert np.all(df >= 1)
    return chi2.sf(stat, df)


def reliability_events(p):
    return [(p >= lo) & (p < hi) for lo, hi in zip(P_BINS[:-1], P_BINS[1:], strict=True)]


def consensus_events(y, m, s):
    theta_star = m + s * y
    dist = np.empty_like(theta_star)
    for c in (0, 5):
        block = theta_star[:, c : c + 5]
        for k in range(5):
            dist[:, c + k] = np.abs(block[:, k] - np.median(np.delete(block, k, axis=1), axis=1))
    return [(dist >= lo) & (dist < hi) for lo, hi in zip(CONSENSUS_BINS[:-1], CONSENSUS_BINS[1:], strict=True)]


def all_pvalues(p, z, extra_groupings=()):
    """The p-values of one implementation: per summary, overall, reliability, and any extra grouping of y."""
    groupings = [[np.ones_like(p, dtype=bool)], reliability_events(p), *extra_groupings]
    return np.concatenate([calibration_pvalues(p, z, events) for events in groupings])


def generative_draws(simulate, n, rho, seed):
    rng = np.random.default_rng(seed)
    ref = simulate(5000, rng)
    m, s = ref.mean(axis=0), ref.std(axis=0)  # fixed z-scoring statistics of clean simulations, as in NNPE
    y, z = inclusion.corrupt((simulate(n, rng) - m) / s, rng, rho=rho)
    return m, s, y, z


@pytest.mark.parametrize(("rho", "seed"), [(0.5, 31), (0.2, 32)])
def test_gaussian_is_calibrated(rho, seed):
    m, s, y, z = generative_draws(inclusion.simulate_gaussian, 20_000, rho, seed)
    p = inclusion.gaussian_inclusion(y, mean=m, std=s, rho=rho)
    pvalues = all_pvalues(p, z)
    level = ALPHA / len(pvalues)
    assert pvalues.min() > level
    # Power, on the same draws. Min p-values seen (rho = 0.5, 0.2) against the level 2.5e-4: no z-scoring 0, 0
    # (|Z| > 300); rho swapped -, 0; slab read as FWHM (slab / 2) 8e-11, 2e-5; rho off by 0.02 2e-11, 8e-10.
    # A 10% wrong slab is NOT detectable by calibration at this size (min p-values 0.09-0.6): the quadrature test
    # above catches it.
    wrong = {
        "no z-scoring": inclusion.gaussian_inclusion(y, mean=np.zeros(2), std=np.ones(2), rho=rho),
        "slab as FWHM": inclusion.gaussian_inclusion(y, mean=m, std=s, rho=rho, slab=0.125),
        "rho off by 0.02": inclusion.gaussian_inclusion(y, mean=m, std=s, rho=rho + 0.02),
    }
    if rho != 0.5:
        wrong["rho swapped"] = inclusion.gaussian_inclusion(y, mean=m, std=s, rho=1 - rho)
    for name, p_wrong in wrong.items():
        assert all_pvalues(p_wrong, z).min() < level, name


def per_summary_alone(y, m, s, rho, spike=0.01, slab=0.25):
    """The wrong answer that looks at one sensor alone: its marginal is N(0, 1 + 0.3^2), z-scored."""
    loc, sd = -m / s, np.sqrt(1 + sensors.SENSOR_SD**2) / s
    log_spike = norm.logpdf(y, loc, np.hypot(sd, spike))
    log_slab = np.log(special.voigt_profile(y - loc, sd, slab))
    return special.expit(math.log(rho / (1 - rho)) + log_slab - log_spike)


@pytest.mark.parametrize(("rho", "seed"), [(0.5, 33), (0.2, 34)])
def test_sensors_are_calibrated_given_the_other_sensors(rho, seed):
    m, s, y, z = generative_draws(inclusion.simulate_sensors, 6000, rho, seed)
    p = inclusion.sensors_inclusion(y, mean=m, std=s, rho=rho)
    consensus = consensus_events(y, m, s)
    pvalues = all_pvalues(p, z, [consensus])
    level = ALPHA / len(pvalues)
    assert pvalues.min() > level
    # Power: the per-summary answer is calibrated overall and within its own bins (it is E[z_j | y_j]), but not
    # given the other sensors of the block. Min p-values seen (rho = 0.5, 0.2) against the level 3.3e-5: 4e-79,
    # 2e-54. Not run here (each costs another full computation), also seen on these draws: slab read as FWHM
    # 9e-11, 2e-9; rho off by 0.02 1e-6, 2e-7; rho swapped -, 0. A 10% wrong slab is not (min p-values 0.003-0.02).
    alone = per_summary_alone(y, m, s, rho)
    assert calibration_pvalues(alone, z, consensus).min() < level


# ---------------------------------------------------------------------------------------------------------------------
# 3. Identities, limits, symmetries
# ---------------------------------------------------------------------------------------------------------------------


def test_rho_zero_and_one_are_certain(gaussian_setup, sensors_setup):
    for fn, (m, s, y) in [(inclusion.gaussian_inclusion, gaussian_setup), (inclusion.sensors_inclusion, sensors_setup)]:
        assert np.array_equal(fn(y, mean=m, std=s, rho=0.0), np.zeros(y.shape))
        assert np.array_equal(fn(y, mean=m, std=s, rho=1.0), np.ones(y.shape))


def test_gaussian_prior_odds_enter_as_odds(gaussian_setup):
    # Summaries are independent: logit p_j = logit(rho) + log(S_j / P_j), whatever y_j. A rho swapped or used as a
    # probability instead of odds breaks this identity.
    m, s, y = gaussian_setup
    y = y[np.all(np.abs(y) < 5, axis=1)]  # keep p away from 0 and 1, where logit p is not representable
    base = special.logit(inclusion.gaussian_inclusion(y, mean=m, std=s, rho=0.5))
    for rho in (0.05, 0.2, 0.9):
        shifted = special.logit(inclusion.gaussian_inclusion(y, mean=m, std=s, rho=rho))
        np.testing.assert_allclose(shifted - base, special.logit(rho), atol=1e-9)


@pytest.mark.parametrize("rho", [0.5, 0.2])
def test_an_outlier_sensor_is_slab_and_decouples_from_its_block(rho):
    rng = np.random.default_rng(40)
    ref = inclusion.simulate_sensors(5000, rng)
    m, s = ref.mean(axis=0), ref.std(axis=0)
    y = (inclusion.simulate_sensors(200, rng) - m) / s  # clean: no noise at all
    y[:, 3] += 20.0  # a 20-sd outlier on sensor 3 of block 0
    y[:, 6] -= 15.0  # and a 15-sd outlier on sensor 6 of block 1
    p = inclusion.sensors_inclusion(y, mean=m, std=s, rho=rho)
    assert np.all(p[:, [3, 6]] > 1 - 1e-12)
    # Far away, the outlier's factor rho g1 is constant in theta up to a relative 1e-4 over |theta| < 50: the other
    # sensors get the answer of a block without it (brute force over 4 sensors), up to ~1e-4 p (1 - p). A wrong
    # implementation that lets the outlier pull theta (or its own z-scoring leak into the others) fails this.
    far = y[:3].copy()
    far[:, 3] = 1e6
    p_far = inclusion.sensors_inclusion(far, mean=m, std=s, rho=rho)[:, :5]
    keep = [0, 1, 2, 4]
    for row, p_row in zip(far, p_far, strict=True):
        four = brute_sensors_block(row[keep], m[keep], s[keep], spike=0.01, slab=0.25, rho=rho)
        np.testing.assert_allclose(p_row[keep], four, rtol=0, atol=2e-5)
        assert p_row[3] == 1.0


def test_sensors_are_exchangeable_within_and_across_blocks(sensors_setup):
    m, s, y = sensors_setup
    p = inclusion.sensors_inclusion(y, mean=m, std=s)
    perm = np.array([8, 5, 9, 7, 6, 3, 0, 4, 1, 2])  # swap the blocks and shuffle within each
    p_perm = inclusion.sensors_inclusion(y[:, perm], mean=m[perm], std=s[perm])
    np.testing.assert_allclose(p_perm, p[:, perm], rtol=0, atol=1e-13)


def test_mirror_symmetry(sensors_setup, gaussian_setup):
    # With zero means, theta -> -theta maps the model onto itself: p(-y) = p(y).
    _, s, y = sensors_setup
    np.testing.assert_allclose(
        inclusion.sensors_inclusion(-y, mean=0.0, std=s), inclusion.sensors_inclusion(y, mean=0.0, std=s), atol=1e-12
    )
    _, s, y = gaussian_setup
    mirrored = inclusion.gaussian_inclusion(-y, mean=[0.0, 1.0], std=s)[:, 0]
    np.testing.assert_allclose(mirrored, inclusion.gaussian_inclusion(y, mean=[0.0, 1.0], std=s)[:, 0], atol=1e-14)


def test_inputs_are_checked():
    m, s = np.zeros(10), np.ones(10)
    with pytest.raises(ValueError, match="shape"):
        inclusion.sensors_inclusion(np.zeros((3, 9)), mean=m, std=s)
    with pytest.raises(ValueError, match="std"):
        inclusion.sensors_inclusion(np.zeros((3, 10)), mean=m, std=np.zeros(10))
    with pytest.raises(ValueError, match="rho"):
        inclusion.gaussian_inclusion(np.zeros((3, 2)), mean=0.0, std=1.0, rho=1.5)
    with pytest.raises(ValueError, match="finite"):
        inclusion.gaussian_inclusion(np.full((1, 2), np.nan), mean=0.0, std=1.0)


# ---------------------------------------------------------------------------------------------------------------------
# 4. The samplers (the calibration tests rely on them)
# ---------------------------------------------------------------------------------------------------------------------


def test_gaussian_sampler_has_the_stated_marginals():
    x = inclusion.simulate_gaussian(20_000, np.random.default_rng(50))
    assert kstest(x[:, 0], norm(scale=math.sqrt(25 + 1 / 100)).cdf).pvalue > ALPHA / 2
    assert kstest(x[:, 1], chi2(K, scale=1 / K).cdf).pvalue > ALPHA / 2


def test_sensors_sampler_has_the_stated_covariance():
    n = 40_000
    x = inclusion.simulate_sensors(n, np.random.default_rng(51))
    cov = np.cov(x, rowvar=False)
    expected = np.kron(np.eye(2), np.ones((5, 5))) + sensors.SENSOR_SD**2 * np.eye(10)
    # sd of a sample covariance of Normals: sqrt((s_ii s_jj + s_ij^2) / n) <= sqrt(2 * 1.09^2 / n) = 0.0077;
    # 5 sd over 55 entries fails with probability < 55 * 6e-7 < ALPHA
    assert np.abs(cov - expected).max() < 5 * math.sqrt(2 * 1.09**2 / n)
    assert kstest(x[:, 0], norm(scale=math.sqrt(1.09)).cdf).pvalue > ALPHA


@pytest.mark.parametrize("rho", [0.5, 0.2])
def test_corrupt_draws_the_spike_and_slab(rho):
    n = 100_000
    x_z = np.random.default_rng(52).normal(size=(n, 2))
    y, z = inclusion.corrupt(x_z, np.random.default_rng(53), spike=0.01, slab=0.25, rho=rho)
    eps = y - x_z
    # an exact two-sided binomial test and two KS tests, each at level ALPHA / 3
    assert binomtest(int(z.sum()), z.size, rho).pvalue > ALPHA / 3
    assert kstest(eps[~z], norm(scale=0.01).cdf).pvalue > ALPHA / 3
    assert kstest(eps[z], cauchy(scale=0.25).cdf).pvalue > ALPHA / 3
