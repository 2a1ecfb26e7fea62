"""The criticism benchmark (benchmarks/criticism): its MCMC baseline, its tasks, and its quick mode end to end.

The MCMC baseline (``benchmarks/references/mcmc.py``) stands for RNPE's per-observation inference in the cost
comparison, so it must be right: its exact priors of x are checked against the task samplers and closed forms, and its
estimates against the exact inclusion probabilities of ``benchmarks/references/inclusion.py`` within its own Monte
Carlo error.
"""

import json
import math

import numpy as np
import pytest
from scipy import integrate, stats

from benchmarks.criticism import evaluation as ce
from benchmarks.criticism import observations as ct
from benchmarks.references import inclusion, mcmc
from benchmarks.references.error_model import SensorBlocks

pytestmark = pytest.mark.benchmark


@pytest.fixture(scope="module")
def stats_of():
    """Per task: z-scoring statistics of clean simulations (a fixed seed, as a critic would compute them)."""
    out = {}
    for name, task in ct.TASKS.items():
        ref = task.simulate(20_000, np.random.default_rng(task.task_id))
        out[name] = (ref.mean(axis=0), ref.std(axis=0))
    return out


# --- the exact priors of x that the MCMC baseline uses --------------------------------------------------------------


def test_gaussian_prior_is_the_density_of_the_z_scored_summaries(stats_of):
    m, s = stats_of["gaussian"]
    prior = mcmc.GaussianPrior(m, s)
    x = np.stack([np.linspace(-3, 3, 13), np.linspace(-3, 3, 13)], axis=1)
    got = prior.log_density(x)
    mean_sd = math.sqrt(25 + 1 / 100)
    want0 = stats.norm.logpdf(m[0] + s[0] * x[:, 0], scale=mean_sd)
    want1 = stats.chi2.logpdf(99 * (m[1] + s[1] * x[:, 1]), df=99)
    np.testing.assert_allclose(got[:, 0] - got[0, 0], want0 - want0[0], atol=1e-9)
    np.testing.assert_allclose(got[:, 1] - got[6, 1], want1 - want1[6], atol=1e-9)
    assert np.isneginf(prior.log_density(np.array([[0.0, -m[1] / s[1] - 1e-3]]))[0, 1])  # negative variance
    # chains start inside the support even when the observed variance is negative
    start = prior.initial(np.array([[0.3, -50.0]]))
    assert start[0, 0] == 0.3 and np.isfinite(prior.log_density(start)).all()


def test_sensors_prior_has_the_covariance_of_the_z_scored_simulations(stats_of):
    m, s = stats_of["sensors"]
    prior = mcmc.NormalPrior.sensors(m, s)
    x_z = (inclusion.simulate_sensors(200_000, np.random.default_rng(5)) - m) / s
    back = np.argsort(prior.order)
    cov = np.linalg.inv(prior.precision)[np.ix_(back, back)]
    np.testing.assert_allclose(np.cov(x_z, rowvar=False), cov, atol=0.01)
    np.testing.assert_allclose(x_z.mean(axis=0), prior.mu[back], atol=0.01)
    # the two blocks are independent: sensor j and j + 5 are updated together
    assert [sorted(prior.order[g].tolist()) for g in prior.groups] == [[j, j + 5] for j in range(5)]


def test_sensors_prior_log_ratio_is_the_change_of_the_normal_log_density(stats_of):
    m, s = stats_of["sensors"]
    prior = mcmc.NormalPrior.sensors(m, s)
    rng = np.random.default_rng(6)
    x = rng.normal(size=(4, 10))
    g = prior.groups[2]
    new = x[:, g] + rng.normal(size=(4, 2))
    moved = x.copy()
    moved[:, g] = new
    dist = stats.multivariate_normal(prior.mu, np.linalg.inv(prior.precision))
    want = dist.logpdf(moved) - dist.logpdf(x)
    np.testing.assert_allclose(prior.log_ratio(x, g, new).sum(axis=1), want, rtol=1e-9, atol=1e-9)


# --- the MCMC estimates against the exact values --------------------------------------------------------------------


@pytest.mark.parametrize("task_name", ["gaussian", "sensors"])
def test_mcmc_agrees_with_the_exact_probabilities_within_its_monte_carlo_error(task_name, stats_of):
    """Clean, noisy and 15 sd outlier observations, rho 0.5 and 0.2 (one chain each), 50 batch means of 1000.

    |MCMC - exact| <= 5 SE for every summary: with 49 degrees of freedom of the batch-means SE, a correct sampler
    exceeds it with probability ~1e-5 per value (batches far longer than the autocorrelation time, ~50
    iterations); a wrong prior, rho or kernel moves the estimates by 0.05-0.5, tens of SEs. The slack 1e-6 covers
    probabilities within 1e-6 of 0 or 1, where a chain never visits the other state and its SE is 0."""
    task = ct.TASKS[task_name]
    m, s = stats_of[task_name]
    rhos = [0.5, 0.2]
    y, rho_rows, kinds = ct.mcmc_check_set(task, 3, rhos, m, s)
    res = mcmc.run(y, task.mcmc_prior(m, s), rho=rho_rows, warmup=5_000, samples=50_000, seed=7)
    exact = np.concatenate([task.exact(y[rho_rows == r], m, s, r) for r in rhos])
    for p, se in ((res.p_rb, res.se_rb), (res.p_z, res.se_z)):
        assert np.all(np.abs(p - exact) <= 5 * se + 1e-6), np.round((p - exact) / np.maximum(se, 1e-12), 1)
    assert np.abs(res.p_rb - exact).mean() < 0.02
    assert np.all((res.acceptance > 0.3) & (res.acceptance < 0.6))  # adapted to about 0.44
    # the wrong rho is rejected by the same check
    wrong = np.concatenate([task.exact(y[rho_rows == r], m, s, 0.35) for r in rhos])
    assert np.any(np.abs(res.p_rb - wrong) > 5 * res.se_rb + 1e-6)


def test_mcmc_rejects_bad_arguments(stats_of):
    prior = mcmc.GaussianPrior(*stats_of["gaussian"])
    with pytest.raises(ValueError, match="multiple of 50"):
        mcmc.run(np.zeros((1, 2)), prior, warmup=1, samples=70)
    with pytest.raises(ValueError, match="rho"):
        mcmc.run(np.zeros((1, 2)), prior, rho=1.0, warmup=1, samples=50)


# --- the exact joint of the indicators (sensors) -------------------------------------------------------------------


@pytest.mark.parametrize("rho", [0.5, 0.2, 0.05, 0.02])
def test_exact_joint_of_the_sensors_sums_to_the_exact_inclusion_probabilities(rho, stats_of):
    """``SensorBlocks.pattern_probabilities`` (the joint reference of the benchmark: a theta grid, on raw summaries)
    summed to marginals is ``references.inclusion.sensors_inclusion`` (its own quadrature, on z-scored summaries):
    two independent computations, whose agreement also fixes the order of the patterns (bit j is summary j).
    Observations: clean, contaminated at rho, a 15 and a 20 sd outlier, two clusters in a block, a block far
    off; observed agreement ~1e-15."""
    m, s = stats_of["sensors"]
    task = ct.TASKS["sensors"]
    raw = task.simulate(8, np.random.default_rng(31))
    sd = task.clean_sd
    raw[1, 2] += 15 * sd[2]
    raw[2, 7] -= 20 * sd[7]
    raw[3, :2] += 2.0 * sd[:2]  # two clusters in block 0
    raw[4, 5:] += 3.0  # block 1 far in the prior tail
    y_z = (raw - m) / s
    y_z[5:], _ = inclusion.corrupt(y_z[5:], np.random.default_rng(32), ct.SPIKE, ct.SLAB, rho)
    raw = y_z * s + m
    joint = SensorBlocks(blocks=2, sensors=5, spike=ct.SPIKE, slab=ct.SLAB).pattern_probabilities(raw, std=s, rho=rho)
    patterns = (np.arange(2**10)[:, None] >> np.arange(10)) & 1
    assert joint.shape == (8, 1024) and np.all(joint >= 0)
    np.testing.assert_allclose(joint.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    want = task.exact(y_z, m, s, rho)
    np.testing.assert_allclose(joint @ patterns, want, rtol=0, atol=1e-12)
    # the order matters: reversed bits give other marginals
    assert np.abs(joint @ patterns[:, ::-1] - want).max() > 0.1


def test_product_of_marginals_and_total_variation():
    rng = np.random.default_rng(33)
    patterns = ((np.arange(8)[:, None] >> np.arange(3)) & 1).astype(float)
    marginals = np.concatenate([rng.uniform(size=(5, 3)), [[0.0, 1.0, 0.5]]])
    product = ce.product_of_marginals(marginals, patterns)
    np.testing.assert_allclose(product.sum(axis=1), 1.0, atol=1e-15)
    np.testing.assert_allclose(product @ patterns, marginals, atol=1e-15)
    assert product[0, 5] == pytest.approx(marginals[0, 0] * (1 - marginals[0, 1]) * marginals[0, 2])
    np.testing.assert_array_equal(ce.total_variation(product, product), 0.0)
    assert ce.total_variation(np.eye(8)[:2], np.eye(8)[[2, 2]]).tolist() == [1.0, 1.0]  # disjoint supports
    # a dependent joint (z_0 = z_1) is not the product of its marginals
    joint = np.zeros((1, 8))
    joint[0, [0, 3]] = 0.5
    assert ce.total_variation(ce.product_of_marginals(joint @ patterns, patterns), joint)[0] == pytest.approx(0.5)


# --- the tasks: the per-summary-alone answer ------------------------------------------------------------------------


def test_sensor_judged_alone_is_the_exact_answer_from_its_own_marginal(stats_of):
    """P(z_j = 1 | y_j) with the sensor's N(0, 1.09) marginal, by brute-force quadrature of the convolutions."""
    m, s = stats_of["sensors"]
    task = ct.TASKS["sensors"]
    y = np.array([[0.1, -0.4, 1.5, 3.0, -6.0, 0.0, 0.2, -0.1, 12.0, 0.5]])
    got = task.alone(y, m, s, 0.3)[0]
    for j in range(10):
        mu, sd = -m[j] / s[j], math.sqrt(1.09) / s[j]

        def prior(x, mu=mu, sd=sd):
            return stats.norm.pdf(x, mu, sd)

        yj = y[0, j]
        slab = integrate.quad(lambda x, yj=yj: prior(x) * stats.cauchy.pdf(yj - x, scale=0.25), -np.inf, np.inf,
                              points=None, epsabs=0, epsrel=1e-11, limit=400)[0]  # fmt: skip
        spike = integrate.quad(lambda x, yj=yj: prior(x) * stats.norm.pdf(yj - x, scale=0.01), yj - 0.2, yj + 0.2,
                               epsabs=0, epsrel=1e-11, limit=400)[0]  # fmt: skip
        want = 0.3 * slab / (0.3 * slab + 0.7 * spike)
        assert got[j] == pytest.approx(want, abs=1e-8)
    # ... and it is not the joint answer: the other sensors of the block change it
    assert np.abs(got - task.exact(y, m, s, 0.3)[0]).max() > 0.1


def test_outlier_and_sweep_sets_move_the_summaries_by_clean_sds(stats_of):
    m, s = stats_of["sensors"]
    task = ct.TASKS["sensors"]
    raw, y, mask = ct.outliers(task, 40, 15.0, m, s)
    clean = task.simulate(40, ct.rng_for(task, 3))
    np.testing.assert_allclose(np.abs(raw - clean)[mask], 15 * math.sqrt(1.09))
    assert np.all(raw[~mask] == clean[~mask]) and np.all(mask.sum(axis=1) == 1)
    raw, y = ct.sweep(5, (0.0, 3.0), m, s)
    np.testing.assert_allclose(raw[1] - raw[0], np.eye(10)[ct.SWEEP_SENSOR] * 3 * math.sqrt(1.09) * np.ones((5, 1)))


# --- the benchmark end to end ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_quick_mode_runs_end_to_end(tmp_path, run_benchmark):
    result = run_benchmark("criticism", "--quick", "--out", tmp_path)
    assert "Total wall time" in result.stdout and "MCMC baseline vs exact" in result.stdout
    assert "the joint p(z | y) over all 2^10 patterns" in result.stdout
    assert "[MISSED]" not in result.stdout and "[met]" not in result.stdout and "not graded" in result.stdout
    names = {p.name for p in tmp_path.iterdir()}
    assert names == {
        "criticism.json",
        "criticism_reliability.png",
        "criticism_ward.png",
        "criticism_sensors_sweep.png",
    }
    report = json.loads((tmp_path / "criticism.json").read_text())
    assert report["mode"] == "quick"
    rhos = ("0.5", "0.2", "0.05", "0.02")
    assert report["config"]["rhos"] == [float(rho) for rho in rhos]
    assert len(report["targets"]) == 2 * 4 * 4  # tasks x rhos x (clean, contaminated, 15 sd, 20 sd)
    assert all(t["met"] is None for t in report["targets"]) and report["all_targets_met"] is None  # not graded
    for task in ("gaussian", "sensors"):
        by_task = report["results"][task]
        critic = by_task["critic"]  # ONE critic per task, evaluated at every rho
        assert critic["evaluated_at"] == report["config"]["rhos"] and critic["train_s"] > 0
        assert list(by_task["rhos"]) == list(rhos)
        for rho in rhos:
            r = by_task["rhos"][rho]
            assert (r["seed"], r["train_s"], r["loss"]) == (critic["seed"], critic["train_s"], critic["loss"])
            assert 0 <= r["clean"]["mae"] < 0.5 and 0 <= r["noisy"]["mae"] < 0.5
            assert r["cost"]["predict_warm_s"] > 0 and r["train_s"] > 0
            # the contaminated observations are drawn at this rho
            assert abs(r["noisy"]["slab_fraction"] - float(rho)) < 4 * math.sqrt(float(rho) / r["noisy"]["n"]) + 0.005
            # the exact values are calibrated and reach the Bayes floor of the loss, whatever the critic does
            assert r["reliability"]["exact"]["ece"] < 0.03
            assert r["noisy"]["bce_exact"] <= r["noisy"]["bce_critic"] + 0.01
            for o in r["outliers"].values():
                assert o["exact_min"] > 0.999
        assert by_task["mcmc"]["cost"]["seconds_per_observation_ward_length"] > 0
        assert by_task["mcmc"]["check"]["mae_rb"] < 0.15
    ward = report["results"]["gaussian"]["rhos"]["0.5"]["ward"]
    assert ward["exact_mean"][1] > 0.95 and 0.4 < ward["exact_mean"][0] < 0.55
    sweep = report["results"]["sensors"]["rhos"]["0.5"]["sweep"]
    assert sweep["exact"]["broken"][-1] > 0.999 and sweep["exact"]["broken"][0] < 0.6
    # the joint of the indicators against the exact joint: sensors only, at every rho, clean and one sensor 15 sd off
    assert all("joint" not in r for r in report["results"]["gaussian"]["rhos"].values())
    for rho in rhos:
        joint = report["results"]["sensors"]["rhos"][rho]["joint"]
        for name in ("clean", "outlier_15"):
            j = joint[name]
            assert j["n"] == report["config"]["num_joint"]
            for key in ("tv_critic", "tv_critic_q90", "tv_critic_max", "tv_critic_marginals_product"):
                assert 0 <= j[key] <= 1, (rho, name, key)
            assert j["tv_critic"] <= j["tv_critic_max"]
            # the exact marginals, multiplied, are close to the exact joint: the indicators are nearly independent
            # given y on these observations (about 0.02 at rho 0.5, less at smaller rho)
            assert 0 <= j["tv_exact_marginals_product"] < 0.1
            assert j["exact_s_per_observation"] > 0
