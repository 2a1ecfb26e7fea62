"""Pin the numpy ports of Ward et al.'s (2022) SIR and cancer-stromal (CS) simulators (benchmarks/simulators).

Every statistical check is a test at a stated error probability under the model it pins (fixed seeds make each
outcome deterministic; the level says how unlikely a failure of a correct simulator would have been for a random
seed). Each test names the broken simulator it would catch.
"""

import math

import numpy as np
import pytest
from scipy import stats
from scipy.integrate import solve_ivp

from benchmarks.simulators import cancer, sir

pytestmark = pytest.mark.benchmark

ALPHA = 1e-4  # error probability of each statistical test
Z_CRIT = stats.norm.isf(ALPHA / 2)  # two-sided z bound, about 3.89


def poisson_two_sided_ok(observed: int, mean: float, alpha: float = ALPHA) -> bool:
    """Exact two-sided Poisson test (equal tails) of ``observed`` against a Poisson(``mean``) total."""
    return stats.poisson.cdf(observed, mean) > alpha / 2 and stats.poisson.sf(observed - 1, mean) > alpha / 2


# ---------------------------------------------------------------------------------------------------------- SIR


def test_sir_prior_is_uniform_on_the_triangle():
    # Catches: swapped (beta, gamma) columns, beta uniform instead of triangular, the halved gamma of an earlier
    # version of Ward's code (gamma = U beta / 2), gamma not independent of beta given the ratio.
    theta = sir.sample_prior(20_000, np.random.default_rng(0))
    assert theta.shape == (20_000, 2) and theta.dtype == np.float64
    beta, gamma = theta.T
    assert np.all((0 < gamma) & (gamma < beta) & (beta < 0.5))
    assert sir.in_prior_support(theta).all()
    # uniform density 8 on 0 < gamma < beta < 1/2  <=>  P(beta <= b) = (2b)^2 and gamma / beta ~ U(0, 1) independent
    assert stats.kstest(beta, lambda b: np.clip(2 * b, 0, 1) ** 2).pvalue > ALPHA
    ratio = gamma / beta
    assert stats.kstest(ratio, "uniform").pvalue > ALPHA
    rho = stats.spearmanr(beta, ratio).statistic
    assert abs(rho) * math.sqrt(theta.shape[0] - 1) < Z_CRIT


def test_sir_shapes_finite_and_reproducible():
    # Catches: non-vectorized or mis-shaped output, NaN/inf summaries (log of 0, 0/0 autocorrelation) anywhere in
    # the prior including its corners, and randomness not taken from the given Generator.
    theta = np.vstack([sir.sample_prior(150, np.random.default_rng(1)), [[0.5, 1e-4], [0.4999, 0.4998], [0.02, 0.01]]])
    for misspecified in (False, True):
        x = sir.simulate(theta, np.random.default_rng(2), misspecified=misspecified)
        assert x.shape == (theta.shape[0], len(sir.SUMMARY_NAMES)) and x.dtype == np.float64
        assert np.isfinite(x).all()
        assert np.array_equal(x, sir.simulate(theta, np.random.default_rng(2), misspecified=misspecified))
    assert not np.array_equal(x, sir.simulate(theta, np.random.default_rng(3), misspecified=True))
    # the summaries are those of the raw series, with the same use of the Generator
    raw = sir.simulate_infections(theta, np.random.default_rng(2))
    assert raw.shape == (theta.shape[0], sir.NUM_DAYS)
    np.testing.assert_allclose(raw[:, 0], 100.0, rtol=1e-12)  # i(0) N = 0.001 * 100_000 on day 0
    np.testing.assert_array_equal(sir.summarise(raw), sir.simulate(theta, np.random.default_rng(2)))
    # chunking does not change what a chunk computes (here: one chunk vs several)
    np.testing.assert_array_equal(
        sir.simulate(theta[:40], np.random.default_rng(4), chunk_size=40),
        sir.simulate(theta[:40], np.random.default_rng(4), chunk_size=64),
    )


def _sir_ode_log_infected(beta: float, gamma: float) -> np.ndarray:
    """Independent reference: the deterministic SIR ODE in (s, log i) by scipy at tight tolerance, days 0..364."""

    def rhs(t, y):
        s, log_i = y
        return [-beta * s * np.exp(log_i), beta * s - gamma]

    sol = solve_ivp(
        rhs, (0, 364), [0.999, np.log(0.001)], t_eval=np.arange(365), method="DOP853", rtol=1e-12, atol=1e-14
    )
    assert sol.success
    return sol.y[1] + np.log(100_000)


def test_sir_zero_volatility_follows_the_sir_ode():
    # With sigma = 0, R stays at beta / gamma and the model is the SIR ODE. Catches: wrong right-hand side, beta and
    # gamma swapped, wrong initial state or population, an off-by-one in the recorded days, wrong RK4 weights.
    # Tolerance: Ward et al.'s adaptive SOSRI runs at reltol 1e-2; we ask for 1e-4 on log x (100x tighter) and
    # for fourth-order convergence (halving the step divides the error by ~16; a second-order scheme gives ~4).
    theta = np.array([[0.3, 0.1], [0.5, 0.49], [0.5, 0.001], [0.25, 0.2], [0.45, 0.05], [0.12, 0.02]])
    reference = np.array([_sir_ode_log_infected(b, g) for b, g in theta])
    errors = {}
    for dt in (1.0, sir.DT):
        x = sir.simulate_infections(theta, np.random.default_rng(0), sigma=0.0, dt=dt)
        errors[dt] = np.abs(np.log(x) - reference).max()
    assert errors[sir.DT] < 1e-4
    assert errors[1.0] / errors[0.5] > 8


def test_sir_reproduction_number_has_the_cir_moments():
    # R follows dR = eta (Rbar - R) dt + sigma sqrt(R) dW from R(0) = Rbar: E R(t) = Rbar and
    # Var R(t) = sigma^2 Rbar (1 - exp(-2 eta t)) / (2 eta), which the scheme reproduces exactly at grid times.
    # Catches: sigma^2 for sigma, a missing sqrt(R), wrong eta, noise not scaled by sqrt(step), R reset daily.
    # z-tests at level ALPHA each; the variance test uses the sample fourth moment (normal approximation, n = 4000).
    n = 4000
    theta = np.tile([0.3, 0.1], (n, 1))
    rbar = 0.3 / 0.1
    _, r = sir.simulate_infections(theta, np.random.default_rng(5), return_r=True)
    np.testing.assert_array_equal(r[:, 0], rbar)
    for day in (10, 364):
        values = r[:, day]
        var = sir.SIGMA**2 * rbar * (1 - math.exp(-2 * sir.ETA * day)) / (2 * sir.ETA)
        assert abs(values.mean() - rbar) / math.sqrt(var / n) < Z_CRIT
        centred = values - values.mean()
        m4 = np.mean(centred**4)
        s2 = np.mean(centred**2)
        assert abs(s2 - var) / math.sqrt((m4 - s2**2) / n) < Z_CRIT


def test_sir_weekend_misspecification():
    # Day 0 is a Friday (Ward: Saturdays are range(1, 365, 7)). Catches: a wrong weekday offset, moving cases to
    # the wrong day, keeping 5% instead of 95%, losing cases (total not conserved), a different epidemic in the
    # misspecified run (no common random numbers).
    theta = sir.sample_prior(60, np.random.default_rng(6))
    clean = sir.simulate_infections(theta, np.random.default_rng(7))
    mis = sir.simulate_infections(theta, np.random.default_rng(7), misspecified=True)
    day = np.arange(sir.NUM_DAYS)
    sat, sun, mon = day[day % 7 == 1], day[day % 7 == 2], day[day % 7 == 3]
    assert (sat[0], sun[0], mon[0], sat[-1], sun[-1], mon[-1]) == (1, 2, 3, 358, 359, 360)
    assert sir.WEEKDAYS[sir.weekday(1)] == "Saturday" and sir.WEEKDAYS[sir.weekday(364)] == "Friday"
    np.testing.assert_allclose(mis[:, sat], 0.95 * clean[:, sat], rtol=1e-15)
    np.testing.assert_allclose(mis[:, sun], 0.95 * clean[:, sun], rtol=1e-15)
    np.testing.assert_allclose(mis[:, mon], clean[:, mon] + 0.05 * (clean[:, sat] + clean[:, sun]), rtol=1e-14)
    other = day[~np.isin(day % 7, (1, 2, 3))]
    np.testing.assert_array_equal(mis[:, other], clean[:, other])
    np.testing.assert_allclose(mis.sum(axis=1), clean.sum(axis=1), rtol=1e-13)
    np.testing.assert_array_equal(mis, sir.misspecify(clean))
    np.testing.assert_array_equal(
        sir.simulate(theta, np.random.default_rng(7), misspecified=True), sir.summarise(sir.misspecify(clean))
    )


def test_sir_misspecification_moves_the_autocorrelation_about_two_clean_sds():
    # What the user guide's Limits says of SIR: the weekend under-reporting moves the lag-1 autocorrelation about two
    # clean sds (not far into the slab's Cauchy tails) and leaves the other summaries almost where they were.
    # Catches: a misspecification that does nothing, or one that moves another summary instead.
    theta = sir.sample_prior(500, np.random.default_rng(0))
    clean = sir.simulate(theta, np.random.default_rng(1))
    mis = sir.simulate(theta, np.random.default_rng(1), misspecified=True)
    shift = np.median((mis - clean) / clean.std(axis=0), axis=0)
    assert sir.SUMMARY_NAMES[-1] == "autocorr_lag1"
    assert -3.0 < shift[-1] < -1.5
    assert np.all(np.abs(shift[:-1]) < 0.1)


def test_sir_summary_definitions():
    # Against plain per-series definitions. Catches: a missing or extra +1 in the day summaries, a wrong lag or
    # normalisation of the autocorrelation, the half day taken at >= instead of > half, a wrong median.
    rng = np.random.default_rng(8)
    x = np.exp(rng.normal(3.0, 1.0, size=(5, sir.NUM_DAYS)))
    x[0, 0] = 0.2 * x[0].sum()  # maximum on day 0 (log(0 + 1) = 0), yet below half of the total
    got = sir.summarise(x)
    for row, series in zip(got, x, strict=True):
        cumulative = np.cumsum(series)
        half_day = next(t for t in range(series.size) if cumulative[t] > 0.5 * cumulative[-1])
        expected = [
            np.log(series.mean()),
            np.log(np.median(series)),
            np.log(series.max()),
            np.log(np.argmax(series) + 1),
            np.log(half_day),
            np.corrcoef(series[:-1], series[1:])[0, 1],
        ]
        np.testing.assert_allclose(row, expected, rtol=1e-12, atol=1e-15)
    assert got[0, 3] == 0.0


# ----------------------------------------------------------------------------------------------------------- CS


def test_cs_prior_is_uniform_on_the_box():
    # Catches: wrong bounds or parameter order (cell, parent, daughter rates).
    theta = cancer.sample_prior(20_000, np.random.default_rng(10))
    assert theta.shape == (20_000, 3) and theta.dtype == np.float64
    assert cancer.in_prior_support(theta).all()
    for column, low, high in zip(theta.T, (200, 3, 10), (1500, 20, 20), strict=True):
        assert stats.kstest(column, stats.uniform(low, high - low).cdf).pvalue > ALPHA / 3  # Bonferroni over 3


def test_cs_shapes_finite_reproducible_and_common_random_numbers():
    # Catches: mis-shaped or non-finite output, randomness not from the Generator, rows returned in the wrong order
    # (simulations are processed out of order in chunks), and clean and necrotic runs not sharing their cells.
    theta = cancer.sample_prior(300, np.random.default_rng(11))
    clean = cancer.simulate(theta, np.random.default_rng(12))
    mis = cancer.simulate(theta, np.random.default_rng(12), misspecified=True)
    for x in (clean, mis):
        assert x.shape == (300, 4) and x.dtype == np.float64 and np.isfinite(x).all()
    np.testing.assert_array_equal(clean, cancer.simulate(theta, np.random.default_rng(12)))
    assert not np.array_equal(clean, cancer.simulate(theta, np.random.default_rng(13)))
    np.testing.assert_array_equal(mis[:, 0], clean[:, 0])  # necrosis never removes stromal cells
    assert np.all(mis[:, 1] <= clean[:, 1]) and np.any(mis[:, 1] < clean[:, 1])
    # row order: the total cell count of row i is Poisson(theta[i, 0]); Poisson dispersion statistic (about
    # chi-square with 300 degrees of freedom; a row mix-up inflates it by orders of magnitude), upper tail at ALPHA
    total = clean[:, 0] + clean[:, 1]
    assert np.sum((total - theta[:, 0]) ** 2 / theta[:, 0]) < stats.chi2.isf(ALPHA, theta.shape[0])


def test_cs_cell_parent_and_daughter_counts():
    # All cells (stromal and cancer) are one Poisson(cell_rate) process; P = Poisson(parent_rate) + 1 parents and
    # K = Poisson(daughter_rate) + 1 per parent. Exact two-sided Poisson tests of the totals at level ALPHA.
    # Catches: cancer cells added on top of a Poisson number of stromal cells, a missing "+1", wrong rates.
    n, rates = 2000, np.array([700.0, 5.0, 15.0])
    x = cancer.simulate(np.tile(rates, (n, 1)), np.random.default_rng(14))
    assert poisson_two_sided_ok(int((x[:, 0] + x[:, 1]).sum()), n * rates[0])
    sims = cancer.simulate_cells(np.tile(rates, (300, 1)), np.random.default_rng(15))
    num_parents = np.array([s["parents"].shape[0] for s in sims])
    assert num_parents.min() >= 1
    assert poisson_two_sided_ok(int((num_parents - 1).sum()), 300 * rates[1])
    daughters = np.concatenate([s["n_daughters"] for s in sims])
    assert daughters.min() >= 1
    assert poisson_two_sided_ok(int((daughters - 1).sum()), daughters.size * rates[2])


def test_cs_single_cluster_holds_k_plus_one_cells():
    # parent_rate = 0 gives exactly one parent, whose cluster is its K + 1 = Poisson(daughter_rate) + 2 nearest
    # cells (Ward's radius is the 0-based K-th order statistic, compared with <=). Exact Poisson test at level
    # ALPHA. Catches: an off-by-one in the radius (K or K + 2 cells), a strict comparison, a missing "+1" in K.
    n, daughter_rate = 2000, 12.0
    x = cancer.simulate(np.tile([1500.0, 0.0, daughter_rate], (n, 1)), np.random.default_rng(16))
    assert x[:, 1].min() >= 2
    assert poisson_two_sided_ok(int((x[:, 1] - 2).sum()), n * daughter_rate)


def _brute_force_summaries(cells, is_cancer, keep):
    stromal = cells[keep & ~is_cancer]
    tumour = cells[keep & is_cancer]
    first = stromal[:50]
    d = np.sqrt(((first[:, None, :] - tumour[None, :, :]) ** 2).sum(axis=2)).min(axis=1)
    return np.array([stromal.shape[0], tumour.shape[0], d.mean(), d.max()])


def test_cs_against_brute_force():
    # Recompute every simulation from its raw cells with plain all-pairs distances. Catches: wrong cluster radius
    # or membership, necrosis removing cells outside 0.8 r of a necrotic parent (or keeping cells inside), removing
    # stromal cells, distances to the wrong cells, not the first 50 stromal cells, padding leaking into results.
    theta = cancer.sample_prior(40, np.random.default_rng(17))
    sims = {m: cancer.simulate_cells(theta, np.random.default_rng(18), misspecified=m) for m in (False, True)}
    x = {m: cancer.simulate(theta, np.random.default_rng(18), misspecified=m) for m in (False, True)}
    for i in range(theta.shape[0]):
        clean, nec = sims[False][i], sims[True][i]
        for key in ("cells", "is_cancer", "parents", "n_daughters", "radius", "necrotic"):
            np.testing.assert_array_equal(clean[key], nec[key])  # common random numbers
        assert not clean["removed"].any()
        cells, parents, k = clean["cells"], clean["parents"], clean["n_daughters"]
        d = np.sqrt(((parents[:, None, :] - cells[None, :, :]) ** 2).sum(axis=2))  # (P, N)
        ordered = np.sort(d, axis=1)
        rows = np.arange(parents.shape[0])
        # no near-ties at the cluster edges, so membership by rank is unambiguous
        assert np.all(ordered[rows, k + 1] - ordered[rows, k] > 1e-9)
        np.testing.assert_allclose(clean["radius"], ordered[rows, k], rtol=1e-10)
        ranks = np.argsort(np.argsort(d, axis=1), axis=1)
        np.testing.assert_array_equal(clean["is_cancer"], np.any(ranks <= k[:, None], axis=0))
        inside = np.any((d < 0.8 * ordered[rows, k][:, None]) & nec["necrotic"][:, None], axis=0)
        np.testing.assert_array_equal(nec["removed"], inside)
        assert np.all(clean["is_cancer"][nec["removed"]])
        for m, sim in ((False, clean), (True, nec)):
            expected = _brute_force_summaries(cells, sim["is_cancer"], ~sim["removed"])
            np.testing.assert_allclose(sim["summaries"], expected, rtol=1e-12)
            np.testing.assert_array_equal(x[m][i], sim["summaries"])


def test_cs_necrosis_probability():
    # Each parent is necrotic with probability 0.75: exact binomial test over all parents at level ALPHA.
    # Catches: probability 0.25 (the complement) or necrosis decided per simulation instead of per parent.
    sims = cancer.simulate_cells(cancer.sample_prior(300, np.random.default_rng(19)), np.random.default_rng(20))
    necrotic = np.concatenate([s["necrotic"] for s in sims])
    assert stats.binomtest(int(necrotic.sum()), necrotic.size, 0.75).pvalue > ALPHA
    per_sim = np.array([s["necrotic"].mean() for s in sims if s["necrotic"].size >= 10])
    assert per_sim.min() < 1.0 and per_sim.max() > 0.5  # not all-or-nothing per simulation


def test_cs_degenerate_cases_are_finite():
    # Outside the prior: few cells and big clusters leave no stromal cell (Ward: NaN row, dropped) or no cell at
    # all. Catches: NaN/inf from empty reductions and the documented fill values not being applied.
    x = cancer.simulate(np.tile([5.0, 20.0, 20.0], (200, 1)), np.random.default_rng(21), misspecified=True)
    assert np.isfinite(x).all()
    degenerate = cancer.is_degenerate(x)
    assert degenerate.all()  # 21+ clusters of 2+ cells cover every one of the few cells
    assert np.all(x[:, 2:] == cancer.NO_STROMAL_DISTANCE)
    # no cancer cell left (only reachable through necrosis): distances are the square's diameter
    cells = np.random.default_rng(22).random((3, 10, 2))
    stromal = np.ones((3, 10), dtype=bool)
    got = cancer.cell_summaries(cells, stromal, ~stromal)
    np.testing.assert_array_equal(got, np.tile([10.0, 0.0, math.sqrt(2), math.sqrt(2)], (3, 1)))


@pytest.mark.parametrize("module", [sir, cancer])
def test_interface(module):
    assert module.NAME in ("sir", "cs")
    rng = np.random.default_rng(23)
    theta = module.sample_prior(5, rng)
    assert theta.shape == (5, len(module.PARAM_NAMES))
    assert module.simulate(theta, rng).shape == (5, len(module.SUMMARY_NAMES))
    assert module.simulate(theta[:0], rng).shape == (0, len(module.SUMMARY_NAMES))
