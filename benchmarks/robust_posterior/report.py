"""What the robust-posterior benchmark reports: the summary over seeds, the targets and the tables."""

from __future__ import annotations

from typing import Any

from ..common.metrics import spread
from ..common.tables import fmt, text_table
from ..common.targets import Target, target

TARGETS = {
    "mean_error_sds": 0.2,  # the posterior mean's distance to the exact one, in exact posterior sds, on average
    "rmse_ratio": 1.1,  # RMSE against the exact posterior's
    "coverage_gap": 0.03,  # |90% coverage - the exact posterior's|
    "rmse_vs_npe": 1.05,  # at rho = 0 on clean observations
    "tv": 0.03,  # the joint critic, on tasks with d <= 6
    "eb_clean_max": 0.02,
    "eb_rate_relative_error": 0.3,
    "sampling_ratio": 3.0,
}
TV_MAX_SUMMARIES = 6


def summarize(seeds: list[dict], rhos: tuple) -> dict[str, Any]:
    """Means (and spreads) over the seeds of one task's records."""
    first = seeds[0]
    posterior = {}
    for name in first["posterior"]:
        posterior[name] = {}
        for label in first["posterior"][name]["rho"]:
            keys = first["posterior"][name]["rho"][label]
            posterior[name][label] = {k: spread([s["posterior"][name]["rho"][label][k] for s in seeds]) for k in keys}
        posterior[name]["npe"] = {
            k: spread([s["posterior"][name]["npe"][k] for s in seeds]) for k in first["posterior"][name]["npe"]
        }
        posterior[name]["coverage_gap"] = {
            label: spread(
                [
                    abs(
                        s["posterior"][name]["rho"][label]["coverage90"]
                        - s["posterior"][name]["rho"][label]["coverage90_exact"]
                    )
                    for s in seeds
                ]
            )
            for label in first["posterior"][name]["rho"]
        }
    joint = {
        name: {
            rho: {k: spread([s["joint"][name][rho][k] for s in seeds]) for k in first["joint"][name][rho]}
            for rho in first["joint"][name]
        }
        for name in first["joint"]
    }
    eb = {
        name: {
            k: spread([s["empirical_bayes"][name][k] for s in seeds if k in s["empirical_bayes"][name]])
            for k in ("max", "scalar", "exact_scalar")
            if k in first["empirical_bayes"][name]
        }
        | {"true_rate": first["empirical_bayes"][name]["true_rate"]}
        for name in first["empirical_bayes"]
    }
    clean_ratio = [s["posterior"]["clean"]["rho"]["0"]["rmse"] / s["posterior"]["clean"]["npe"]["rmse"] for s in seeds]
    return {
        "posterior": posterior,
        "joint": joint,
        "empirical_bayes": eb,
        "rmse_vs_npe_at_rho_0": spread(clean_ratio),
        "sampling_ratio": spread([s["cost"]["ratio"] for s in seeds]),
        "train_s": {k: spread([s["train_s"][k] for s in seeds]) for k in first["train_s"]},
    }


def check_targets(summaries: dict[str, dict], d: dict[str, int], rhos: tuple, graded: bool) -> list[Target]:
    """The issue's targets, as means over seeds (graded by full runs only)."""
    out = []

    def add(name: str, value: float, relation: str, key: str, task: str) -> None:
        out.append(target(f"{task} {name}", value, relation, TARGETS[key], graded=graded, task=task))

    for task, s in summaries.items():
        for obs, by_rho in s["posterior"].items():
            for rho in [f"{r:g}" for r in rhos]:
                m, label = by_rho[rho], f"{obs} rho={rho}"
                add(f"{label}: mean error (exact sds)", m["mean_error_sds"]["mean"], "<=", "mean_error_sds", task)
                add(f"{label}: RMSE / exact", m["rmse_ratio"]["mean"], "<=", "rmse_ratio", task)
                add(f"{label}: |coverage - exact|", by_rho["coverage_gap"][rho]["mean"], "<=", "coverage_gap", task)
        add("clean rho=0: RMSE / NPE's", s["rmse_vs_npe_at_rho_0"]["mean"], "<=", "rmse_vs_npe", task)
        if d[task] <= TV_MAX_SUMMARIES:
            for obs, by_rho in s["joint"].items():
                for rho, j in by_rho.items():
                    add(f"{obs} rho={rho}: joint critic TV", j["tv"]["mean"], "<=", "tv", task)
        eb = s["empirical_bayes"]
        add("clean: empirical-Bayes rho (max)", eb["clean"]["max"]["mean"], "<=", "eb_clean_max", task)
        rate = eb["slab"]["true_rate"]
        error = abs(eb["slab"]["scalar"]["mean"] - rate) / rate
        add("slab set: |rho-hat - rate| / rate", error, "<=", "eb_rate_relative_error", task)
        add("sampling time / NPE's", s["sampling_ratio"]["mean"], "<=", "sampling_ratio", task)
    return out


def tables(summaries: dict[str, dict], ablation: dict[str, dict]) -> dict[str, str]:
    """The tables the benchmark prints and stores."""
    post, joint, eb, cost = [], [], [], []
    for task, s in summaries.items():
        for obs, by_rho in s["posterior"].items():
            for label, m in by_rho.items():
                if label in ("npe", "coverage_gap"):
                    continue
                post.append(
                    (
                        task,
                        obs,
                        label,
                        fmt(m["mean_error_sds"]),
                        fmt(m["rmse_ratio"]),
                        f"{fmt(m['coverage90'])} / {fmt(m['coverage90_exact'])}",
                        f"{fmt(m['post_sd'])} / {fmt(m['post_sd_exact'])}",
                    )
                )
            n = by_rho["npe"]
            post.append((task, obs, "NPE", fmt(n["mean_error_sds"]), "-", f"{fmt(n['coverage90'])}", fmt(n["post_sd"])))
        for obs, by_rho in s["joint"].items():
            for rho, j in by_rho.items():
                row = [task, obs, rho, fmt(j["tv"]), fmt(j["marginal_mae"]), fmt(j["tv_product_of_critic_marginals"])]
                row.append(fmt(j["tv_product_of_exact_marginals"]))
                row.append(f"{ablation[task][obs][rho]['tv']:.3g}" if task in ablation else "-")
                joint.append(tuple(row))
        for name, e in s["empirical_bayes"].items():
            rate = "-" if e["true_rate"] is None else f"{e['true_rate']:.4g}"
            exact = fmt(e["exact_scalar"]) if "exact_scalar" in e else "-"
            eb.append((task, name, rate, fmt(e["scalar"]), fmt(e["max"]), exact))
        cost.append(
            (
                task,
                fmt(s["rmse_vs_npe_at_rho_0"]),
                fmt(s["sampling_ratio"]),
                *(fmt(v, 2) for v in s["train_s"].values()),
            )
        )
    return {
        "posterior": text_table(
            "The robust posterior against the exact error-model posterior (mean over seeds [min, max])",
            ("task", "set", "rho", "mean error (exact sds)", "RMSE / exact", "90% coverage / exact", "sd / exact"),
            post,
        ),
        "joint": text_table(
            "The joint critic against the exact joint: mean total variation over patterns",
            (
                "task",
                "set",
                "rho",
                "TV",
                "marginal MAE",
                "TV, product of its marginals",
                "TV, product of exact",
                "TV, trained at rho 0.5",
            ),
            joint,
        ),
        "empirical_bayes": text_table(
            "Empirical Bayes: rho estimated on a set (scalar; and the largest of the per-summary estimates)",
            ("task", "set", "true rate", "rho-hat (scalar)", "max per summary", "exact (quadrature)"),
            eb,
        ),
        "cost": text_table(
            "Price: clean RMSE at rho = 0 against NPE's, sampling time against NPE's, training seconds",
            (
                "task",
                "RMSE / NPE's",
                "sampling / NPE's",
                *("train " + k for k in summaries[next(iter(summaries))]["train_s"]),
            ),
            cost,
        ),
    }
