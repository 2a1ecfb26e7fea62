"""The robustness benchmark (benchmarks/robustness): its test sets, its oracle, its command line, its quick mode."""

import json
import math

import numpy as np
import pytest

from benchmarks.robustness.cli import parse
from benchmarks.robustness.config import FULL, QUICK
from benchmarks.robustness.tasks import TASKS, make_test_sets
from benchmarks.simulators import sensors

pytestmark = pytest.mark.benchmark


def test_test_sets_share_random_numbers_across_levels():
    # Catches: a level drawing its own theta or noise (no common random numbers), the outlier on the wrong sensor or
    # of the wrong size, a contaminated clean level.
    gaussian = TASKS["gaussian"]
    sets = make_test_sets(gaussian, 50)
    theta = sets[0]["theta"][:, 0]
    for level, test in zip(gaussian.levels, sets, strict=True):
        np.testing.assert_array_equal(test["theta"], sets[0]["theta"])
        spread = math.sqrt(level) * (sets[0]["x"][:, 0] - theta)  # the same draws, scaled by sqrt(variance)
        np.testing.assert_allclose(test["x"][:, 0] - theta, spread, atol=1e-12)
    task = TASKS["sensors"]
    sets = make_test_sets(task, 50)
    for level, test in zip(task.levels, sets, strict=True):
        moved = test["x"] - sets[0]["x"]
        assert np.all((moved != 0).sum(axis=1) == (1 if level else 0))
        if level:
            np.testing.assert_allclose(moved[np.arange(50), test["outlier"]], level * math.sqrt(1.09))
    np.testing.assert_array_equal(make_test_sets(task, 50)[-1]["x"], sets[-1]["x"])  # fixed across runs


def test_sensors_oracle_is_the_linear_gaussian_posterior_without_the_broken_sensor():
    # Against the textbook posterior of theta ~ N(0, I), y = A theta + noise (sd 0.3) with the corrupted sensor's
    # row removed (none on the clean level). Catches: the corrupted sensor used, the wrong block, prior precision or
    # noise variance.
    task = TASKS["sensors"]
    sets = make_test_sets(task, 5)
    design = np.kron(np.eye(2), np.ones((5, 1)))
    for level, test in ((0.0, sets[0]), (task.headline, sets[-1])):
        mean, sd = task.oracle(test, level)
        for i in range(5):
            keep = np.arange(10) != (test["outlier"][i] if level else -1)
            a = design[keep]
            cov = np.linalg.inv(np.eye(2) + a.T @ a / sensors.SENSOR_SD**2)
            np.testing.assert_allclose(mean[i], cov @ a.T @ test["x"][i, keep] / sensors.SENSOR_SD**2, rtol=1e-12)
            np.testing.assert_allclose(sd[i], np.sqrt(np.diag(cov)), rtol=1e-12)


def test_gaussian_oracle_is_the_conjugate_posterior_given_the_variance():
    task = TASKS["gaussian"]
    test = make_test_sets(task, 5)[2]  # variance 2
    mean, sd = task.oracle(test, 2.0)
    precision = 1 / 25 + 100 / 2.0
    np.testing.assert_allclose(mean[:, 0], (100 / 2.0) * test["x"][:, 0] / precision, rtol=1e-12)
    np.testing.assert_allclose(sd, 1 / math.sqrt(precision), rtol=1e-12)


def test_command_line_selects_the_mode():
    _, config, out, ablation = parse([])
    assert config == FULL and ablation and out.name == "figures"
    _, config, out, ablation = parse(["--quick", "--seeds", "2", "--tasks", "sensors"])
    assert config.budget == QUICK.budget and config.seeds == 2 and not config.graded and not ablation
    assert out.name == "quick"
    with pytest.raises(SystemExit):
        parse(["--seeds", "0"])


@pytest.mark.slow
def test_quick_mode_is_a_demonstration_end_to_end(tmp_path, run_benchmark):
    result = run_benchmark("robustness", "--quick", "--out", tmp_path)
    out = result.stdout
    assert "A demonstration" in out and "Total wall time" in out
    assert "MISSED" not in out and "[met]" not in out and "not graded" in out  # no full-run targets in quick mode
    assert {p.name for p in tmp_path.iterdir()} == {
        "robustness.json",
        "robustness.csv",
        "robustness_sweep.png",
        "posterior_example.png",
        "loss_curves.png",
        "running_std.png",
    }
    record = json.loads((tmp_path / "robustness.json").read_text())
    assert record["mode"] == "quick" and record["config"]["seeds"] == 1
    assert len(record["targets"]) == 4 and all(t["met"] is None for t in record["targets"])
    for row in record["summary"]:
        assert row["rmse"]["mean"] >= 0 and 0 <= row["coverage90"]["mean"] <= 1
