"""The robust-posterior benchmark (``python -m benchmarks.robust_posterior``): its observation sets, its metrics, its
targets, and its quick mode end to end."""

import json

import numpy as np
import pytest

from benchmarks.references.error_model import Posterior
from benchmarks.robust_posterior import evaluation, report, tasks
from benchmarks.robust_posterior.config import FULL, QUICK

pytestmark = pytest.mark.benchmark


def test_the_outlier_set_is_the_clean_set_with_one_reading_off():
    sets = tasks.test_sets("sensors6", 50, 15.0)
    off = sets["outlier"].y - sets["clean"].y
    np.testing.assert_array_equal(sets["outlier"].theta, sets["clean"].theta)
    assert np.all((off != 0).sum(axis=1) == 1)
    np.testing.assert_allclose(off[off != 0], 15.0 * tasks.clean_sd(tasks.TASKS["sensors6"]))
    again = tasks.test_sets("sensors6", 50, 15.0)  # fixed: every seed and run meets the same observations
    np.testing.assert_array_equal(again["outlier"].y, sets["outlier"].y)


def test_the_empirical_bayes_sets_have_their_stated_rates():
    sets = tasks.eb_sets("sensors6", 400, 0.5, 0.2, 15.0)
    clean = sets["clean"][0]
    slab, rate = sets["slab"]
    assert rate == pytest.approx(200 / (400 * 6)) and np.sum(slab != clean) == 200
    shift, none = sets["shift"]
    assert none is None and np.sum(shift != clean) == 80


def test_draws_metrics_against_a_known_posterior():
    rng = np.random.default_rng(0)
    theta = rng.normal(size=(2000, 2))
    exact = Posterior(
        mean=np.zeros((2000, 2)),
        sd=np.ones((2000, 2)),
        lower=np.full((2000, 2), -1.6448536),
        upper=np.full((2000, 2), 1.6448536),
    )
    draws = rng.normal(size=(2000, 400, 2)) + 0.5  # shifted by half an sd
    m = evaluation.draws_metrics(draws, theta, exact)
    assert m["mean_error_sds"] == pytest.approx(0.5, abs=0.01)
    assert m["coverage90_exact"] == pytest.approx(0.9, abs=0.02)
    assert m["rmse_ratio"] > 1.05 and m["post_sd"] == pytest.approx(1.0, abs=0.02)


def test_total_variation_and_the_product_of_marginals():
    patterns = ((np.arange(4)[:, None] >> np.arange(2)) & 1).astype(float)
    dependent = np.array([[0.5, 0.0, 0.0, 0.5]])  # z_0 = z_1: marginals 1/2, product uniform
    np.testing.assert_allclose(evaluation.product_of_marginals(dependent, patterns), [[0.25] * 4])
    assert evaluation.total_variation(dependent, evaluation.product_of_marginals(dependent, patterns)) == 0.5


def test_targets_are_graded_by_full_runs_only():
    assert FULL.graded and not QUICK.graded and FULL.seeds >= 2
    assert set(FULL.rhos) == {0.1, 0.5} and 0.02 in FULL.tv_rhos


@pytest.mark.slow
def test_quick_mode_end_to_end(run_benchmark, tmp_path):
    result = run_benchmark("robust_posterior", "--quick", "--out", tmp_path)
    assert "not graded" in result.stdout
    record = json.loads((tmp_path / "robust_posterior.json").read_text())
    assert (tmp_path / "robust_posterior_sensitivity.png").stat().st_size > 10_000
    assert record["config"]["mode"] == "quick" and record["environment"]["backend"]
    (seed,) = record["results"]["sensors6"]
    assert set(seed["posterior"]) == {"clean", "outlier"}
    assert set(seed["posterior"]["clean"]["rho"]) == {"0", "0.1", "0.5", "estimated"}
    assert len(seed["posterior"]["clean"]["estimated_rho"]) == 6
    assert set(seed["joint"]["outlier"]) == {f"{r:g}" for r in QUICK.tv_rhos}
    assert (
        set(seed["empirical_bayes"]) == {"clean", "slab", "shift"} and "exact_scalar" in seed["empirical_bayes"]["slab"]
    )
    assert seed["cost"]["ratio"] > 0 and record["sensitivity"]["rhos"] == list(QUICK.sensitivity_rhos)
    names = [t["target"] for t in record["targets"]]
    assert all(t["met"] is None for t in record["targets"]) and any("joint critic TV" in n for n in names)
    summary = report.summarize(record["results"]["sensors6"], QUICK.rhos)
    assert summary["posterior"]["clean"]["0.1"]["rmse_ratio"]["n"] == 1
