"""Robustness of NPE and NNPE posteriors to misspecified observations, with the two traps of NNPE training.

Trains, identically (same simulations, network, epochs, optimizer and seeds), three posterior estimators per task:

- ``NPE``: no noise. The adapter z-scores the summaries with FIXED mean and std of the clean training simulations.
- ``NNPE``: Ward et al.'s (2022) recipe: the same fixed z-scoring, then ``Adapter.nnpe(spike_scale=0.01,
  slab_scale=0.25, per_dimension=False)``: spike-and-slab noise on training batches only.
- ``NNPE+std=all`` (trap 1): ``BasicWorkflow(standardize="all")`` lets the approximator z-score the conditions
  with running statistics, while ``augmentations={"x": NNPE()}`` (automatic per-dimension scales) noises the raw
  summaries, so the running statistics are learned from Cauchy-contaminated batches. bayesflow_nnpe warns about
  exactly this setup; the warning printed for this variant is expected.

An ``oracle`` row gives the exact posterior that knows the contamination (conjugate Normal): a floor for the RMSE.
In full mode, an ablation also trains the NNPE recipe with slab scales 0.02, 0.05 and 0.1 (seed 0).

Tasks:

- ``gaussian`` (Ward et al., 2022): theta ~ N(0, 5^2); 100 draws x_i ~ N(theta, 1); summaries: sample mean and
  sample variance. Misspecified observations draw x_i ~ N(theta, v) with v in {1, 1.5, 2, 3}; v = 2 is Ward's.
  BayesFlow's CouplingFlow needs two inference variables, so an independent N(0, 1) dummy is appended to theta and
  integrated out of the reported log densities.
- ``sensors``: theta ~ N(0, I_2); each coordinate read by 5 sensors, x = repeat(theta, 5) + 0.3 * noise (10
  summaries). At test time ONE random sensor gets an outlier of s clean-summary standard deviations,
  s in {0, 2, 5, 10, 20}. The other 4 sensors of that coordinate still carry its information.

Per method and contamination level: RMSE and MSE of the posterior mean, coverage of central 90% intervals, mean log
posterior density of the true parameter (``approximator.log_prob``) and mean posterior SD, all in units of the prior
SD of theta (theta / 5 for ``gaussian``, theta for ``sensors``), plus training time. Over seeds: mean, min and max.
Test observations come from fixed numpy Generators and are the same for every method and seed (and, with common
random numbers, at every contamination level). Trap 2 (the loss): per-epoch training loss, keras ``val_loss`` (the
validation batches go through the adapter, so they are noisy for ``NNPE``) and a clean validation loss computed by
a callback on clean held-out simulations; after training, the NLL of clean held-out data with and without noise.

    KERAS_BACKEND=jax python benchmarks/robustness.py          # full: 3 seeds, 14-21 min on 2 busy CPU cores
    KERAS_BACKEND=jax python benchmarks/robustness.py --quick  # 1 seed, small budget, about 1 min
    python benchmarks/robustness.py --seeds 5 --out /tmp/robustness --no-ablation --tasks sensors

Outputs (in ``benchmarks/figures/``, or ``benchmarks/figures/quick/`` with ``--quick``, or ``--out DIR``):
``robustness.json`` (configuration, every run, the summary, targets and trap measurements), ``robustness.csv``
(the summary table), ``robustness_sweep.png`` (RMSE and coverage against contamination), ``posterior_example.png``
(posteriors of the three methods for one misspecified observation per task), ``loss_curves.png`` (trap 2) and
``running_std.png`` (trap 1).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import functools
import json
import logging
import math
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")

import bayesflow as bf  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

import bayesflow_nnpe  # noqa: E402
from bayesflow_nnpe import NNPE  # noqa: E402

VARIANTS = ("NPE", "NNPE", "NNPE+std=all")
ORACLE = "oracle"
SPIKE, SLAB = 0.01, 0.25  # Ward et al. (2022), on summaries z-scored with statistics of clean simulations
FIGURES = Path(__file__).resolve().parent / "figures"


@dataclass(frozen=True)
class Config:
    """Budget of one mode; every method and task gets exactly this."""

    mode: str
    num_train: int  # simulations per seed (all methods of a seed share them)
    num_val: int  # clean held-out simulations per seed, for the validation losses
    epochs: int
    batch_size: int
    depth: int  # CouplingFlow depth
    width: int  # two hidden layers of this width per coupling subnet
    num_test: int  # test observations per contamination level (shared by all methods and seeds)
    num_post: int  # posterior draws per test observation
    seeds: int


FULL = Config("full", 20_000, 2_000, 60, 256, 4, 128, 500, 500, 3)
QUICK = Config("quick", 8_000, 500, 15, 256, 3, 64, 200, 300, 1)
ABLATION_SLABS = (0.02, 0.05, 0.1)  # full mode, seed 0: "NNPE slab=..." variants (adapter recipe, other slab)


# --------------------------------------------------------------------------------------------------------------- tasks
class GaussianTask:
    """Ward et al. (2022): theta ~ N(0, 5^2), 100 draws N(theta, v); summaries: sample mean and sample variance."""

    name = "gaussian"
    num_params = 1
    dummy = True  # CouplingFlow needs >= 2 inference variables: add an independent N(0, 1) dummy (see simulate)
    prior_sd = 5.0
    draws = 100
    levels = (1.0, 1.5, 2.0, 3.0)  # variance of the draws; 1 is the simulator's (clean)
    headline = 2.0
    level_name = "variance"
    summary_names = ("mean", "variance")

    def prior(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return self.prior_sd * rng.normal(size=(n, 1))

    def noise(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.normal(size=(n, self.draws))

    def summaries(self, theta: np.ndarray, noise: np.ndarray, level: float = 1.0) -> np.ndarray:
        draws = theta + math.sqrt(level) * noise
        return np.stack([draws.mean(axis=1), draws.var(axis=1, ddof=1)], axis=1)

    def clean_summary_sd(self) -> np.ndarray:
        """Population sd of the clean summaries: mean ~ N(0, 25 + 1/n) marginally, variance ~ chi2(n-1)/(n-1)."""
        return np.array([math.sqrt(self.prior_sd**2 + 1 / self.draws), math.sqrt(2 / (self.draws - 1))])

    def label(self, level: float) -> str:
        return f"var={level:g}" + (" (clean)" if level == 1.0 else "")

    def oracle(self, test: dict, level: float) -> tuple[np.ndarray, np.ndarray]:
        """Exact posterior mean and sd of theta knowing the true variance: the sample mean is sufficient then."""
        precision = 1 / self.prior_sd**2 + self.draws / level
        mean = (self.draws / level) * test["x"][:, :1] / precision
        return mean, np.full_like(mean, 1 / math.sqrt(precision))


class SensorTask:
    """theta ~ N(0, I_2); 5 sensors per coordinate with noise sd 0.3; at test time one sensor gets an outlier."""

    name = "sensors"
    num_params = 2
    dummy = False
    prior_sd = 1.0
    sensors = 5
    sensor_sd = 0.3
    levels = (0.0, 2.0, 5.0, 10.0, 20.0)  # outlier size in clean summary sds; 0 is clean
    headline = 20.0
    level_name = "outlier (clean sds)"
    summary_names = tuple(f"s{j}" for j in range(10))

    def prior(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.normal(size=(n, self.num_params))

    def noise(self, n: int, rng: np.random.Generator) -> np.ndarray:
        # sensor noise, then the index of the sensor that gets the outlier (used only when level > 0)
        dims = self.num_params * self.sensors
        return np.concatenate([rng.normal(size=(n, dims)), rng.integers(0, dims, size=(n, 1))], axis=1)

    def summaries(self, theta: np.ndarray, noise: np.ndarray, level: float = 0.0) -> np.ndarray:
        dims = self.num_params * self.sensors
        x = np.repeat(theta, self.sensors, axis=1) + self.sensor_sd * noise[:, :dims]
        if level:
            which = noise[:, dims].astype(int)
            x[np.arange(len(x)), which] += level * self.clean_summary_sd()[which]
        return x

    def clean_summary_sd(self) -> np.ndarray:
        return np.full(self.num_params * self.sensors, math.sqrt(1 + self.sensor_sd**2))

    def label(self, level: float) -> str:
        return f"s={level:g}" + (" (clean)" if level == 0.0 else "")

    def oracle(self, test: dict, level: float) -> tuple[np.ndarray, np.ndarray]:
        """Exact posterior mean and sd of theta from the sensors that are not corrupted (knows which one is)."""
        dims = self.num_params * self.sensors
        used = np.ones((len(test["x"]), dims))
        if level:
            used[np.arange(len(used)), test["noise"][:, dims].astype(int)] = 0.0
        means, sds = [], []
        for j in range(self.num_params):
            cols = slice(j * self.sensors, (j + 1) * self.sensors)
            precision = 1 / self.prior_sd**2 + used[:, cols].sum(axis=1) / self.sensor_sd**2
            means.append((test["x"][:, cols] * used[:, cols]).sum(axis=1) / self.sensor_sd**2 / precision)
            sds.append(1 / np.sqrt(precision))
        return np.stack(means, axis=1), np.stack(sds, axis=1)


TASKS = {task.name: task for task in (GaussianTask(), SensorTask())}
TASK_IDS = {"gaussian": 1, "sensors": 2}


def simulate(task, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Clean training simulations. A one-parameter task also gets ``aux`` ~ N(0, 1), independent of everything.

    BayesFlow's CouplingFlow splits the inference variables in two halves, so it cannot model one variable alone.
    The dummy makes it two; its posterior is its prior, theta's posterior is the marginal, and ``log_density``
    integrates the dummy out.
    """
    theta = task.prior(n, rng)
    data = {"theta": theta, "x": task.summaries(theta, task.noise(n, rng))}
    if task.dummy:
        data["aux"] = rng.normal(size=(n, 1))
    return data


def make_test_sets(task, num_test: int) -> list[dict[str, np.ndarray]]:
    """One test set per contamination level, with common random numbers: the same theta and noise at every level."""
    rng = np.random.default_rng([TASK_IDS[task.name], 2022])
    theta = task.prior(num_test, rng)
    noise = task.noise(num_test, rng)
    return [{"theta": theta, "noise": noise, "x": task.summaries(theta, noise, level)} for level in task.levels]


def oracle_metrics(task, tests: list[dict]) -> dict:
    """The metrics of the exact posterior that knows the contamination: a floor no estimator beats on average."""
    metrics = {}
    for test, level in zip(tests, task.levels, strict=True):
        mean, sd = task.oracle(test, level)
        mean, sd, truth = mean / task.prior_sd, sd / task.prior_sd, test["theta"] / task.prior_sd
        z = (truth - mean) / sd
        log_density = np.sum(-0.5 * z**2 - np.log(sd) - 0.5 * math.log(2 * math.pi), axis=1)
        mse = float(np.mean((mean - truth) ** 2))
        metrics[str(level)] = {
            "rmse": math.sqrt(mse),
            "mse": mse,
            "coverage90": float(np.mean(np.abs(z) <= 1.6448536269514722)),
            "log_density": float(np.mean(log_density)),
            "log_density_median": float(np.median(log_density)),
            "post_sd": float(sd.mean()),
        }
    return metrics


# ------------------------------------------------------------------------------------------------------------ training
class EpochRecorder(keras.callbacks.Callback):
    """Per epoch: the clean validation loss and the running statistics the approximator learned for the conditions.

    The clean loss is ``approximator.compute_metrics(..., stage="validation")`` on clean held-out simulations passed
    through the adapter with ``stage="validation"`` (on which ``Adapter.nnpe`` adds no noise): the same quantity as
    the training loss, on clean data.
    """

    def __init__(self, workflow: bf.BasicWorkflow, clean_val: dict[str, np.ndarray]):
        super().__init__()
        self.workflow = workflow
        adapted = workflow.adapter(clean_val, stage="validation")
        self.val_batch = {k: keras.ops.convert_to_tensor(v) for k, v in adapted.items()}
        self.clean_val_loss: list[float] = []
        self.running_mean: list[list[float]] = []
        self.running_std: list[list[float]] = []
        self.seconds = 0.0

    def on_epoch_end(self, epoch, logs=None):
        start = time.perf_counter()
        approximator = self.workflow.approximator
        metrics = approximator.compute_metrics(**self.val_batch, stage="validation")
        self.clean_val_loss.append(float(keras.ops.convert_to_numpy(metrics["loss"])))
        mean, std = running_statistics(approximator)
        if mean is not None:
            self.running_mean.append(mean.tolist())
            self.running_std.append(std.tolist())
        self.seconds += time.perf_counter() - start


def running_statistics(approximator) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Moving mean and std of the approximator's Standardization layer for the conditions, if it has one."""
    layers = approximator.standardizer.standardize_layers or {}
    layer = layers.get("inference_conditions")
    if layer is None or layer.moving_mean is None:
        return None, None
    mean = keras.ops.convert_to_numpy(layer.moving_mean[0])
    std = keras.ops.convert_to_numpy(layer.moving_std(0))
    return np.asarray(mean, dtype=np.float64), np.asarray(std, dtype=np.float64)


def nnpe_slab(variant: str) -> float | None:
    """The slab scale of an adapter-NNPE variant ("NNPE", or "NNPE slab=0.05" in the ablation), else None."""
    if variant == "NNPE":
        return SLAB
    if variant.startswith("NNPE slab="):
        return float(variant.removeprefix("NNPE slab="))
    return None


def build_workflow(task, variant: str, x_mean: np.ndarray, x_std: np.ndarray, config: Config, seed: int):
    """The workflow and the augmentations of one variant; everything else is shared."""
    adapter = bf.Adapter()
    augmentations = None
    standardize = "inference_variables"
    if variant == "NPE" or nnpe_slab(variant) is not None:
        adapter = adapter.standardize("x", mean=x_mean, std=x_std)
        if variant != "NPE":
            adapter = adapter.nnpe(
                "x", spike_scale=SPIKE, slab_scale=nnpe_slab(variant), per_dimension=False, seed=seed
            )
    elif variant == "NNPE+std=all":
        standardize = "all"
        augmentations = {"x": NNPE(seed=seed)}
    else:
        raise ValueError(f"unknown variant {variant!r}")
    adapter = adapter.convert_dtype("float64", "float32")
    adapter = adapter.concatenate(["theta", "aux"] if task.dummy else "theta", into="inference_variables")
    adapter = adapter.rename("x", "inference_conditions")
    network = bf.networks.CouplingFlow(depth=config.depth, subnet_kwargs={"widths": (config.width, config.width)})
    workflow = bf.BasicWorkflow(adapter=adapter, inference_network=network, standardize=standardize)
    return workflow, augmentations


def train(task, variant: str, data: dict, config: Config, seed: int) -> tuple[bf.BasicWorkflow, dict]:
    keras.utils.set_random_seed(seed)
    x_mean, x_std = data["train"]["x"].mean(axis=0), data["train"]["x"].std(axis=0)
    workflow, augmentations = build_workflow(task, variant, x_mean, x_std, config, seed)
    recorder = EpochRecorder(workflow, data["val"])
    start = time.perf_counter()
    history = workflow.fit_offline(
        data["train"],
        epochs=config.epochs,
        batch_size=config.batch_size,
        validation_data=data["val"],
        augmentations=augmentations,
        callbacks=[recorder],
        verbose=0,
    )
    seconds = time.perf_counter() - start - recorder.seconds
    record = {
        "train_time_s": seconds,
        "history": {
            "loss": [float(v) for v in history.history["loss"]],
            "val_loss": [float(v) for v in history.history.get("val_loss", [])],
            "clean_val_loss": recorder.clean_val_loss,
        },
    }
    if recorder.running_std:
        clean_sd = task.clean_summary_sd()
        record["running_std"] = recorder.running_std
        record["running_mean"] = recorder.running_mean
        record["running_std_over_clean_sd"] = (np.asarray(recorder.running_std[-1]) / clean_sd).tolist()
    return workflow, record


# ---------------------------------------------------------------------------------------------------------- evaluation
@contextlib.contextmanager
def quiet_progress():
    """Silence bayesflow's per-call tqdm progress bar of ``sample`` (restored on exit)."""
    from bayesflow.approximators.helpers import samplers

    original = samplers.tqdm
    samplers.tqdm = functools.partial(original, disable=True)
    try:
        yield
    finally:
        samplers.tqdm = original


def evaluate(task, workflow, tests: list[dict], config: Config, seed: int) -> tuple[dict, dict]:
    """Metrics per contamination level, in units of the prior sd of theta; and the draws of test observation 0."""
    x = np.concatenate([t["x"] for t in tests])
    theta = np.concatenate([t["theta"] for t in tests])
    with quiet_progress():
        draws = workflow.sample(num_samples=config.num_post, conditions={"x": x}, seed=seed)["theta"]
    log_density = log_density_of(task, workflow, theta, x)
    draws = np.asarray(draws, dtype=np.float64) / task.prior_sd
    truth = theta / task.prior_sd
    mean = draws.mean(axis=1)
    low, high = np.quantile(draws, [0.05, 0.95], axis=1)
    metrics, examples = {}, {}
    for i, level in enumerate(task.levels):
        rows = slice(i * config.num_test, (i + 1) * config.num_test)
        err = mean[rows] - truth[rows]
        inside = (truth[rows] >= low[rows]) & (truth[rows] <= high[rows])
        lp = np.asarray(log_density[rows], dtype=np.float64)
        mse = float(np.mean(err**2))
        metrics[str(level)] = {
            "rmse": math.sqrt(mse),
            "mse": mse,
            "coverage90": float(inside.mean()),
            "log_density": float(np.mean(lp)),
            "log_density_median": float(np.median(lp)),
            "post_sd": float(draws[rows].std(axis=1).mean()),
        }
        examples[str(level)] = draws[i * config.num_test]
    return metrics, examples


def log_density_of(task, workflow, theta: np.ndarray, x: np.ndarray, draws: int = 8) -> np.ndarray:
    """Log posterior density of theta / prior sd; a dummy is integrated out by importance sampling from its prior."""
    shift = task.num_params * math.log(task.prior_sd)
    if not task.dummy:
        return np.asarray(workflow.approximator.log_prob({"theta": theta, "x": x}), dtype=np.float64) + shift
    rng = np.random.default_rng(99)
    terms = []
    for _ in range(draws):
        aux = rng.normal(size=(len(theta), 1))
        joint = np.asarray(workflow.approximator.log_prob({"theta": theta, "aux": aux, "x": x}), dtype=np.float64)
        terms.append(joint + 0.5 * aux[:, 0] ** 2 + 0.5 * math.log(2 * math.pi))
    terms = np.stack(terms)
    top = terms.max(axis=0)
    return top + np.log(np.mean(np.exp(terms - top), axis=0)) + shift


def loss_anatomy(task, variant: str, workflow, data: dict, seed: int) -> dict:
    """Trap 2: what the NNPE training objective measures, on clean held-out simulations.

    Adds one draw of the variant's training noise to the clean validation summaries and compares per-simulation
    negative log posterior densities of theta with and without it (``approximator.log_prob`` never adds noise
    itself). A second draw with the Normal spike alone on every element tells how much of the excess the Cauchy
    slab causes.
    """
    val = data["val"]
    rng = np.random.default_rng([seed, 5])
    if nnpe_slab(variant) is not None:
        x_mean, x_std = data["train"]["x"].mean(axis=0), data["train"]["x"].std(axis=0)
        z = (val["x"] - x_mean) / x_std
        noise = NNPE(SPIKE, nnpe_slab(variant), per_dimension=False, seed=10_000 + seed)(z) - z
        noisy_x = val["x"] + noise * x_std
        spike_x = val["x"] + SPIKE * rng.normal(size=z.shape) * x_std
    else:
        noisy_x = NNPE(seed=10_000 + seed)(val["x"])
        noise = (noisy_x - val["x"]) / task.clean_summary_sd()
        spike_x = val["x"] + SPIKE * rng.normal(size=val["x"].shape) * val["x"].std(axis=0)
    clean_nll = -log_density_of(task, workflow, val["theta"], val["x"])
    noisy_nll = -log_density_of(task, workflow, val["theta"], noisy_x)
    spike_nll = -log_density_of(task, workflow, val["theta"], spike_x)
    excess = noisy_nll - clean_nll
    biggest = np.argsort(-np.abs(noise).max(axis=1))[: max(1, len(excess) // 20)]
    batches = np.array_split(np.arange(len(excess)), max(2, len(excess) // 128))
    return {
        "clean_nll_mean": float(np.mean(clean_nll)),
        "noisy_nll_mean": float(np.mean(noisy_nll)),
        "noisy_nll_median": float(np.median(noisy_nll)),
        "spike_only_nll_mean": float(np.mean(spike_nll)),
        "slab_share_of_excess": float(1 - (spike_nll - clean_nll).sum() / excess.sum()),
        "top5pct_noise_share_of_excess": float(excess[biggest].sum() / excess.sum()),
        "batch_loss_sd_clean": float(np.std([clean_nll[b].mean() for b in batches])),
        "batch_loss_sd_noisy": float(np.std([noisy_nll[b].mean() for b in batches])),
    }


# ---------------------------------------------------------------------------------------------------------- reporting
METRICS = ("rmse", "mse", "coverage90", "log_density", "post_sd")


def spread(values: list[float]) -> dict:
    v = np.asarray(values, dtype=np.float64)
    finite = v[np.isfinite(v)]
    if len(finite) < len(v):
        bad = int(len(v) - len(finite))
        return {"mean": None, "min": None, "max": None, "sd": None, "n": len(v), "non_finite": bad}
    return {"mean": float(v.mean()), "min": float(v.min()), "max": float(v.max()), "sd": float(v.std()), "n": len(v)}


def summarize(runs: list[dict], oracles: dict, variants: tuple[str, ...]) -> list[dict]:
    """One row per task, level and method (mean, min, max, sd over seeds), with the oracle last."""
    rows = []
    for task in TASKS.values():
        if task.name not in oracles:
            continue
        for level in task.levels:
            for variant in (*variants, ORACLE):
                if variant == ORACLE:
                    chosen = [{"metrics": oracles[task.name]}]
                else:
                    chosen = [r for r in runs if r["task"] == task.name and r["variant"] == variant]
                if not chosen:
                    continue
                row = {"task": task.name, "level": level, "label": task.label(level), "variant": variant}
                for metric in METRICS:
                    row[metric] = spread([r["metrics"][str(level)][metric] for r in chosen])
                if variant != ORACLE:
                    row["train_time_s"] = spread([r["train_time_s"] for r in chosen])
                rows.append(row)
    return rows


def fmt(stat: dict | None, digits: int = 3) -> str:
    if stat is None or stat["mean"] is None:
        return "-" if stat is None else "non-finite"
    if stat["n"] == 1:
        return f"{stat['mean']:.{digits}g}"
    return f"{stat['mean']:.{digits}g} [{stat['min']:.{digits}g}, {stat['max']:.{digits}g}]"


def text_table(title: str, header: tuple[str, ...], body: list[tuple[str, ...]]) -> str:
    table = [header, *body]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    lines = [title]
    for k, line in enumerate(table):
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def format_table(rows: list[dict], title: str) -> str:
    header = ("task", "level", "method", "RMSE", "MSE", "cov90", "log p(theta)", "post SD")
    body = [(r["task"], r["label"], r["variant"], *(fmt(r[m]) for m in METRICS)) for r in rows]
    return text_table(title, header, body)


def format_training(runs: list[dict], variants: tuple[str, ...]) -> str:
    header = ("task", "method", "train time s", "train loss", "keras val_loss", "clean val loss")
    body = []
    for task in TASKS:
        for variant in variants:
            chosen = [r for r in runs if r["task"] == task and r["variant"] == variant]
            if not chosen:
                continue
            last = {k: spread([r["history"][k][-1] for r in chosen]) for k in ("loss", "val_loss", "clean_val_loss")}
            times = spread([r["train_time_s"] for r in chosen])
            body.append((task, variant, fmt(times), *(fmt(last[k]) for k in ("loss", "val_loss", "clean_val_loss"))))
    title = (
        "Training: last-epoch losses (negative log density of the standardized parameters; keras val_loss runs the\n"
        "validation set through the adapter, so it is noisy for NNPE; clean val loss: clean simulations, no noise)"
    )
    return text_table(title, header, body)


def find(rows: list[dict], task: str, level: float, variant: str) -> dict | None:
    for r in rows:
        if r["task"] == task and r["level"] == level and r["variant"] == variant:
            return r
    return None


def check_targets(rows: list[dict], runs: list[dict]) -> list[dict]:
    """The acceptance targets, on seed means, with the per-seed values alongside."""
    targets = []

    def add(name, task, level, metric, fn, threshold, relation, note=""):
        npe, nnpe = find(rows, task, level, "NPE"), find(rows, task, level, "NNPE")
        if npe is None or nnpe is None:
            return
        got = fn(npe[metric]["mean"], nnpe[metric]["mean"])
        met = got <= threshold if relation == "<=" else got >= threshold
        by_seed = {}
        for r in runs:
            if r["task"] == task and r["variant"] in ("NPE", "NNPE"):
                by_seed.setdefault(r["seed"], {})[r["variant"]] = r["metrics"][str(level)][metric]
        per_seed = [fn(v["NPE"], v["NNPE"]) for _, v in sorted(by_seed.items()) if len(v) == 2]
        targets.append(
            {
                "target": name,
                "value": got,
                "relation": relation,
                "threshold": threshold,
                "met": bool(met),
                "per_seed": per_seed,
                "note": note,
            }
        )

    gauss_note = ""
    npe, oracle = find(rows, "gaussian", 2.0, "NPE"), find(rows, "gaussian", 2.0, ORACLE)
    if npe is not None and oracle is not None:
        floor = oracle["mse"]["mean"] / npe["mse"]["mean"]
        gauss_note = (
            f"NPE MSE {npe['mse']['mean']:.3g}; the oracle (exact posterior that knows the variance) has "
            f"{oracle['mse']['mean']:.3g}, a ratio of {floor:.2f} to NPE: the target asks for less than half NPE's MSE"
        )
    add("gaussian var=2: MSE NNPE / NPE", "gaussian", 2.0, "mse", lambda a, b: b / a, 0.5, "<=", gauss_note)
    add("sensors s=20: RMSE NPE / NNPE", "sensors", 20.0, "rmse", lambda a, b: a / b, 4.0, ">=")
    add("sensors s=20: NNPE 90% coverage", "sensors", 20.0, "coverage90", lambda a, b: b, 0.9, ">=")
    add("sensors clean: RMSE NNPE / NPE", "sensors", 0.0, "rmse", lambda a, b: b / a, 1.25, "<=")
    return targets


def format_targets(targets: list[dict]) -> str:
    lines = ["Targets (on seed means):"]
    for t in targets:
        per_seed = ", ".join(f"{v:.3g}" for v in t["per_seed"])
        lines.append(
            f"  [{'met' if t['met'] else 'MISSED'}] {t['target']} = {t['value']:.3g} "
            f"(target {t['relation']} {t['threshold']:g}; per seed: {per_seed})"
        )
        if t["note"]:
            lines.append(f"           {t['note']}")
    return "\n".join(lines)


def trap_summary(runs: list[dict]) -> dict:
    out = {}
    for task_name, task in TASKS.items():
        chosen = [r for r in runs if r["task"] == task_name]
        if not chosen:
            continue
        clean_sd = task.clean_summary_sd()
        entry = {"clean_summary_sd": clean_sd.tolist()}
        trap = [r for r in chosen if r["variant"] == "NNPE+std=all"]
        if trap:
            ratios = np.array([r["running_std_over_clean_sd"] for r in trap])
            trajectories = [np.array(r["running_std"]) / clean_sd for r in trap]
            jumps = [float(np.max(t[1:] / t[:-1])) if len(t) > 1 else 1.0 for t in trajectories]
            offsets = np.array([np.array(r["running_mean"][-1]) / clean_sd for r in trap])
            entry["running_std_over_clean_sd_final"] = {
                "per_seed_per_dim": ratios.tolist(),
                "min": float(ratios.min()),
                "median": float(np.median(ratios)),
                "max": float(ratios.max()),
            }
            entry["running_std_largest_one_epoch_jump_per_seed"] = jumps
            entry["running_std_over_clean_sd_by_epoch_seed0"] = trajectories[0].tolist()
            entry["running_mean_offset_in_clean_sd_final"] = {
                "per_seed_per_dim": offsets.tolist(),
                "max_abs": float(np.abs(offsets).max()),
            }
        for variant in ("NNPE", "NNPE+std=all"):
            anatomy = [r["loss_anatomy"] for r in chosen if r["variant"] == variant and "loss_anatomy" in r]
            if anatomy:
                entry[f"loss_anatomy_{variant}"] = {k: spread([a[k] for a in anatomy]) for k in anatomy[0]}
            runs_v = [r for r in chosen if r["variant"] == variant]
            if runs_v:
                entry[f"best_epoch_{variant}"] = [
                    {k: int(np.argmin(r["history"][k])) + 1 for k in ("loss", "val_loss", "clean_val_loss")}
                    for r in runs_v
                ]
        out[task_name] = entry
    return out


def format_traps(traps: dict) -> str:
    lines = ["Trap 1: running standardization of NNPE-noised conditions (NNPE+std=all: standardize='all')"]
    for task, entry in traps.items():
        if "running_std_over_clean_sd_final" not in entry:
            continue
        r = entry["running_std_over_clean_sd_final"]
        per_seed = "; ".join(" ".join(f"{v:.3g}" for v in dims) for dims in r["per_seed_per_dim"])
        lines.append(f"  {task}: learned running std / clean summary sd, per dimension (seeds separated by ;):")
        lines.append(f"    {per_seed}")
        traj = np.array(entry["running_std_over_clean_sd_by_epoch_seed0"])
        pick = sorted({0, len(traj) // 4, len(traj) // 2, 3 * len(traj) // 4, len(traj) - 1})
        jumps = ", ".join(f"x{j:.3g}" for j in entry["running_std_largest_one_epoch_jump_per_seed"])
        lines.append(
            "    median over dimensions by epoch (seed 0): "
            + ", ".join(f"ep{e + 1} {np.median(traj[e]):.3g}" for e in pick)
            + f"; largest one-epoch jump per seed {jumps}; running mean off by up to "
            f"{entry['running_mean_offset_in_clean_sd_final']['max_abs']:.3g} clean sds"
        )
    lines.append("Trap 2: the NNPE training loss (on clean validation simulations with one draw of training noise)")
    for task, entry in traps.items():
        for variant in ("NNPE", "NNPE+std=all"):
            a = entry.get(f"loss_anatomy_{variant}")
            if not a:
                continue
            lines.append(
                f"  {task} {variant}: NLL clean {fmt(a['clean_nll_mean'])}, with training noise "
                f"{fmt(a['noisy_nll_mean'])} (median {fmt(a['noisy_nll_median'])}), spike noise only "
                f"{fmt(a['spike_only_nll_mean'])}"
            )
            lines.append(
                f"    share of the excess due to the Cauchy slab {fmt(a['slab_share_of_excess'])}; carried by the 5% "
                f"largest noise draws {fmt(a['top5pct_noise_share_of_excess'])}; sd of 128-batch mean losses clean "
                f"{fmt(a['batch_loss_sd_clean'])}, noisy {fmt(a['batch_loss_sd_noisy'])}"
            )
        best = entry.get("best_epoch_NNPE")
        if best:
            lines.append(
                f"  {task} NNPE best epoch by (training loss, keras val_loss, clean val loss), per seed: "
                + "; ".join(f"({b['loss']}, {b['val_loss']}, {b['clean_val_loss']})" for b in best)
            )
    return "\n".join(lines)


def write_csv(rows: list[dict], path: Path) -> None:
    fields = ["task", "level", "label", "variant", "n_seeds"]
    for metric in (*METRICS, "train_time_s"):
        fields += [f"{metric}_{s}" for s in ("mean", "min", "max", "sd")]
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        for r in rows:
            out = {k: r[k] for k in ("task", "level", "label", "variant")}
            out["n_seeds"] = r["rmse"]["n"] if r["variant"] != ORACLE else 0
            for metric in (*METRICS, "train_time_s"):
                for s in ("mean", "min", "max", "sd"):
                    stat = r.get(metric)
                    out[f"{metric}_{s}"] = "" if stat is None or stat[s] is None else f"{stat[s]:.6g}"
            writer.writerow(out)


def to_json(value):
    """Replace non-finite floats by None so the file is strict JSON."""
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


# -------------------------------------------------------------------------------------------------------------- plots
COLORS = {"NPE": "tab:red", "NNPE": "tab:blue", "NNPE+std=all": "tab:gray", ORACLE: "black"}


def plot_sweep(rows: list[dict], path: Path, seeds: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tasks = [t for t in TASKS.values() if any(r["task"] == t.name for r in rows)]
    fig, axes = plt.subplots(len(tasks), 2, figsize=(11, 3.8 * len(tasks)), squeeze=False)
    for (ax_rmse, ax_cov), task in zip(axes, tasks, strict=True):
        levels = np.array(task.levels)
        for variant in (*VARIANTS, ORACLE):
            chosen = [find(rows, task.name, level, variant) for level in task.levels]
            if any(c is None for c in chosen):
                continue
            label = "oracle (knows the contamination)" if variant == ORACLE else variant
            style = {"color": COLORS[variant], "label": label}
            line = "--" if variant == ORACLE else "o-"
            for ax, metric in ((ax_rmse, "rmse"), (ax_cov, "coverage90")):
                ax.plot(levels, [c[metric]["mean"] for c in chosen], line, **style)
                if seeds > 1 and variant != ORACLE:
                    low = [c[metric]["min"] for c in chosen]
                    high = [c[metric]["max"] for c in chosen]
                    ax.fill_between(levels, low, high, color=COLORS[variant], alpha=0.2, linewidth=0)
        ax_rmse.set_yscale("log")
        ax_rmse.set_ylabel("RMSE of posterior mean (prior sds)")
        ax_cov.axhline(0.9, color="black", linestyle=":", linewidth=1)
        ax_cov.set_ylim(-0.02, 1.02)
        ax_cov.set_ylabel("coverage of central 90% intervals")
        for ax in (ax_rmse, ax_cov):
            ax.set_xlabel(task.level_name + (" (1 = clean)" if task.name == "gaussian" else " (0 = clean)"))
            ax.axvline(task.headline, color="black", alpha=0.12, linewidth=8)
            ax.set_title(task.name)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=8)
    band = f"lines: mean over {seeds} seeds, bands: min-max" if seeds > 1 else "1 seed"
    fig.suptitle(f"Robustness to misspecified observations ({band}; grey bar: headline level)", fontsize=10)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_posteriors(examples: dict, tests: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tasks = [TASKS[name] for name in examples]
    variants = [v for v in VARIANTS if all(v in examples[t.name] for t in tasks)]
    fig, axes = plt.subplots(
        len(tasks), len(variants), figsize=(3.8 * len(variants), 3.6 * len(tasks)), squeeze=False, sharey="row"
    )
    for row, task in zip(axes, tasks, strict=True):
        index = task.levels.index(task.headline)
        obs = tests[task.name][index]
        truth = obs["theta"][0] / task.prior_sd
        oracle_mean, oracle_sd = (v[0] / task.prior_sd for v in task.oracle(obs, task.headline))
        drawn = [examples[task.name][v][str(task.headline)] for v in variants]
        for ax, variant, draws in zip(row, variants, drawn, strict=True):
            if task.num_params == 1:
                lo = min(truth[0] - 4 * oracle_sd[0], *(np.quantile(d[:, 0], 0.05) for d in drawn))
                hi = max(truth[0] + 4 * oracle_sd[0], *(np.quantile(d[:, 0], 0.95) for d in drawn))
                lo, hi = lo - 0.3 * (hi - lo), hi + 0.3 * (hi - lo)
                grid = np.linspace(lo, hi, 400)
                ax.hist(draws[:, 0], bins=np.linspace(lo, hi, 60), color=COLORS[variant], alpha=0.8, density=True)
                density = np.exp(-0.5 * ((grid - oracle_mean[0]) / oracle_sd[0]) ** 2)
                density /= oracle_sd[0] * math.sqrt(2 * math.pi)
                ax.plot(grid, density, "k-", linewidth=1, label="oracle posterior")
                ax.axvline(truth[0], color="black", linestyle="--", label="true theta")
                ax.set_xlabel("theta / 5")
                ax.set_xlim(lo, hi)
            else:
                ax.scatter(draws[:, 0], draws[:, 1], s=3, alpha=0.3, color=COLORS[variant])
                ax.plot(*truth, "k*", markersize=12, label="true theta")
                ax.plot(*oracle_mean, "kx", markersize=9, label="oracle posterior mean")
                ax.set_xlabel("theta[0]")
                ax.set_ylabel("theta[1]")
                both = np.concatenate([*drawn, truth[None], oracle_mean[None]])
                low, high = np.quantile(both, 0.005, axis=0), np.quantile(both, 0.995, axis=0)
                pad = 0.1 * (high - low)
                ax.set_xlim(low[0] - pad[0], high[0] + pad[0])
                ax.set_ylim(low[1] - pad[1], high[1] + pad[1])
            ax.set_title(f"{task.name}, {task.label(task.headline)}: {variant}", fontsize=9)
            ax.legend(fontsize=7)
        row[0].annotate(
            "x = [" + ", ".join(f"{v:.2f}" for v in obs["x"][0]) + "]",
            xy=(0, -0.3),
            xycoords="axes fraction",
            fontsize=7,
            annotation_clip=False,
        )
    fig.suptitle("Posterior draws for test observation 0 at the headline contamination (seed 0)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_losses(runs: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tasks = [t for t in TASKS if any(r["task"] == t for r in runs)]
    fig, axes = plt.subplots(1, len(tasks), figsize=(6.5 * len(tasks), 4.5), squeeze=False)
    for ax, task in zip(axes[0], tasks, strict=True):
        curves = []  # (values, style, color, label)
        for variant in VARIANTS:
            chosen = [r for r in runs if r["task"] == task and r["variant"] == variant and r["seed_index"] == 0]
            if not chosen:
                continue
            h = chosen[0]["history"]
            curves.append((h["loss"], "-", COLORS[variant], f"{variant}: training loss"))
            curves.append((h["clean_val_loss"], "--", COLORS[variant], f"{variant}: clean val loss"))
            if variant == "NNPE":
                curves.append((h["val_loss"], ":", COLORS[variant], f"{variant}: keras val_loss (noisy)"))
        values = np.concatenate([np.asarray(c[0], dtype=float) for c in curves])
        values = values[np.isfinite(values)]
        # Cauchy draws make single epochs of the noisy losses explode: clip the axis, mark the clipped points
        top = float(np.quantile(values, 0.85)) + 1.0
        bottom = float(values.min()) - 0.3
        for series, style, color, label in curves:
            y = np.asarray(series, dtype=float)
            epochs = np.arange(1, len(y) + 1)
            ax.plot(epochs, np.minimum(y, top), style, color=color, label=label)
            off = np.flatnonzero(y > top)
            ax.plot(epochs[off], np.full(len(off), top), "^", color=color, clip_on=False)
        series, _, _, label = max(curves, key=lambda c: np.nanmax(np.asarray(c[0], dtype=float)))
        worst = int(np.nanargmax(np.asarray(series, dtype=float)))
        ax.set_ylim(bottom, top)
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss: NLL of standardized parameters")
        ax.set_title(
            f"{task}, seed 0 (triangles: off the scale)\nlargest {series[worst]:.3g}: {label}, epoch {worst + 1}",
            fontsize=9,
        )
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=8)
    fig.suptitle("Trap 2: NNPE's training loss measures the noisy objective; monitor the clean one", fontsize=10)
    fig.subplots_adjust(left=0.07, right=0.98, top=0.83, bottom=0.26, wspace=0.18)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_running_std(runs: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    trap = [r for r in runs if r["variant"] == "NNPE+std=all" and "running_std" in r]
    tasks = [t for t in TASKS if any(r["task"] == t for r in trap)]
    fig, axes = plt.subplots(1, max(1, len(tasks)), figsize=(6.5 * max(1, len(tasks)), 4.5), squeeze=False)
    for ax, task in zip(axes[0], tasks, strict=False):
        task_obj = TASKS[task]
        clean_sd = task_obj.clean_summary_sd()
        for r in (r for r in trap if r["task"] == task):
            ratio = np.array(r["running_std"]) / clean_sd
            epochs = np.arange(1, len(ratio) + 1)
            for j in range(ratio.shape[1]):
                label = f"seed {r['seed_index']}" if j == 0 else None
                ax.plot(epochs, ratio[:, j], color=f"C{r['seed_index']}", alpha=0.7, label=label)
        ax.axhline(1.0, color="black", linestyle=":", label="clean summary sd")
        ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel("learned running std / clean summary sd")
        names = task_obj.summary_names
        ax.set_title(f"{task}: one line per summary ({', '.join(names[:3])}{', ...' if len(names) > 3 else ''})")
        ax.legend(fontsize=7)
    fig.suptitle("Trap 1: standardize='all' learns its running std from Cauchy-noised batches", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_all(rows: list[dict], runs: list[dict], examples: dict, tests: dict, out: Path, seeds: int) -> None:
    plot_sweep(rows, out / "robustness_sweep.png", seeds)
    if examples:
        plot_posteriors(examples, tests, out / "posterior_example.png")
    plot_losses(runs, out / "loss_curves.png")
    plot_running_std(runs, out / "running_std.png")


def replot(out: Path) -> None:
    """Redraw the figures from ``out/robustness.json`` without training (the posterior example needs its draws)."""
    result = json.loads((out / "robustness.json").read_text())
    runs = [r for r in result["runs"] if r["variant"] in VARIANTS]
    examples = {
        task: {variant: {level: np.asarray(d) for level, d in by_level.items()} for variant, by_level in v.items()}
        for task, v in result.get("examples", {}).items()
    }
    tests = {task: make_test_sets(TASKS[task], result["config"]["num_test"]) for task in examples}
    plot_all(result["summary"], runs, examples, tests, out, result["config"]["seeds"])
    print(f"Redrew the figures in {out} from robustness.json" + ("" if examples else " (no posterior example draws)"))


# ---------------------------------------------------------------------------------------------------------------- main
def run(config: Config, out: Path, task_names: list[str], ablation: bool) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    ablation_variants = tuple(f"NNPE slab={slab:g}" for slab in ABLATION_SLABS) if ablation else ()
    runs, examples, tests, oracles = [], {}, {}, {}
    for task_name in task_names:
        task = TASKS[task_name]
        tests[task_name] = make_test_sets(task, config.num_test)
        oracles[task_name] = oracle_metrics(task, tests[task_name])
        examples[task_name] = {}
        for seed_index in range(config.seeds):
            seed = 1000 * TASK_IDS[task_name] + seed_index
            rng = np.random.default_rng([TASK_IDS[task_name], seed_index, 7])
            data = {"train": simulate(task, config.num_train, rng), "val": simulate(task, config.num_val, rng)}
            for variant in VARIANTS + (ablation_variants if seed_index == 0 else ()):
                workflow, record = train(task, variant, data, config, seed)
                metrics, draws = evaluate(task, workflow, tests[task_name], config, seed)
                record.update(task=task_name, variant=variant, seed=seed, seed_index=seed_index, metrics=metrics)
                if variant in ("NNPE", "NNPE+std=all"):
                    record["loss_anatomy"] = loss_anatomy(task, variant, workflow, data, seed)
                if seed_index == 0:
                    examples[task_name][variant] = draws
                runs.append(record)
                head = metrics[str(task.headline)]
                print(
                    f"[{time.perf_counter() - start:5.0f} s] {task_name} seed {seed_index} {variant:<15} trained in "
                    f"{record['train_time_s']:5.1f} s; {task.label(task.headline)}: RMSE {head['rmse']:.3g}, "
                    f"cov90 {head['coverage90']:.2f}",
                    flush=True,
                )
    main_runs = [r for r in runs if r["variant"] in VARIANTS]
    rows = summarize(main_runs, oracles, VARIANTS)
    ablation_rows = summarize(runs, oracles, ("NPE", "NNPE", *ablation_variants)) if ablation else []
    targets = check_targets(rows, main_runs)
    traps = trap_summary(main_runs)
    wall = time.perf_counter() - start

    seeds_note = f"mean [min, max] over {config.seeds} seeds" if config.seeds > 1 else "1 seed"
    printed = {
        "table": format_table(rows, f"Posterior metrics in units of the prior sd of theta ({seeds_note})"),
        "training": format_training(main_runs, VARIANTS),
        "targets": format_targets(targets),
        "traps": format_traps(traps),
    }
    if ablation:
        shown = [r for r in ablation_rows if r["level"] in (TASKS[r["task"]].levels[0], TASKS[r["task"]].headline)]
        printed["ablation"] = format_table(
            shown, "Ablation: NNPE slab scale (adapter recipe, spike 0.01; seed 0 for the slab variants)"
        )
    print()
    print("\n\n".join(printed.values()))
    print(f"\nTotal wall time {wall:.0f} s ({config.mode} mode).")

    result = {
        "mode": config.mode,
        "config": asdict(config),
        "noise": {"spike_scale": SPIKE, "slab_scale": SLAB, "per_dimension": False, "applied_to": "fixed z-scores"},
        "units": "theta / prior sd (5 for gaussian, 1 for sensors); log densities of theta / prior sd",
        "environment": {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "bayesflow": bf.__version__,
            "keras": keras.__version__,
            "backend": keras.backend.backend(),
            "numpy": np.__version__,
            "bayesflow_nnpe": bayesflow_nnpe.__version__,
            "cpu_count": os.cpu_count(),
        },
        "tasks": {
            name: {
                "doc": TASKS[name].__doc__,
                "levels": list(TASKS[name].levels),
                "level_name": TASKS[name].level_name,
                "headline": TASKS[name].headline,
                "clean_summary_sd": TASKS[name].clean_summary_sd().tolist(),
            }
            for name in task_names
        },
        "wall_time_s": wall,
        "summary": rows,
        "ablation": ablation_rows,
        "targets": targets,
        "traps": traps,
        "examples": {
            task: {
                variant: {str(TASKS[task].headline): draws[str(TASKS[task].headline)].tolist()}
                for variant, draws in by_variant.items()
                if variant in VARIANTS
            }
            for task, by_variant in examples.items()
        },
        "runs": runs,
        "printed": printed,
    }
    (out / "robustness.json").write_text(json.dumps(to_json(result), indent=1))
    write_csv(rows + [r for r in ablation_rows if r["variant"].startswith("NNPE slab=")], out / "robustness.csv")
    plot_all(rows, main_runs, examples, tests, out, config.seeds)
    print(f"Wrote {', '.join(sorted(p.name for p in out.iterdir() if p.is_file()))} to {out}")
    return result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small budget and 1 seed (under ~3 min), for CI/demo")
    parser.add_argument("--out", type=Path, default=None, help="output directory (default benchmarks/figures[/quick])")
    parser.add_argument("--seeds", type=int, default=None, help="training seeds (default 3, or 1 with --quick)")
    parser.add_argument("--tasks", nargs="+", choices=list(TASKS), default=list(TASKS), help="tasks to run")
    parser.add_argument(
        "--ablation",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=f"also train NNPE with slab scales {', '.join(map(str, ABLATION_SLABS))} on seed 0 "
        "(default: on in full mode, off with --quick)",
    )
    parser.add_argument("--replot", action="store_true", help="only redraw the figures from robustness.json in --out")
    args = parser.parse_args(argv)
    config = QUICK if args.quick else FULL
    if args.seeds is not None:
        if args.seeds < 1:
            parser.error("--seeds must be at least 1")
        config = Config(**{**asdict(config), "seeds": args.seeds})
    ablation = (not args.quick) if args.ablation is None else args.ablation
    out = args.out or (FIGURES / "quick" if args.quick else FIGURES)
    if args.replot:
        replot(out)
        return {}
    logging.getLogger("bayesflow").setLevel(logging.WARNING)
    print(
        f"{config.mode} mode: {config.seeds} seed(s), {config.num_train} simulations, {config.epochs} epochs of "
        f"batch {config.batch_size}, CouplingFlow depth {config.depth} width {config.width}, {config.num_test} test "
        f"observations per level, {config.num_post} posterior draws, ablation {'on' if ablation else 'off'}; "
        f"backend {keras.backend.backend()}",
        flush=True,
    )
    return run(config, out, args.tasks, ablation)


if __name__ == "__main__":
    main()
