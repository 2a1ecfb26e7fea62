"""The published-tasks benchmark (benchmarks/published): tasks, metrics, records."""

import json
import math
import os

import numpy as np
import pytest

from bayesflow_nnpe import NNPEWithIndicators
from benchmarks.common.io import to_json
from benchmarks.common.targets import format_targets
from benchmarks.common.training import compilation_cache
from benchmarks.published import report
from benchmarks.published.cli import parse
from benchmarks.published.config import (
    ESTIMATED,
    FULL,
    QUICK,
    RHOS,
    ROBUST,
    ROBUST_RHOS,
    PublishedVariant,
    variants,
)
from benchmarks.published.evaluation import (
    FLAG_MARGIN,
    exact_metrics,
    flagged,
    level_metrics,
    mixture_log_density,
    mixture_terms,
)
from benchmarks.published.plots import guided_point
from benchmarks.published.tasks import LEVELS, PUBLISHED_TASKS, WARD_MSE, WARD_MSE_PER_PARAMETER, without_summaries
from benchmarks.published.training import INDICATORS, build_workflow
from benchmarks.published.transforms import BoxConstraint, InputMap
from benchmarks.robustness.tasks import TASKS, make_test_sets

pytestmark = pytest.mark.benchmark


# --- theta standardization -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(PUBLISHED_TASKS))
def test_prior_moments_are_those_of_the_prior(name):
    # Catches: wrong exact moments (e.g. the sd of U(0, 1/2) instead of that of the max of two), swapped parameters.
    task = PUBLISHED_TASKS[name]
    theta = task.sample_prior(200_000, np.random.default_rng(0))
    assert theta.shape == (200_000, task.num_params)
    se = task.prior_sd / math.sqrt(len(theta))
    assert np.all(np.abs(theta.mean(axis=0) - task.prior_mean) < 5 * se)
    np.testing.assert_allclose(theta.std(axis=0), task.prior_sd, rtol=0.01)
    z = task.standardize(theta)
    np.testing.assert_allclose(z.mean(axis=0), 0.0, atol=0.01)
    np.testing.assert_allclose(z.std(axis=0), 1.0, rtol=0.01)


def test_standardization_is_per_parameter():
    cs = PUBLISHED_TASKS["cs"]
    theta = np.array([[1500.0, 3.0, 15.0]])
    expected = [(1500 - 850) / (1300 / math.sqrt(12)), (3 - 11.5) / (17 / math.sqrt(12)), 0.0]
    np.testing.assert_allclose(cs.standardize(theta)[0], expected)
    sir = PUBLISHED_TASKS["sir"]
    np.testing.assert_allclose(sir.prior_mean, [1 / 3, 1 / 6])
    np.testing.assert_allclose(sir.prior_sd, [math.sqrt(1 / 72)] * 2)


# --- simulations and observations ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(PUBLISHED_TASKS))
def test_simulations_and_observations(name):
    task = PUBLISHED_TASKS[name]
    data = task.simulate(30, np.random.default_rng(1))
    assert data["theta"].shape == (30, task.num_params)
    assert data["x"].shape == (30, len(task.summary_names)) and np.isfinite(data["x"]).all()
    assert ("aux" in data) == task.dummy == (name == "gaussian")
    obs = task.observations(25)
    again = task.observations(25)
    assert set(obs) == set(LEVELS)
    for level in LEVELS:
        np.testing.assert_array_equal(obs[level]["x"], again[level]["x"])  # fixed: the same for every run
        assert obs[level]["x"].shape == (25, len(task.summary_names))
    np.testing.assert_array_equal(obs["clean"]["theta"], obs["misspecified"]["theta"])
    assert not np.array_equal(obs["clean"]["x"], obs["misspecified"]["x"])


def test_observations_share_random_numbers():
    # Common random numbers: the misspecified observation is the clean one with the misspecification applied.
    sir = PUBLISHED_TASKS["sir"].observations(40)
    # weekend under-reporting keeps the total (log mean) and day 0; it moves the autocorrelation
    np.testing.assert_allclose(sir["misspecified"]["x"][:, 0], sir["clean"]["x"][:, 0], rtol=1e-12)
    assert np.all(sir["misspecified"]["x"][:, 5] < sir["clean"]["x"][:, 5])
    cs = PUBLISHED_TASKS["cs"].observations(40)
    # necrosis removes cancer cells only: the stromal count is the clean one, the cancer count never grows
    np.testing.assert_array_equal(cs["misspecified"]["x"][:, 0], cs["clean"]["x"][:, 0])
    assert np.all(cs["misspecified"]["x"][:, 1] <= cs["clean"]["x"][:, 1])
    gauss = PUBLISHED_TASKS["gaussian"].observations(40)
    theta = gauss["clean"]["theta"][:, 0]
    np.testing.assert_allclose(
        gauss["misspecified"]["x"][:, 0] - theta, math.sqrt(2) * (gauss["clean"]["x"][:, 0] - theta), atol=1e-12
    )
    sensors = PUBLISHED_TASKS["sensors"].observations(40)
    moved = sensors["misspecified"]["x"] != sensors["clean"]["x"]
    assert np.all(moved.sum(axis=1) == 1)
    np.testing.assert_allclose((sensors["misspecified"]["x"] - sensors["clean"]["x"])[moved], 20 * math.sqrt(1.09))


@pytest.mark.parametrize("name", ["gaussian", "sensors"])
def test_observations_are_the_robustness_test_sets(name):
    old = TASKS[name]
    sets = make_test_sets(old, 30)
    obs = PUBLISHED_TASKS[name].observations(30)
    np.testing.assert_array_equal(obs["clean"]["x"], sets[0]["x"])
    np.testing.assert_array_equal(obs["misspecified"]["x"], sets[old.levels.index(old.headline)]["x"])


def test_without_summaries_leaves_out_named_columns():
    task = PUBLISHED_TASKS["sir"]
    data = task.simulate(5, np.random.default_rng(0))
    reduced = without_summaries(task, data, ("autocorr_lag1", "log_mean"))
    np.testing.assert_array_equal(reduced["x"], data["x"][:, 1:5])
    np.testing.assert_array_equal(reduced["theta"], data["theta"])
    with pytest.raises(ValueError, match="no summaries"):
        without_summaries(task, data, ("autocorrelation",))


# --- the input layer and the compilation cache ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["identity", "arcsinh", "tanh3"])
def test_input_map_is_an_invertible_elementwise_map(name):
    z = np.linspace(-4, 4, 9)[:, None] * np.ones((1, 3))
    m = InputMap(name)
    y = m.forward(z)
    assert y.shape == z.shape and np.all(np.diff(y[:, 0]) > 0)  # monotone
    np.testing.assert_allclose(m.inverse(y), z, atol=1e-9)
    assert m.log_det_jac(z) is None  # conditions: no density, no Jacobian
    assert InputMap(**m.get_config()).name == name
    with pytest.raises(ValueError, match="unknown input map"):
        InputMap("relu")


def test_compilation_cache_is_temporary_and_restores_the_configuration():
    jax = pytest.importorskip("jax")
    before = jax.config.jax_compilation_cache_dir
    with compilation_cache() as folder:
        if folder is not None:
            assert jax.config.jax_compilation_cache_dir == folder and os.path.isdir(folder)
    assert jax.config.jax_compilation_cache_dir == before
    assert folder is None or not os.path.exists(folder)


@pytest.mark.parametrize("name", list(PUBLISHED_TASKS))
def test_bounded_priors_are_constrained_to_their_support(name):
    # Catches: posterior draws that can leave a bounded prior's support (the flow's tails then dominate posterior
    # means: one SIR run had an MSE of 738), wrong or swapped bounds, a constraint on an unbounded prior.
    task = PUBLISHED_TASKS[name]
    theta = task.sample_prior(100_000, np.random.default_rng(5))
    data = task.simulate(50, np.random.default_rng(6))
    workflow, _ = build_workflow(task, PublishedVariant(), data, QUICK.budgets[name], 0, "arcsinh")
    if task.support is None:
        assert name in ("gaussian", "sensors")  # normal priors
        return
    lower, upper = task.support
    assert np.all(theta > lower) and np.all(theta < upper)
    width = upper - lower  # tight: the box is the support, no larger (1e5 draws come within 1% of each bound)
    assert np.all(theta.min(axis=0) - lower < 0.01 * width) and np.all(upper - theta.max(axis=0) < 0.01 * width)
    adapted = workflow.adapter(data)
    assert np.all(np.isfinite(adapted["inference_variables"]))
    far = {**adapted, "inference_variables": np.repeat([[-1e4], [1e4]], task.num_params, axis=1).astype(np.float32)}
    back = np.asarray(workflow.adapter(far, inverse=True)["theta"])
    assert np.all(back >= lower) and np.all(back <= upper)  # any network output lands in the support
    np.testing.assert_array_equal(back[0], lower)
    np.testing.assert_array_equal(back[1], upper)
    roundtrip = workflow.adapter(adapted, inverse=True)["theta"]
    np.testing.assert_allclose(roundtrip, data["theta"], rtol=1e-4)
    # prior draws a hair inside a bound map to finite network inputs (float32 would round them onto the bound)
    edge = {**data, "theta": np.stack([lower + 1e-9 * width, upper - 1e-9 * width])}
    assert np.all(np.isfinite(workflow.adapter(edge)["inference_variables"]))


def test_box_constraint_log_jacobian_is_that_of_its_forward_map():
    # Catches: a log-Jacobian of the wrong sign, direction or scale, which would shift every log density of theta.
    # Against central differences of the forward map, per parameter (the map is elementwise), to 1e-6 relative.
    lower, upper = np.array([200.0, 3.0, 10.0]), np.array([1500.0, 20.0, 20.0])
    box = BoxConstraint(lower, upper)
    theta = lower + (upper - lower) * np.random.default_rng(8).uniform(0.01, 0.99, size=(6, 3))
    step = 1e-6 * (upper - lower)
    slope = (box.forward(theta + step) - box.forward(theta - step)) / (2 * step)
    np.testing.assert_allclose(box.log_det_jac(theta), np.log(slope).sum(axis=1), rtol=1e-6)
    np.testing.assert_allclose(box.log_det_jac(theta, inverse=True), -box.log_det_jac(theta))
    np.testing.assert_allclose(box.inverse(box.forward(theta)), theta, rtol=1e-12)
    with pytest.raises(ValueError, match="lower < upper"):
        BoxConstraint(upper, lower)


# --- variants and budgets --------------------------------------------------------------------------------------------


def test_variants_and_budgets():
    assert [v.label for v in variants(RHOS)] == ["NPE", "NNPE rho=0.5", "NNPE rho=0.1"]
    assert [v.name for v in variants((0.5,))] == ["NPE", "NNPE"]
    assert PublishedVariant(robust=True).name == ROBUST == "RobustPosterior"
    with pytest.raises(ValueError):
        PublishedVariant(0.0)
    with pytest.raises(ValueError, match="no rho"):
        PublishedVariant(0.5, robust=True)
    for config in (FULL, QUICK):
        assert set(config.budgets) == set(PUBLISHED_TASKS)
        assert 0.5 in config.rhos and config.robust
    # the issue compares the robust posterior with NNPE at 0.5 and 0.1 (0.2 dropped for the time budget)
    assert FULL.seeds >= 3 and FULL.num_test >= 200 and FULL.rhos == (0.5, 0.1)
    assert ROBUST_RHOS == (0.5, 0.1, ESTIMATED)
    assert FULL.robust_critic is None and FULL.cost_draws == 1000  # the critic at its defaults; 500 x 1,000 draws


def test_robust_variant_conditions_on_the_indicators():
    # Catches: indicators left out of the conditions (or z-scored and mapped like the summaries), the wrong noise
    # prior (a fixed rho instead of rho ~ U(0, 1) per simulation), an NPE adapter changed along with it.
    task = PUBLISHED_TASKS["sir"]
    data = task.simulate(50, np.random.default_rng(2))
    d = len(task.summary_names)
    npe, none = build_workflow(task, PublishedVariant(), data, QUICK.budgets["sir"], 0, "arcsinh")
    workflow, augmentation = build_workflow(
        task, PublishedVariant(robust=True), data, QUICK.budgets["sir"], 0, "arcsinh"
    )
    assert none is None and isinstance(augmentation, NNPEWithIndicators)
    assert augmentation.key == "x" and augmentation.into == INDICATORS
    assert augmentation.nnpe.slab_probability == "uniform"
    batch = augmentation(data)
    assert batch[INDICATORS].shape == data["x"].shape and set(np.unique(batch[INDICATORS])) <= {0.0, 1.0}
    adapted = workflow.adapter(batch)
    conditions = np.asarray(adapted["inference_conditions"])
    assert conditions.shape == (50, 2 * d)
    np.testing.assert_array_equal(conditions[:, d:], batch[INDICATORS])  # the indicators as they are
    np.testing.assert_allclose(conditions[:, :d], np.asarray(npe.adapter(batch)["inference_conditions"]), rtol=1e-6)
    assert npe.adapter(data)["inference_conditions"].shape == (50, d)
    clean = augmentation.clean(data)
    assert not np.asarray(workflow.adapter(clean)["inference_conditions"])[:, d:].any()


# --- the metric ------------------------------------------------------------------------------------------------------


def test_level_metrics_compute_wards_mse_in_standardized_theta():
    # Posterior draws at theta_true + shift (raw units) give a standardized squared residual (shift / prior_sd)^2
    # per parameter; Ward's MSE averages over observations, then parameters. Catches: raw instead of standardized
    # theta, one sd for all parameters, levels swapped or mixed, the mean of sds and the sd of means confused.
    task = PUBLISHED_TASKS["cs"]
    obs = task.observations(20)
    truth = np.concatenate([obs[level]["theta"] for level in LEVELS])
    shift = np.array([[100.0, -2.0, 0.5]] * 20 + [[-300.0, 4.0, 1.0]] * 20)  # clean rows, then misspecified
    sd = 0.01 * task.prior_sd
    noise = np.random.default_rng(3).normal(size=(len(truth), 400, 3))
    noise = (noise - noise.mean(axis=1, keepdims=True)) / noise.std(axis=1, keepdims=True)
    draws = truth[:, None, :] + shift[:, None, :] + sd * noise
    log_density = np.arange(40.0)
    metrics = level_metrics(task, draws, truth, log_density)
    for i, level in enumerate(LEVELS):
        expected = (shift[20 * i] / task.prior_sd) ** 2
        np.testing.assert_allclose(metrics[level]["mse_per_param"], expected, rtol=1e-9)
        np.testing.assert_allclose(metrics[level]["mse"], expected.mean(), rtol=1e-9)
        np.testing.assert_allclose(metrics[level]["post_sd"], 0.01, rtol=1e-9)
        np.testing.assert_allclose(metrics[level]["post_sd_per_param"], [0.01] * 3, rtol=1e-9)
        assert metrics[level]["coverage90"] == 0.0  # the truth is 100+ posterior sds away
        assert metrics[level]["log_density"] == np.mean(log_density[20 * i : 20 * (i + 1)])
    centred = truth[:, None, :] + sd * noise  # centred on the truth: covered, no error
    metrics = level_metrics(task, centred, truth, log_density)
    assert metrics["clean"]["mse"] < 1e-20 and metrics["clean"]["coverage90"] == 1.0


def test_exact_error_model_metrics_match_the_conjugate_posterior_at_rho_zero():
    # At rho 0 the sensors task's error-model posterior is conjugate: per block, theta ~ N(0, 1) read by 5 sensors
    # with noise sd sqrt(0.3^2 + (0.01 std)^2), posterior variance 1 / (1 + 5 / s^2), and the expected squared error
    # of the posterior mean is that variance. 400 observations x 2 parameters: the MSE's relative sd is
    # sqrt(2 / 800) = 5% (tolerance 4 sds), the coverage's sd 0.0106 (tolerance 0.045). Catches: rho not passed on
    # (the outlier taken at face value at 0.5, or discounted at 0), levels swapped, the estimated rho not used per
    # level, a wrong interval (coverage), a z-scoring std off by far more than the spike can hide.
    task = PUBLISHED_TASKS["sensors"]
    clean_x = task.simulate(20_000, np.random.default_rng(0))["x"]
    observations = task.observations(400)
    estimated = {"clean": np.zeros(10), "misspecified": np.full(10, 0.5)}
    exact = exact_metrics(task, clean_x, observations, estimated)
    assert list(exact) == ["0.0", *map(str, ROBUST_RHOS)]
    s2 = 0.3**2 + (0.01 * clean_x.std(axis=0)[0]) ** 2
    variance = 1.0 / (1.0 + 5.0 / s2)
    assert exact["0.0"]["clean"]["mse"] == pytest.approx(variance, rel=4 * math.sqrt(2 / 800))
    assert abs(exact["0.0"]["clean"]["coverage90"] - 0.9) < 0.045
    assert exact["0.0"]["misspecified"]["mse"] > 1.0  # a 20-sd outlier taken at face value
    for rho in ("0.5", "0.1"):  # the outlier discounted: about the clean error, nominal coverage or above
        assert exact[rho]["misspecified"]["mse"] < 1.5 * variance
        assert exact[rho]["misspecified"]["coverage90"] > 0.9 - 0.045
    assert exact[ESTIMATED]["clean"] == exact["0.0"]["clean"]  # the estimated rho, per level
    assert exact[ESTIMATED]["misspecified"] == exact["0.5"]["misspecified"]
    with pytest.raises(ValueError, match="no exact error-model posterior"):
        exact_metrics(PUBLISHED_TASKS["sir"], clean_x, observations, estimated)


def test_critic_flags_summaries_clearly_above_prior_and_clean():
    record = {
        "summary_names": ["a", "b", "c", "d"],
        "prior": 0.5,
        "clean": {"mean": [0.45, 0.45, 0.55, 0.3]},
        "misspecified": {"mean": [0.86, 0.55, 0.62, 0.6 + FLAG_MARGIN]},
    }
    # a: well above both; b: above the prior by less than the margin; c: not above its clean mean by the margin;
    # d: exactly at the margin above the prior
    assert flagged(record) == ["a", "d"]


# --- the records ------------------------------------------------------------------------------------------------------


def _fake_runs():
    runs = []
    for task in ("sir", "cs"):
        for seed in range(3):
            robust = [(ROBUST, rho) for rho in ROBUST_RHOS]
            for name, rho in [(v.name, v.rho) for v in variants(RHOS)] + robust:
                numeric = rho if isinstance(rho, float) else 0.05
                factor = 1.0 if rho is None else (0.1 + numeric) * (0.5 if name == ROBUST else 1.0)
                metrics = {
                    level: {
                        "mse": (0.05 if level == "clean" else 0.8) * (factor if level == "misspecified" else 1 / factor)
                        + 0.01 * seed,
                        "coverage90": 0.9,
                        "log_density": -1.0,
                        "post_sd": 0.2 / factor if level == "clean" else 0.3,
                        "mse_per_param": [0.1] * PUBLISHED_TASKS[task].num_params,
                        "coverage90_per_param": [0.9] * PUBLISHED_TASKS[task].num_params,
                        "post_sd_per_param": [0.2] * PUBLISHED_TASKS[task].num_params,
                    }
                    for level in LEVELS
                }
                run = {
                    "task": task,
                    "variant": name,
                    "rho": rho,
                    "seed": seed,
                    "train_time_s": 10.0,
                    "metrics": metrics,
                }
                if rho == ESTIMATED:
                    d = len(PUBLISHED_TASKS[task].summary_names)
                    run["estimated_rho"] = {"clean": [0.0] * d, "misspecified": [0.0] * (d - 1) + [1.0]}
                runs.append(run)
    return runs


def test_summary_record_schema():
    rows = report.summarize(_fake_runs())
    assert len(rows) == 2 * 6 * 2  # tasks x (NPE, NNPE at 2 rho, the robust posterior at 3) x levels
    assert [r["label"] for r in rows if r["task"] == "sir" and r["level"] == "clean"] == [
        "NPE",
        "NNPE rho=0.5",
        "NNPE rho=0.1",
        "RobustPosterior rho=0.5",
        "RobustPosterior rho=0.1",
        "RobustPosterior rho=estimated",
    ]
    for row in rows:
        assert row["task"] in ("gaussian", "sir", "cs", "sensors")
        assert row["variant"] in ("NPE", "NNPE", ROBUST)
        assert (row["rho"] is None) == (row["variant"] == "NPE")
        assert ("estimated_rho" in row) == (row["rho"] == ESTIMATED)
        assert row["level"] in ("clean", "misspecified")
        assert isinstance(row["mse"], float) and isinstance(row["coverage90"], float)
        assert row["seeds"] == 3 and len(row["mse_per_seed"]) == 3
        assert row["mse"] == pytest.approx(np.mean(row["mse_per_seed"]))
    npe = report.find(rows, "sir", "misspecified", "NPE")
    assert (
        npe["ward_mse"] == WARD_MSE["sir"]["NPE"] and npe["ward_mse_per_param"] == WARD_MSE_PER_PARAMETER["sir"]["NPE"]
    )
    assert "ward_mse" in report.find(rows, "sir", "misspecified", "NNPE", 0.5)
    assert "ward_mse" not in report.find(rows, "sir", "misspecified", "NNPE", 0.1)
    assert "ward_mse" not in report.find(rows, "sir", "misspecified", ROBUST, 0.5)
    assert report.find(rows, "sir", "misspecified", ROBUST, ESTIMATED)["estimated_rho"][-1] == 1.0
    assert "ward_mse" not in report.find(rows, "sir", "clean", "NPE")
    json.dumps(to_json(rows), allow_nan=False)  # plain, strict JSON


def test_tradeoff_and_targets():
    rows = report.summarize(_fake_runs())
    points = report.tradeoff(rows)
    npe = next(p for p in points if p["task"] == "sir" and p["rho"] is None)
    assert npe["clean_mse_ratio"] == pytest.approx(1.0) and npe["clean_sd_ratio"] == pytest.approx(1.0)
    rho5 = next(p for p in points if p["task"] == "sir" and p["rho"] == 0.5 and p["variant"] == "NNPE")
    assert rho5["clean_mse_ratio"] > 1 and rho5["clean_sd_ratio"] > 1 and rho5["misspecified_mse_ratio"] < 1
    targets = {t["target"]: t for t in report.check_targets(rows, graded=True)}
    mse = targets["sir misspecified: NNPE rho=0.5 MSE"]
    assert mse["threshold"] == 0.124 and mse["relation"] == "<=" and len(mse["per_seed"]) == 3
    assert mse["met"] == (mse["value"] <= 0.124)
    assert targets["cs misspecified: NNPE rho=0.5 MSE"]["threshold"] == 0.695
    assert targets["cs misspecified: NNPE rho=0.5 90% coverage"]["met"]  # 0.9 >= 0.85
    for text in (
        report.format_ward_table(rows, RHOS),
        report.format_summary(rows, 3),
        report.format_tradeoff(points),
        format_targets(list(targets.values()), report.TARGETS_TITLE, "make published"),
    ):
        assert "sir" in text
    ungraded = report.check_targets(rows, graded=False)  # a quick run: the same values, no verdict
    assert [t["value"] for t in ungraded] == [t["value"] for t in targets.values()]
    assert all(t["met"] is None for t in ungraded)
    text = format_targets(ungraded, report.TARGETS_TITLE, "make published")
    assert "not graded" in text and "MISSED" not in text and "[met]" not in text


def test_robust_targets_at_the_estimated_rho():
    # Catches: a target graded at the wrong rho, level or variant; the clean ratio taken against the wrong NPE row or
    # inverted; a coverage target missing for one level; a Ward threshold for a task Ward did not run.
    rows = report.summarize(_fake_runs())
    targets = {t["target"]: t for t in report.robust_targets(rows, graded=True)}
    est = {level: report.find(rows, "sir", level, ROBUST, ESTIMATED) for level in LEVELS}
    npe = report.find(rows, "sir", "clean", "NPE")
    mse = targets["sir misspecified: RobustPosterior rho=estimated MSE"]
    assert (mse["value"], mse["threshold"], mse["relation"]) == (est["misspecified"]["mse"], 0.124, "<=")
    assert mse["met"] and mse["per_seed"] == est["misspecified"]["mse_per_seed"]
    assert targets["cs misspecified: RobustPosterior rho=estimated MSE"]["threshold"] == 0.695
    ratio = targets["sir clean: RobustPosterior rho=estimated MSE / NPE's"]
    assert ratio["value"] == pytest.approx(est["clean"]["mse"] / npe["mse"]) and ratio["threshold"] == 1.10
    assert ratio["per_seed"] == pytest.approx(
        [a / b for a, b in zip(est["clean"]["mse_per_seed"], npe["mse_per_seed"], strict=True)]
    )
    assert not ratio["met"]  # the fake robust posterior pays on clean data
    for task in ("sir", "cs"):
        for level in LEVELS:
            assert targets[f"{task} {level}: RobustPosterior rho=estimated 90% coverage"]["met"]  # 0.9 >= 0.85
    assert len(targets) == 2 + 2 + 2 * 2  # MSE (Ward's tasks present), clean ratio, coverage per level
    all_targets = report.check_targets(rows, graded=True)
    assert {t["target"] for t in all_targets} >= set(targets)
    assert all(t["met"] is None for t in report.robust_targets(rows, graded=False))
    text = report.format_robust_table(rows, RHOS, ROBUST_RHOS)
    assert "Robust rho=estimated" in text and "NNPE rho=0.1" in text and "cov90" in text
    robust = {
        "sir": {
            "summary_names": list(PUBLISHED_TASKS["sir"].summary_names),
            "critic": {"defaults": True, "widths": [256, 256, 256], "epochs": 80, "train_time_s": 40.0},
            "estimated_rho": {"clean": [0.0] * 6, "misspecified": [0.0] * 5 + [1.0]},
            "cost": {
                "observations": 500,
                "draws": 1000,
                "median_s": {"approximator": 2.0, "robust": 3.0, "indicators": 0.5},
                "ratio": 1.5,
            },
        }
    }
    text = report.format_robust(robust)
    assert "autocorr_lag1" in text and "1.000" in text and "500 x 1000" in text and "1.50" in text


def test_labels_and_order_of_the_variants():
    assert report.label("NPE", None) == "NPE"
    assert report.label("NNPE", 0.5) == "NNPE rho=0.5"
    assert report.label(ROBUST, ESTIMATED) == "RobustPosterior rho=estimated"
    keys = [(ROBUST, ESTIMATED), (ROBUST, 0.1), ("NNPE", 0.1), (ROBUST, 0.5), ("NPE", None), ("NNPE", 0.5)]
    assert sorted(keys, key=report.order) == [
        ("NPE", None),
        ("NNPE", 0.5),
        ("NNPE", 0.1),
        (ROBUST, 0.5),
        (ROBUST, 0.1),
        (ROBUST, ESTIMATED),
    ]


def test_mixture_terms_keep_the_heaviest_patterns_until_the_mass():
    # Catches: light patterns kept while heavy ones are dropped, rows and columns out of step, a row left empty.
    weights = np.array([[0.1, 0.6, 0.3, 0.0], [0.0, 0.0, 0.0, 1.0], [0.25, 0.25, 0.25, 0.25]])
    rows, cols = mixture_terms(weights, 0.85)
    kept = {(int(r), int(c)) for r, c in zip(rows, cols, strict=True)}
    assert kept == {(0, 1), (0, 2), (1, 3), (2, 0), (2, 1), (2, 2), (2, 3)}
    rows, cols = mixture_terms(weights, 1.0)  # everything with weight; never a zero weight
    assert {(int(r), int(c)) for r, c in zip(rows, cols, strict=True)} == {(0, 0), (0, 1), (0, 2), (1, 3)} | {
        (2, c) for c in range(4)
    }


def test_mixture_log_density_is_the_log_of_the_weighted_sum():
    # Against a direct sum, with terms far apart in scale (log-sum-exp), and a row with no finite term.
    rng = np.random.default_rng(4)
    weights = rng.dirichlet(np.ones(5), size=3)
    log_q = rng.normal(scale=300.0, size=(3, 5))
    rows, cols = np.repeat(np.arange(3), 5), np.tile(np.arange(5), 3)
    got = mixture_log_density(weights[rows, cols], log_q[rows, cols], rows, 4)
    top = log_q.max(axis=1, keepdims=True)
    expected = top[:, 0] + np.log(np.sum(weights * np.exp(log_q - top), axis=1))
    np.testing.assert_allclose(got[:3], expected, rtol=1e-12)
    assert got[3] == -np.inf  # row 3 has no term
    simple = mixture_log_density(np.array([0.5, 0.5]), np.log([2.0, 4.0]), np.array([0, 0]), 1)
    np.testing.assert_allclose(simple, [np.log(3.0)])


def test_guided_point_is_relative_to_npe_on_clean_observations():
    # Catches: the guided run's ratios taken against the wrong level or variant, or MSE and SD swapped.
    rows = report.summarize(_fake_runs())
    npe_clean = report.find(rows, "sir", "clean", "NPE")
    record = {
        "task": "sir",
        "without": ["autocorr_lag1"],
        "metrics": {"clean": {"mse": 0.2, "post_sd": 0.5}, "misspecified": {"mse": 0.3, "post_sd": 0.7}},
    }
    point = guided_point(rows, record)
    assert point["clean_mse_ratio"] == pytest.approx(0.2 / npe_clean["mse"])
    assert point["clean_sd_ratio"] == pytest.approx(0.5 / npe_clean["post_sd"])
    assert point["misspecified_mse"] == 0.3 and "autocorr_lag1" in point["label"]


def test_command_line_overrides_reach_every_budget():
    # Catches: an override that misses some task's budget, a zero that is silently dropped, a custom run that
    # calls itself the full mode.
    _, config, _ = parse(["--seeds", "2", "--epochs", "5", "--depth", "3", "--width", "16", "--rhos", "0.5", "0.1"])
    assert config.seeds == 2 and config.rhos == (0.5, 0.1) and config.mode == "full (custom)"
    for task, budget in config.budgets.items():
        assert (budget.epochs, budget.depth, budget.width) == (5, 3, 16)
        assert (budget.num_train, budget.batch_size) == (FULL.budgets[task].num_train, FULL.budgets[task].batch_size)
    _, config, _ = parse(["--input-map", "identity"])
    assert config.input_map == "identity" and config.mode == "full (custom)"
    _, config, out = parse(["--quick", "--seeds", "2"])
    assert config.mode == "quick" and config.seeds == 2 and config.budgets == QUICK.budgets and not config.graded
    assert out.name == "quick"
    for bad in (["--seeds", "0"], ["--epochs", "0"], ["--rhos", "0"], ["--rhos", "1.5"], ["--input-map", "relu"]):
        with pytest.raises(SystemExit):
            parse(bad)


# --- end to end ------------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_quick_mode_runs_end_to_end(tmp_path, run_benchmark):
    result = run_benchmark("published", "--quick", "--out", tmp_path)
    assert "Total wall time" in result.stdout
    assert "[MISSED]" not in result.stdout and "[met]" not in result.stdout and "not graded" in result.stdout
    names = {p.name for p in tmp_path.iterdir()}
    assert names == {
        "published.json",
        "published_mse.png",
        "published_critic.png",
        *(f"published_tradeoff_{task}.png" for task in PUBLISHED_TASKS),
    }
    result = json.loads((tmp_path / "published.json").read_text())
    assert result["mode"] == "quick"
    summary = result["summary"]
    robust = [(ROBUST, rho) for rho in ROBUST_RHOS]
    assert {(r["task"], r["variant"], r["rho"], r["level"]) for r in summary} == {
        (task, variant, rho, level)
        for task in PUBLISHED_TASKS
        for variant, rho in (("NPE", None), ("NNPE", 0.5), *robust)
        for level in LEVELS
    }
    for r in summary:
        assert r["seeds"] == 1 and r["mse"] >= 0 and 0 <= r["coverage90"] <= 1
        assert math.isfinite(r["log_density"])
        if r["variant"] == ROBUST:
            assert r["label"] == f"RobustPosterior rho={r['rho']}" and set(r) >= set(summary[0])
            if r["rho"] == ESTIMATED:  # the rho per summary estimated on this level's observations
                assert len(r["estimated_rho"]) == len(PUBLISHED_TASKS[r["task"]].summary_names)
                assert all(0 <= p <= 1 for p in r["estimated_rho"])
    assert all(p["variant"] in ("NPE", "NNPE") for p in result["tradeoff"])  # the robust posterior's: below
    assert result["robust"]["rhos"] == list(ROBUST_RHOS)
    assert {(p["task"], p["rho"]) for p in result["robust"]["tradeoff"]} == {
        (task, rho) for task in PUBLISHED_TASKS for rho in ROBUST_RHOS
    }
    for task in PUBLISHED_TASKS:
        info = result["robust"]["tasks"][task]
        assert set(info["estimated_rho"]) == set(LEVELS) and not info["critic"]["defaults"]  # quick: small critic
        assert ("exact" in info) == (PUBLISHED_TASKS[task].error_model is not None) == (task == "sensors")
        cost = info["cost"]
        assert (cost["observations"], cost["draws"]) == (QUICK.num_test, QUICK.cost_draws)
        assert cost["ratio"] == pytest.approx(cost["median_s"]["robust"] / cost["median_s"]["approximator"])
    assert {"robust", "robust_rho_and_cost"} <= set(result["printed"])
    for task in PUBLISHED_TASKS:
        critic = result["critics"][task]
        assert critic["summary_names"] == list(PUBLISHED_TASKS[task].summary_names)
        assert all(0 <= p <= 1 for level in LEVELS for p in critic[level]["mean"])
    assert {t["target"] for t in result["targets"]} >= {
        "sir misspecified: NNPE rho=0.5 MSE",
        "cs misspecified: NNPE rho=0.5 MSE",
    }
    assert {t["target"] for t in result["targets"]} >= {
        "sir misspecified: RobustPosterior rho=estimated MSE",
        "gaussian clean: RobustPosterior rho=estimated MSE / NPE's",
        "sensors clean: RobustPosterior rho=estimated 90% coverage",
    }
    assert all(t["met"] is None for t in result["targets"])  # a quick run is not graded
