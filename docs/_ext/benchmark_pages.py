"""Benchmark pages generated from the committed results in ``benchmarks/figures/``.

Every number on these pages is read from the JSON that a benchmark run wrote, at build time, so that the pages
cannot drift from the runs. A key that a page needs and the JSON lacks stops the build with a message that names the
file, the key and the command that writes it. The pages are written to ``docs/benchmarks/`` next to the committed
``index.md`` (and ignored by git); the figures are copied to ``docs/benchmarks/_figures/``.

:func:`headlines` gives the few numbers that the README quotes; ``tests/test_docs.py`` checks that the README
quotes them as this module formats them.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FIGURES = ROOT / "benchmarks" / "figures"
OUT = ROOT / "docs" / "benchmarks"

COMMANDS = {
    "robustness.json": "make robustness",
    "criticism.json": "make criticism",
    "published.json": "make published",
    "speed.json": "make bench",
    "robust_posterior.json": "make robust",
}


class BenchmarkDataError(Exception):
    """A results file or a key in it that a page needs is missing."""


class Results:
    """One results file, read once; :meth:`get` walks keys and fails with the file, the path and the command."""

    def __init__(self, path: Path, command: str):
        self.path, self.command = path, command
        if not path.is_file():
            raise BenchmarkDataError(f"{self._where()}: file not found; run `{command}` to write it.")
        self.data = json.loads(path.read_text())

    def _where(self) -> str:
        return str(self.path.relative_to(ROOT)) if self.path.is_relative_to(ROOT) else str(self.path)

    def get(self, *keys: str | int, source: Any = None) -> Any:
        value = self.data if source is None else source
        for i, key in enumerate(keys):
            try:
                value = value[key]
            except (KeyError, IndexError, TypeError):
                path = ".".join(str(k) for k in keys[: i + 1])
                has = f" (that record has: {', '.join(map(str, value))})" if isinstance(value, dict) else ""
                raise BenchmarkDataError(
                    f"{self._where()}: missing key {path!r}{has}; the docs need it. Re-run `{self.command}` or "
                    "update docs/_ext/benchmark_pages.py to the new format."
                ) from None
        return value


# --- formatting -------------------------------------------------------------------------------------------------------
def num(x: float | None, digits: int = 3) -> str:
    """A number with ``digits`` significant digits (no exponent for the magnitudes in these results)."""
    if x is None:
        return "-"
    text = f"{x:.{digits}g}"
    if "e" in text:
        text = f"{x:.{digits}f}".rstrip("0").rstrip(".")
    return text


def fixed(x: float | None, decimals: int = 3) -> str:
    """A number with ``decimals`` decimals (coverages, seconds)."""
    return "-" if x is None else f"{x:.{decimals}f}"


def spread(stats: dict[str, float], results: Results, digits: int = 3) -> str:
    """``mean [min, max]`` from a ``{mean, min, max, ...}`` record (the mean alone when the runs agree)."""
    mean, low, high = (results.get(k, source=stats) for k in ("mean", "min", "max"))
    if low == high:
        return num(mean, digits)
    return f"{num(mean, digits)} [{num(low, digits)}, {num(high, digits)}]"


def seconds(s: float) -> str:
    return f"{s / 60:.0f} min" if s >= 120 else f"{s:.0f} s"


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def code(text: str) -> str:
    return f"`{text}`"


def figure(name: str, alt: str, results: Results, folder: Path = FIGURES) -> str:
    """Copy ``folder/name`` next to the pages and return the Markdown that shows it."""
    source = folder / name
    if not source.is_file():
        where = source.relative_to(ROOT) if source.is_relative_to(ROOT) else source
        raise BenchmarkDataError(f"{where}: figure not found; run `{results.command}` to draw it.")
    target = OUT / "_figures" / (source.relative_to(FIGURES) if source.is_relative_to(FIGURES) else Path(name))
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return f"![{alt}](_figures/{target.relative_to(OUT / '_figures').as_posix()})\n"


def environment(results: Results, *, extra: Sequence[str] = (), wall: str = "wall_time_s") -> str:
    env = results.get("environment")
    keys = ["python", "bayesflow", "keras", "backend", "numpy", "bayesflow_nnpe", "cpu_count", *extra]
    rows = [(key, code(str(results.get(key, source=env)))) for key in keys]
    rows.append(("platform", code(str(results.get("platform", source=env)))))
    rows.append(("wall time of the run", seconds(results.get(wall))))
    return table(["", "this run"], rows)


def targets(results: Results, rows: Iterable[dict[str, Any]], label: Callable[[dict[str, Any]], str]) -> str:
    out = []
    for t in rows:
        graded = results.get("met", source=t)
        met = "not graded (quick run)" if graded is None else "met" if graded else "**missed**"
        value, relation, threshold = (results.get(k, source=t) for k in ("value", "relation", "threshold"))
        note = t.get("note") or ""
        out.append((label(t), num(value, 4), f"{relation} {num(threshold, 4)}", met, note))
    return table(["target", "value", "threshold", "", "note"], out)


def printed(results: Results, sections: Sequence[str]) -> str:
    """The run's own console report, verbatim, in a folded block."""
    out = ["::::{dropdown} The full report, as the run printed it\n"]
    for section in sections:
        out.append(f"```text\n{results.get('printed', section).rstrip()}\n```\n")
    out.append("::::\n")
    return "\n".join(out)


def header(title: str, results: Results, what: str, mode: str | None = None) -> str:
    mode = results.get("mode") if mode is None else mode
    return (
        f"# {title}\n\n"
        f"```{{note}}\nGenerated at build time from `{results._where()}`, written by `{results.command}` "
        f"(mode: {mode}). {what}\n```\n\n"
    )


# --- robustness -------------------------------------------------------------------------------------------------------
def robustness_page(r: Results) -> str:
    config, noise = r.get("config"), r.get("noise")
    budget = (
        f"{r.get('num_train', source=config):,} simulations, CouplingFlow depth {r.get('depth', source=config)} / "
        f"width {r.get('width', source=config)}, {r.get('epochs', source=config)} epochs, "
        f"{r.get('seeds', source=config)} training seeds, {r.get('num_test', source=config)} test observations per "
        "level"
    )
    out = [
        header("Robustness: NPE against NNPE", r, "`make demo` runs the same benchmark in quick mode."),
        "NPE (no noise), NNPE (Ward et al.'s recipe: fixed z-scoring with clean statistics, then "
        f'`NNPETransform("x", spike_scale={r.get("spike_scale", source=noise)}, '
        f"slab_scale={r.get('slab_scale', source=noise)}, per_dimension={r.get('per_dimension', source=noise)})` "
        f"applied to {r.get('applied_to', source=noise)}) and the running-standardization trap "
        '(`NNPE+std=all`: the same noise with `standardize="all"`) are trained identically: '
        f"{budget}. The oracle is the exact posterior that knows the contamination.\n\n",
        f"Units: {r.get('units')}. Each cell is the mean over seeds, with [min, max] when they differ.\n\n",
    ]
    tasks = r.get("tasks")
    for task, info in tasks.items():
        out.append(
            f"## Task `{task}`\n\n{r.get('doc', source=info)} Contamination: {r.get('level_name', source=info)}"
            f"; the headline level is {num(r.get('headline', source=info))}.\n\n"
        )
        rows, previous = [], None
        for s in r.get("summary"):
            if r.get("task", source=s) != task:
                continue
            label = r.get("label", source=s)
            rows.append(
                (
                    "" if label == previous else label,
                    r.get("variant", source=s),
                    spread(r.get("rmse", source=s), r),
                    spread(r.get("coverage90", source=s), r),
                    spread(r.get("post_sd", source=s), r),
                    spread(r.get("train_time_s", source=s), r) if r.get("variant", source=s) != "oracle" else "-",
                )
            )
            previous = label
        out.append(
            table(
                ["observation", "method", "RMSE of the posterior mean", "90% coverage", "posterior SD", "training s"],
                rows,
            )
        )
        out.append("\n")
    out.append("## Targets\n\n")
    out.append(targets(r, r.get("targets"), lambda t: t["target"]))
    out.append("\n## Figures\n\n")
    for name, alt in (
        ("robustness_sweep.png", "RMSE and coverage against the contamination"),
        ("posterior_example.png", "Posteriors of NPE and NNPE for one contaminated observation"),
        ("running_std.png", "The running standard deviation of the conditions under NNPE noise"),
        ("loss_curves.png", "Training, noisy validation and clean validation losses"),
    ):
        out.append(f"{alt}:\n\n{figure(name, alt, r)}\n")
    out.append("## The traps, the training losses and the slab ablation\n\n")
    out.append(
        "The running-standardization trap ({doc}`../user_guide/running_standardization`) and the training-loss "
        "trap ({doc}`../user_guide/recipe_augmentation`), measured in this run:\n\n"
    )
    out.append(printed(r, ["table", "training", "traps", "ablation", "targets"]))
    out.append("\n## Environment\n\n" + environment(r))
    return "".join(out)


# --- criticism --------------------------------------------------------------------------------------------------------
def criticism_page(r: Results) -> str:
    config, error = r.get("config"), r.get("error_model")
    out = [
        header("Model criticism: the critic against exact probabilities", r, ""),
        f"The critic is trained with its defaults ({code(r.get('critic_settings'))}) on "
        f"{r.get('num_train', source=config):,} clean simulations per task and slab probability, under the error "
        f"model spike {r.get('spike_scale', source=error)} / slab {r.get('slab_scale', source=error)} on "
        f"{r.get('applied_to', source=error)}. Reference: {r.get('reference')}.\n\n",
    ]
    results = r.get("results")
    out.append("## Tasks\n\n")
    for task, info in results.items():
        out.append(f"- `{task}`: {r.get('doc', source=info)}\n")
    rows, cost_rows = [], []
    for task, info in results.items():
        for rho, res in r.get("rhos", source=info).items():
            outliers = r.get("outliers", source=res)
            rel = r.get("reliability", source=res)
            rows.append(
                (
                    task,
                    rho,
                    num(r.get("clean", "mae", source=res), 2),
                    num(r.get("noisy", "mae", source=res), 2),
                    " / ".join(f"{size} sd: {num(r.get(size, 'critic_min', source=outliers), 5)}" for size in outliers),
                    f"{num(r.get('critic', 'ece', source=rel), 2)} (exact {num(r.get('exact', 'ece', source=rel), 2)})",
                )
            )
            cost = r.get("cost", source=res)
            n = r.get("predict_n", source=cost)
            cost_rows.append(
                (
                    task,
                    rho,
                    num(r.get("train_s", source=res)),
                    f"{num(r.get('predict_warm_s', source=cost), 2)} ({num(r.get('predict_first_s', source=cost), 2)}"
                    f" first call), {n:,} obs.",
                    num(r.get("mcmc", "cost", "seconds_per_observation_ward_length", source=info), 2),
                    f"{r.get('mcmc', 'cost', 'seconds_per_10k_observations_ward_length', source=info) / 3600:.2f} h",
                )
            )
    out.append(
        "\n## Accuracy\n\nMean absolute error against the exact probabilities, on clean and contaminated "
        "observations; the smallest probability given to an outlier; calibration error (ECE).\n\n"
    )
    out.append(table(["task", "rho", "MAE clean", "MAE contaminated", "outliers: min p", "ECE"], rows))
    ward_rows = []
    for task, info in results.items():
        for rho, res in r.get("rhos", source=info).items():
            if "ward" not in res:
                continue
            ward = r.get("ward", source=res)
            reported = ward.get("ward_reported") or {}
            names = r.get("summary_names", source=info)
            ward_rows.append(
                (
                    task,
                    rho,
                    " / ".join(num(p) for p in r.get("critic_mean", source=ward)),
                    " / ".join(num(p) for p in r.get("exact_mean", source=ward)),
                    " / ".join(num(reported[k]) for k in names) if reported else "-",
                )
            )
    if ward_rows:
        out.append(
            "\n## Ward et al.'s example\n\nThe Gaussian task, observations whose draws have variance 2: mean "
            "probability for the sample mean / the sample variance.\n\n"
        )
        out.append(table(["task", "rho", "critic", "exact", "Ward et al. (RNPE, MCMC)"], ward_rows))
    out.append(
        "\n## Cost\n\nWall seconds on the run's machine: training; `inclusion_probabilities` once warm (and on its "
        "first call, which compiles the network); an MCMC run per observation at Ward et al.'s chain length, given "
        "the exact prior density of the summaries, many chains side by side, timed on short chains and "
        "extrapolated.\n\n"
    )
    out.append(table(["task", "rho", "training s", "critic, s", "MCMC s / obs.", "MCMC, 10,000 obs."], cost_rows))
    out.append("\n## Targets\n\n")
    out.append(targets(r, r.get("targets"), lambda t: f"{t['task']} rho={t['rho']}: {t['target']}"))
    out.append("\n## Figures\n\n")
    for name, alt in (
        ("criticism_reliability.png", "Reliability of the critic and of the exact probabilities"),
        ("criticism_ward.png", "The critic on Ward et al.'s example"),
        ("criticism_sensors_sweep.png", "One sensor moved further and further off its block"),
    ):
        out.append(f"{alt}:\n\n{figure(name, alt, r)}\n")
    out.append("\n" + printed(r, ["accuracy", "ward", "sweep", "cost", "mcmc", "targets"]))
    out.append("\n## Environment\n\n" + environment(r, extra=["jax"]))
    return "".join(out)


# --- published tasks --------------------------------------------------------------------------------------------------
def _summary(r: Results, task: str, label: str, level: str) -> dict[str, Any]:
    for s in r.get("summary"):
        if (s.get("task"), s.get("label"), s.get("level")) == (task, label, level):
            return s
    raise BenchmarkDataError(f"{r._where()}: no summary record for {task} / {label} / {level}; re-run `{r.command}`.")


def _budget_text(r: Results, task: str) -> str:
    b = r.get("config", "budgets", task)
    return (
        f"{r.get('num_train', source=b):,} simulations, CouplingFlow {r.get('depth', source=b)} x "
        f"{r.get('width', source=b)}, {r.get('epochs', source=b)} epochs"
    )


def published_page(r: Results, larger: Sequence[Results]) -> str:
    tasks = r.get("tasks")
    config = r.get("config")
    rhos = r.get("rhos", source=config)
    ward = r.get("ward", "mse")
    out = [
        header("Ward et al.'s published tasks: the price of robustness", r, ""),
        f"NPE and NNPE at slab probabilities rho = {', '.join(num(x) for x in rhos)} on Ward et al.'s (2022) "
        "tasks and on our sensors task, with recipe 1 (`NNPE.from_simulations`) on z-scored summaries, "
        f"{r.get('seeds', source=config)} training seeds, {r.get('num_test', source=config)} clean and "
        f"{r.get('num_test', source=config)} misspecified observations per task. Metric: {r.get('units')}; the "
        "squared error of the posterior mean, averaged over observations and parameters (Ward et al.'s). The network "
        f"sees `{r.get('input_map', source=config)}` of the z-scored summaries.\n\n",
        "## Tasks\n\n",
    ]
    out.append(
        table(
            ["task", "summaries", "misspecification", "budget"],
            (
                (
                    r.get("title", source=info),
                    ", ".join(f"`{s}`" for s in r.get("summary_names", source=info)),
                    r.get("misspecification", source=info),
                    _budget_text(r, task),
                )
                for task, info in tasks.items()
            ),
        )
    )
    guided = {g["task"]: g for g in r.get("guided")}
    rows = []
    for task in tasks:
        npe = _summary(r, task, "NPE", "misspecified")
        cells = [task]
        cells += [num(r.get(task, m, source=ward), 4) if task in ward else "" for m in ("NPE", "NNPE", "RNPE")]
        cells.append(num(r.get("mse", source=npe)))
        for rho in rhos:
            s = _summary(r, task, f"NNPE rho={rho}", "misspecified")
            cells.append(spread(r.get("spread", "mse", source=s), r))
        if task in guided:
            g = guided[task]
            cells.append(
                f"{num(r.get('metrics', 'misspecified', 'mse', source=g))} (without "
                f"{', '.join(r.get('without', source=g))})"
            )
        else:
            cells.append("(nothing flagged)")
        rows.append(cells)
    out.append(
        "\n## Misspecified observations, next to Ward et al.'s numbers\n\n"
        "Our values are means over seeds [min, max]. The last column is NPE trained once more (one seed) without "
        "the summaries that the critic flags.\n\n"
    )
    out.append(
        table(
            [
                "task",
                "Ward NPE",
                "Ward NNPE",
                "Ward RNPE",
                "our NPE",
                *(f"our NNPE rho={num(x)}" for x in rhos),
                "NPE without the flagged summary",
            ],
            rows,
        )
    )
    cov_rows = []
    for task in tasks:
        cells = [task, num(r.get("coverage90", source=_summary(r, task, "NPE", "misspecified")))]
        cells += [num(r.get("coverage90", source=_summary(r, task, f"NNPE rho={x}", "misspecified"))) for x in rhos]
        cells.append(
            num(r.get("metrics", "misspecified", "coverage90", source=guided[task])) if task in guided else "-"
        )
        cov_rows.append(cells)
    out.append("\n90% coverage on misspecified observations:\n\n")
    out.append(table(["task", "NPE", *(f"NNPE rho={num(x)}" for x in rhos), "NPE without the flagged"], cov_rows))
    out.append(
        "\n## The price of robustness\n\nOn clean observations, NNPE over NPE: the ratio of the MSEs and of the "
        "posterior SDs; then the MSE on misspecified observations.\n\n"
    )
    trade_rows = []
    for t in r.get("tradeoff"):
        if r.get("variant", source=t) == "NPE":
            continue
        trade_rows.append(
            (
                r.get("task", source=t),
                num(r.get("rho", source=t)),
                num(r.get("clean_mse_ratio", source=t)),
                num(r.get("clean_sd_ratio", source=t)),
                num(r.get("clean_coverage90", source=t)),
                num(r.get("misspecified_mse", source=t)),
                num(r.get("misspecified_mse_ratio", source=t)),
                num(r.get("misspecified_coverage90", source=t)),
            )
        )
    out.append(
        table(
            [
                "task",
                "rho",
                "clean MSE / NPE",
                "clean SD / NPE",
                "clean coverage",
                "misspecified MSE",
                "misspecified MSE / NPE",
                "misspecified coverage",
            ],
            trade_rows,
        )
    )
    for task in tasks:
        out.append(f"\n{figure(f'published_tradeoff_{task}.png', f'The price of robustness on {task}', r)}")
    out.append("\n## Targets\n\n")
    out.append(targets(r, r.get("targets"), lambda t: t["target"]))
    critic_rows = []
    for task, c in r.get("critics").items():
        names = r.get("summary_names", source=c)
        clean, miss = r.get("clean", "mean", source=c), r.get("misspecified", "mean", source=c)
        flagged = r.get("flagged", source=c)
        detail = "; ".join(
            f"`{name}` {num(clean[names.index(name)])} -> {num(miss[names.index(name)])}" for name in flagged
        )
        critic_rows.append(
            (task, ", ".join(f"`{f}`" for f in flagged) or "none", detail or "-", num(r.get("train_time_s", source=c)))
        )
    out.append(
        "\n## The critic on these tasks\n\n`MisspecificationCritic` trained on the same clean simulations: the "
        "summaries it flags (mean probability on misspecified observations far above clean ones), with the mean "
        "probability on clean -> misspecified observations.\n\n"
    )
    out.append(table(["task", "flagged", "mean probability", "training s"], critic_rows))
    out.append(_robust_section(r))
    out.append(f"\n{figure('published_mse.png', 'MSE per task and variant', r)}")
    out.append(f"\n{figure('published_critic.png', 'The critic on the published tasks', r)}")
    if larger:
        out.append(
            "\n## Larger budgets\n\nCustom runs of the same benchmark with a larger network and longer training "
            "(one seed); the options below are read from each run's configuration.\n\n"
        )
        for big in larger:
            out.append(_larger_section(big))
    out.append(
        "\n"
        + printed(r, ["ward", "summary", "tradeoff", "critics", "robust", "robust_rho_and_cost", "guided", "targets"])
    )
    out.append(
        "\n## Environment\n\n"
        + environment(r, extra=["backend_version"])
        + f"\nCPU time of the run: {seconds(r.get('cpu_time_s'))}; 1-minute load average during training "
        f"{num(r.get('machine', 'load_average_1min_during_training', 'min'), 2)}-"
        f"{num(r.get('machine', 'load_average_1min_during_training', 'max'), 2)} on "
        f"{r.get('machine', 'cpu_count')} cores.\n"
    )
    return "".join(out)


def _robust_label(rho: float | str) -> str:
    return f"rho={rho}" if isinstance(rho, str) else f"rho={num(rho)}"


def _robust_section(r: Results) -> str:
    """RobustPosterior on the published tasks: its metrics next to NNPE's and RNPE's, its rho-hat and its cost."""
    robust = r.get("robust")
    ward = r.get("ward", "mse")
    labels = {s.get("label") for s in r.get("summary")}
    trade = {(t.get("task"), t.get("label")): t for t in [*r.get("tradeoff"), *r.get("tradeoff", source=robust)]}
    out = [
        "\n## RobustPosterior: one network for every rho\n\n"
        "`RobustPosterior` ({doc}`../user_guide/robust_posterior`) draws from the mixture over the slab indicators "
        "`z` of the critic's `p_rho(z | y)` and one posterior network `q(theta | y, z)`, trained once on "
        "NNPE-noised simulations with `rho ~ U(0, 1)` per simulation and the indicators as extra conditions "
        "(`NNPE.with_indicators`). The same network and critic give every `rho` below; `rho=estimated` is the "
        "critic's empirical-Bayes estimate per summary (`estimate_slab_probability`), made separately on the clean "
        "and on the misspecified observations. Each cell: the mean over seeds [min, max] where the record has "
        "them; NNPE at the same `rho` is a network trained at that `rho`; RNPE is Ward et al.'s reported MSE. On the "
        "sensors task, NNPE's error model has an exact posterior (quadrature, `benchmarks/references/error_model.py`): "
        "the one that NNPE and RobustPosterior both approximate, at rho 0 NPE's; the distance from it is a "
        "network's approximation error at this benchmark's budget, not the price of robustness.\n\n",
    ]
    for task in r.get("tasks"):
        rows = []
        for rho in r.get("rhos", source=robust):
            variants = [(f"RobustPosterior {_robust_label(rho)}", "RobustPosterior")]
            if f"NNPE {_robust_label(rho)}" in labels:
                variants.append((f"NNPE {_robust_label(rho)}", "NNPE"))
            for label, variant in variants:
                miss, clean = _summary(r, task, label, "misspecified"), _summary(r, task, label, "clean")
                t = trade.get((task, label))
                if t is None:
                    raise BenchmarkDataError(
                        f"{r._where()}: no tradeoff record for {task} / {label}; re-run `{r.command}`."
                    )
                rows.append(
                    (
                        variant,
                        _robust_label(rho).removeprefix("rho="),
                        spread(r.get("spread", "mse", source=miss), r),
                        num(r.get("clean_mse_ratio", source=t)),
                        fixed(r.get("coverage90", source=clean)),
                        fixed(r.get("coverage90", source=miss)),
                    )
                )
        if task in ward:
            rows.append(("Ward et al.'s RNPE (MCMC)", "-", num(r.get(task, "RNPE", source=ward), 4), "-", "-", "-"))
        exact = r.get("tasks", task, source=robust).get("exact")
        if exact is not None:
            npe_clean = r.get("mse", source=_summary(r, task, "NPE", "clean"))
            for rho, levels in exact.items():
                clean, miss = levels["clean"], levels["misspecified"]
                rows.append(
                    (
                        "exact error-model posterior (quadrature)",
                        rho if rho == "estimated" else num(float(rho)),
                        num(miss["mse"], 3),
                        num(clean["mse"] / npe_clean),
                        fixed(clean["coverage90"]),
                        fixed(miss["coverage90"]),
                    )
                )
        out.append(f"### `{task}`\n\n")
        out.append(
            table(
                [
                    "method",
                    "rho",
                    "misspecified MSE",
                    "clean MSE / NPE",
                    "90% coverage, clean",
                    "90% coverage, misspecified",
                ],
                rows,
            )
        )
        out.append("\n")
    out.append(
        "### The estimated rho\n\nThe empirical-Bayes `rho` per summary, on the clean and on the misspecified "
        "observations. It is the error model's prior slab probability that best explains the set, not the share of "
        "corrupted observations.\n\n"
    )
    rho_rows = []
    for task, info in r.get("tasks", source=robust).items():
        names = r.get("summary_names", source=info)
        clean, miss = r.get("estimated_rho", "clean", source=info), r.get("estimated_rho", "misspecified", source=info)
        for j, name in enumerate(names):
            rho_rows.append(("" if j else task, f"`{name}`", f"{clean[j]:.3f}", f"{miss[j]:.3f}"))
    out.append(table(["task", "summary", "clean", "misspecified"], rho_rows))
    cost_rows = []
    for task, info in r.get("tasks", source=robust).items():
        cost, critic = r.get("cost", source=info), r.get("critic", source=info)
        median = r.get("median_s", source=cost)
        cost_rows.append(
            (
                task,
                f"{r.get('observations', source=cost):,} x {r.get('draws', source=cost):,}",
                fixed(r.get("approximator", source=median), 2),
                f"{fixed(r.get('robust', source=median), 2)} "
                f"(indicators {fixed(r.get('indicators', source=median), 2)})",
                fixed(r.get("ratio", source=cost), 2),
                fixed(r.get("train_time_s", source=critic), 0),
            )
        )
    out.append(
        "\n### Sampling cost\n\nWall seconds to draw from the posterior of every observation, the median of the "
        "timed calls once compiled: NPE's approximator alone, and `RobustPosterior.sample` (the critic's "
        "indicators, then the same kind of approximator call); the critic is trained once per task.\n\n"
    )
    out.append(
        table(["task", "observations x draws", "approximator s", "robust s", "ratio", "critic training s"], cost_rows)
    )
    return "".join(out)


def _larger_section(r: Results) -> str:
    config = r.get("config")
    tasks = sorted({r.get("task", source=s) for s in r.get("summary")})
    folder = r.path.parent
    out = []
    for task in tasks:
        b = r.get("config", "budgets", task)
        options = (
            f"--tasks {task} --seeds {r.get('seeds', source=config)} "
            f"--rhos {' '.join(num(x) for x in r.get('rhos', source=config))} --epochs {r.get('epochs', source=b)} "
            f"--depth {r.get('depth', source=b)} --width {r.get('width', source=b)} "
            f"--input-map {r.get('input_map', source=config)} --out {folder.relative_to(ROOT).as_posix()}"
        )
        out.append(f"### `{task}`, {_budget_text(r, task)}\n\nOptions of the run: `{options}`\n\n")
        rows = []
        for s in r.get("summary"):
            if r.get("task", source=s) == task:
                rows.append(
                    (
                        r.get("label", source=s),
                        r.get("level", source=s),
                        num(r.get("mse", source=s)),
                        num(r.get("coverage90", source=s), 2),
                    )
                )
        for g in r.get("guided") or []:
            if g.get("task") == task:
                rows.append(
                    (
                        f"NPE without {', '.join(r.get('without', source=g))}",
                        "misspecified",
                        num(r.get("metrics", "misspecified", "mse", source=g)),
                        num(r.get("metrics", "misspecified", "coverage90", source=g), 2),
                    )
                )
        exact = ((r.data.get("robust") or {}).get("tasks", {}).get(task) or {}).get("exact") or {}
        for rho, levels in exact.items():
            for level, metrics in levels.items():
                shown = rho if rho == "estimated" else num(float(rho))
                label = f"exact error-model posterior (quadrature) rho={shown}"
                rows.append((label, level, num(metrics["mse"]), num(metrics["coverage90"], 2)))
        out.append(table(["variant", "observations", "MSE", "90% coverage"], rows))
        out.append("\n" + figure(f"published_tradeoff_{task}.png", f"{task}, larger budget", r, folder=folder) + "\n")
    return "".join(out)


# --- robust posterior -------------------------------------------------------------------------------------------------
def _stat(r: Results, stats: dict[str, Any], digits: int = 3) -> str:
    """A ``{mean, min, max}`` record as :func:`spread` shows it; ``-`` when a seed was not finite (mean None)."""
    return "-" if r.get("mean", source=stats) is None else spread(stats, r, digits)


def robust_posterior_page(r: Results) -> str:
    config = r.get("config")
    budget = r.get("budget", source=config)
    summary = r.get("summary")
    ablation = r.get("ablation_fixed_rho_critic")
    quick = r.get("mode", source=config) != "full"
    out = [
        header(
            "The robust posterior against the exact error-model posterior",
            r,
            "`python -m benchmarks.robust_posterior --quick` runs it with small budgets (not graded).",
            mode=r.get("mode", source=config),
        ),
        "`RobustPosterior` ({doc}`../user_guide/robust_posterior`) on redundant-sensor tasks where the exact "
        "posterior of NNPE's error model is known by quadrature (`benchmarks/references/error_model.py`), so that "
        "the network and the critic are graded against the exact answer at each `rho`, not only against the truth. "
        f"Per training seed ({r.get('seeds', source=config)}): NPE and the indicator-conditioned network, each "
        f"{r.get('num_train', source=budget):,} simulations x {r.get('epochs', source=budget)} epochs (CouplingFlow "
        f"{r.get('depth', source=budget)} x {r.get('width', source=budget)}; clean share of the indicator network "
        f"{num(r.get('clean_fraction', source=config))}), and a `MisspecificationCritic` on "
        f"{r.get('critic_num_train', source=config):,} clean simulations. Test sets of "
        f"{r.get('num_test', source=config)} observations: `clean`, and `outlier` (the same observations with one "
        f"reading, chosen at random, {num(r.get('outlier_size', source=config))} clean sds off); "
        f"{r.get('num_draws', source=config):,} draws per observation.\n\n",
    ]
    if quick:
        out.append(
            "```{warning}\nThis is a quick run: the networks are barely trained and its numbers say nothing about "
            "the method. Run `make robust` and commit `benchmarks/figures/robust_posterior.json` for the full run."
            "\n```\n\n"
        )
    out.append(
        "## The posterior\n\nAt each `rho` (and at the `rho` estimated on the set) against the exact posterior "
        "at the same `rho`: the mean distance of the posterior means in exact posterior sds, the RMSE of the "
        "posterior mean over the exact posterior's, 90% coverage and posterior sd (the network's / the exact "
        "posterior's). NPE is compared with the exact posterior at `rho = 0`. Mean over seeds [min, max].\n\n"
    )
    rows = []
    for task, s in summary.items():
        for name, by_rho in r.get("posterior", source=s).items():
            for label, m in by_rho.items():
                if label == "coverage_gap":
                    continue
                ratio = "-" if label == "npe" else _stat(r, r.get("rmse_ratio", source=m))
                rows.append(
                    (
                        task,
                        name,
                        "NPE" if label == "npe" else label,
                        _stat(r, r.get("mean_error_sds", source=m)),
                        ratio,
                        f"{_stat(r, r.get('coverage90', source=m))} / {_stat(r, r.get('coverage90_exact', source=m))}",
                        f"{_stat(r, r.get('post_sd', source=m))} / {_stat(r, r.get('post_sd_exact', source=m))}",
                    )
                )
    out.append(
        table(
            ["task", "set", "rho", "mean error (exact sds)", "RMSE / exact", "90% coverage / exact", "sd / exact"], rows
        )
    )
    out.append(
        "\n## The joint critic\n\nThe critic's joint `p_rho(z | y)` over all patterns against the exact joint: the "
        "mean total variation (TV) over observations and the mean absolute error of the marginals; the TV of the "
        "product of the critic's marginals and of the exact marginals (what a critic that models each summary "
        "alone could reach at best); and the TV of a critic trained at `rho = 0.5` only, reweighted (first seed).\n\n"
    )
    rows = []
    for task, s in summary.items():
        for name, by_rho in r.get("joint", source=s).items():
            for rho, j in by_rho.items():
                fixed_rho = r.get(task, name, rho, "tv", source=ablation) if task in ablation else None
                rows.append(
                    (
                        task,
                        name,
                        rho,
                        _stat(r, r.get("tv", source=j)),
                        _stat(r, r.get("marginal_mae", source=j)),
                        _stat(r, r.get("tv_product_of_critic_marginals", source=j)),
                        _stat(r, r.get("tv_product_of_exact_marginals", source=j)),
                        num(fixed_rho),
                    )
                )
    out.append(
        table(
            [
                "task",
                "set",
                "rho",
                "TV",
                "marginal MAE",
                "TV, product of its marginals",
                "TV, product of exact marginals",
                "TV, trained at rho 0.5",
            ],
            rows,
        )
    )
    out.append(
        "\n## Empirical Bayes\n\n`critic.estimate_slab_probability` on sets of "
        f"{r.get('num_eb', source=config)} observations: `clean`; `slab`, "
        f"{num(100 * r.get('slab_fraction', source=config))}% of the observations with one summary drawn from the "
        "error model's slab (the true rate is that share per summary); `shift`, "
        f"{num(100 * r.get('shift_fraction', source=config))}% with one reading "
        f"{num(r.get('outlier_size', source=config))} clean sds off (not drawn from the error model: no true rate). "
        "`rho-hat` is the prior slab probability of the error model that best explains the set, not the share of "
        "corrupted observations; the exact estimate (quadrature, first seed) shows what the error model itself "
        "makes of each set.\n\n"
    )
    rows = []
    for task, s in summary.items():
        for name, e in r.get("empirical_bayes", source=s).items():
            rate = r.get("true_rate", source=e)
            rows.append(
                (
                    task,
                    name,
                    "-" if rate is None else num(rate, 4),
                    _stat(r, r.get("scalar", source=e)),
                    _stat(r, r.get("max", source=e)),
                    _stat(r, r.get("exact_scalar", source=e)) if "exact_scalar" in e else "-",
                )
            )
    out.append(table(["task", "set", "true rate", "rho-hat (one for all)", "largest per summary", "exact"], rows))
    out.append(
        "\n## Price\n\nOn clean observations at `rho = 0`, the robust posterior's RMSE over NPE's; the time to sample "
        f"{r.get('num_timing', source=config)} observations x {r.get('timing_draws', source=config):,} draws at "
        "`rho = 0.5` over NPE's (both warm, in the same process); training seconds.\n\n"
    )
    rows = []
    for task, s in summary.items():
        train = r.get("train_s", source=s)
        rows.append(
            (
                task,
                _stat(r, r.get("rmse_vs_npe_at_rho_0", source=s)),
                _stat(r, r.get("sampling_ratio", source=s)),
                *(_stat(r, r.get(k, source=train)) for k in ("npe", "indicator_network", "critic")),
            )
        )
    out.append(
        table(
            ["task", "RMSE / NPE's", "sampling / NPE's", "training s: NPE", "indicator network", "critic"],
            rows,
        )
    )
    out.append("\n## Targets\n\n")
    out.append(targets(r, r.get("targets"), lambda t: t["target"]))
    sensitivity = r.get("sensitivity")
    out.append(
        "\n## One observation at every rho\n\nA sensitivity analysis on one `outlier` observation of task "
        f"`{r.get('task', source=sensitivity)}` (sensor s{r.get('sensor_off', source=sensitivity)} off): the "
        "robust posterior and the critic as `rho` goes from "
        f"{num(min(r.get('rhos', source=sensitivity)))} to {num(max(r.get('rhos', source=sensitivity)))}, next "
        "to the exact values.\n\n"
    )
    out.append(
        figure(
            "robust_posterior_sensitivity.png", "The robust posterior of one observation against rho", r, r.path.parent
        )
    )
    out.append("\n::::{dropdown} The tables, as the run printed them\n\n")
    for name in ("posterior", "joint", "empirical_bayes", "cost"):
        out.append(f"```text\n{r.get('tables', name).rstrip()}\n```\n\n")
    out.append("::::\n")
    out.append("\n## Environment\n\n" + environment(r, extra=["backend_version"], wall="wall_s"))
    return "".join(out)


NO_ROBUST = """# The robust posterior against the exact error-model posterior

`make robust` (`python -m benchmarks.robust_posterior`) grades `RobustPosterior` and the joint critic
({doc}`../user_guide/robust_posterior`) against the exact posterior of NNPE's error model, computed by quadrature on
redundant-sensor tasks: the posterior at several `rho` and at the estimated one, the critic's joint over all patterns,
the empirical-Bayes estimates and the price against NPE.

The full run has not been committed yet (`benchmarks/figures/robust_posterior.json`), so this site shows no numbers
of it rather than hand-copied ones. Run `make robust` (the full budgets) and commit
`benchmarks/figures/robust_posterior.json` with `robust_posterior_sensitivity.png`; the next build shows its tables
here. `python -m benchmarks.robust_posterior --quick --out <folder>` is a demonstration with small budgets. Until then,
the [published-tasks benchmark](published.md) has RobustPosterior on Ward et al.'s tasks.
"""


# --- speed ------------------------------------------------------------------------------------------------------------
def speed_page(r: Results) -> str:
    rows = r.data if isinstance(r.data, list) else r.get("rows")
    out = [
        "# Speed against upstream\n\n",
        f"```{{note}}\nGenerated at build time from `{r._where()}`, written by `{r.command}`.\n```\n\n",
        "Both implementations run interleaved in one process on float32 batches; the median time per call, the "
        "speed-up (upstream / ours) and the peak memory one call allocates.\n\n",
    ]
    by_config: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_config.setdefault(r.get("config", source=row), []).append(row)
    for config, group in by_config.items():
        out.append(f"## {config}\n\n")
        if "upstream_s" in group[0]:
            out.append(
                table(
                    ["shape", "upstream", "ours", "speed-up", "peak memory upstream / ours (output), MiB"],
                    (
                        (
                            code(str(tuple(r.get("shape", source=g)))),
                            f"{num(r.get('upstream_s', source=g) * 1e6)} us",
                            f"{num(r.get('ours_s', source=g) * 1e6)} us",
                            f"{num(r.get('speedup', source=g), 2)}x",
                            f"{num(r.get('upstream_peak_bytes', source=g) / 2**20)} / "
                            f"{num(r.get('ours_peak_bytes', source=g) / 2**20)} "
                            f"({num(r.get('output_bytes', source=g) / 2**20)})",
                        )
                        for g in group
                    ),
                )
            )
        else:
            keys = [k for k in group[0] if k not in ("config", "shape")]
            out.append(
                table(
                    ["shape", *keys],
                    ((code(str(tuple(g["shape"]))), *(num(r.get(k, source=g)) for k in keys)) for g in group),
                )
            )
        out.append("\n")
    return "".join(out)


NO_SPEED = """# Speed against upstream

`make bench` times `bayesflow_nnpe.NNPE` against `bayesflow.augmentations.NNPE`, interleaved in one process on
float32 batches, and records the peak memory of a call. It prints its tables; no results file of it is committed
(`benchmarks/figures/speed.json`), so this site shows no speed numbers rather than hand-copied ones. Run `make bench`
to measure on your machine; a build with `benchmarks/figures/speed.json` present shows its tables here.
"""


# --- headlines --------------------------------------------------------------------------------------------------------
def headlines(folder: Path = FIGURES) -> list[str]:
    """The README's headline numbers, one Markdown bullet each, with the command that produced them."""
    rob = Results(folder / "robustness.json", COMMANDS["robustness.json"])
    headline = rob.get("tasks", "sensors", "headline")
    rmse = {
        s["variant"]: s["rmse"]["mean"]
        for s in rob.get("summary")
        if s.get("task") == "sensors" and s.get("level") == headline
    }
    cov = {
        s["variant"]: s["coverage90"]["mean"]
        for s in rob.get("summary")
        if s.get("task") == "sensors" and s.get("level") == headline
    }
    pub = Results(folder / "published.json", COMMANDS["published.json"])
    cs_npe = pub.get("mse", source=_summary(pub, "cs", "NPE", "misspecified"))
    cs_nnpe = pub.get("mse", source=_summary(pub, "cs", "NNPE rho=0.5", "misspecified"))
    cs_rnpe = pub.get("ward", "mse", "cs", "RNPE")
    robust = {
        task: pub.get("mse", source=_summary(pub, task, "RobustPosterior rho=estimated", "misspecified"))
        for task in ("cs", "sir")
    }
    rnpe = {task: pub.get("ward", "mse", task, "RNPE") for task in robust}
    clean_ratios = [
        pub.get("clean_mse_ratio", source=t)
        for t in pub.get("robust", "tradeoff")
        if t.get("label") == "RobustPosterior rho=estimated"
    ]
    if not clean_ratios:
        raise BenchmarkDataError(
            f"{pub._where()}: no RobustPosterior rho=estimated in robust.tradeoff; re-run `{pub.command}`."
        )
    crit = Results(folder / "criticism.json", COMMANDS["criticism.json"])
    maes = [
        crit.get(kind, "mae", source=res)
        for info in crit.get("results").values()
        for res in crit.get("rhos", source=info).values()
        for kind in ("clean", "noisy")
    ]
    ward = crit.get("results", "gaussian", "rhos", "0.5", "ward")
    sensors = len(rob.get("tasks", "sensors", "clean_summary_sd"))
    return [
        f"- One sensor of {sensors} off by {num(headline)} sds: RMSE of the posterior mean {num(rmse['NPE'])} (NPE) "
        f"against {num(rmse['NNPE'])} (NNPE), 90% coverage {num(cov['NPE'], 2)} against {num(cov['NNPE'], 2)} "
        f"(`{rob.command}`).",
        f"- Ward et al.'s cancer-stromal task, misspecified: MSE {num(cs_npe)} (NPE) against {num(cs_nnpe)} (NNPE), "
        f"{'below' if cs_nnpe < cs_rnpe else 'above'} Ward et al.'s RNPE ({num(cs_rnpe)}) (`{pub.command}`).",
        f"- RobustPosterior, one network and one critic for every rho, at the estimated rho: misspecified MSE "
        f"{num(robust['cs'])} on cancer-stromal and {num(robust['sir'])} on SIR against Ward et al.'s RNPE "
        f"({num(rnpe['cs'])}, {num(rnpe['sir'])}); clean MSE {fixed(min(clean_ratios), 2)}-"
        f"{fixed(max(clean_ratios), 2)}x NPE's on the {len(clean_ratios)} tasks (`{pub.command}`).",
        f"- The critic against exact probabilities: mean absolute error {num(min(maes), 1)}-{num(max(maes), 1)}; on "
        f"Ward et al.'s example {num(ward['critic_mean'][0])} / {num(ward['critic_mean'][1])} (exact "
        f"{num(ward['exact_mean'][0])} / {num(ward['exact_mean'][1])}) (`{crit.command}`).",
    ]


# --- Sphinx -----------------------------------------------------------------------------------------------------------
def write_pages(folder: Path = FIGURES) -> list[str]:
    """Write the pages; return the names written. Raises :class:`BenchmarkDataError` on a missing file or key."""
    shutil.rmtree(OUT / "_figures", ignore_errors=True)
    for stale in OUT.glob("*.md"):
        if stale.name != "index.md":
            stale.unlink()
    pages = {
        "robustness": robustness_page(Results(folder / "robustness.json", COMMANDS["robustness.json"])),
        "criticism": criticism_page(Results(folder / "criticism.json", COMMANDS["criticism.json"])),
        "published": published_page(
            Results(folder / "published.json", COMMANDS["published.json"]),
            [Results(p, COMMANDS["published.json"]) for p in sorted(folder.glob("published_*/published.json"))],
        ),
    }
    robust = folder / "robust_posterior.json"
    pages["robust_posterior"] = (
        robust_posterior_page(Results(robust, COMMANDS["robust_posterior.json"])) if robust.is_file() else NO_ROBUST
    )
    speed = folder / "speed.json"
    pages["speed"] = speed_page(Results(speed, COMMANDS["speed.json"])) if speed.is_file() else NO_SPEED
    for name, text in pages.items():
        (OUT / f"{name}.md").write_text(text)
    return list(pages)


def _on_config_inited(app: Any, config: Any) -> None:
    from sphinx.errors import ExtensionError

    try:
        write_pages()
    except BenchmarkDataError as err:
        raise ExtensionError(f"benchmark pages: {err}") from None


def setup(app: Any) -> dict[str, Any]:
    app.connect("config-inited", _on_config_inited)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
