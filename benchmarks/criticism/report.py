"""What the criticism benchmark reports: the targets and the tables (from the JSON record's results alone)."""

from __future__ import annotations

from ..common.tables import text_table
from ..common.targets import Target, format_targets, target
from . import observations as ct

TARGETS = {"clean_mae": 0.02, "noisy_mae": 0.04, "outlier_min": 0.98}


def check_targets(results: dict, graded: bool) -> list[Target]:
    """Per task and rho (one critic per task, evaluated at each rho): MAE on clean and contaminated observations, and
    the smallest probability of each outlier size (graded by full runs only)."""
    targets = []
    for task, by_task in results.items():
        for rho_key, r in by_task["rhos"].items():
            rho = float(rho_key)
            checks = [
                ("MAE clean", r["clean"]["mae"], "<=", TARGETS["clean_mae"], ""),
                ("MAE contaminated", r["noisy"]["mae"], "<=", TARGETS["noisy_mae"], ""),
                *(
                    (
                        f"outlier {size} sd: min p",
                        o["critic_min"],
                        ">=",
                        TARGETS["outlier_min"],
                        f"mean {o['critic_mean']:.4f}; exact min {o['exact_min']:.4f}",
                    )
                    for size, o in r["outliers"].items()
                ),
            ]
            for name, value, relation, threshold, note in checks:
                label = f"{task} rho={rho:g}: {name}"
                targets.append(target(label, value, relation, threshold, graded=graded, note=note, task=task, rho=rho))
    return targets


def format_report(results: dict, targets: list[Target]) -> dict[str, str]:
    """The tables the benchmark prints and stores: accuracy, Ward's example, the sensors sweep, the joint of the
    indicators, cost, MCMC, targets."""
    acc, cost, ward, sweep, joint = [], [], [], [], []
    for task, by_task in results.items():
        mc = by_task["mcmc"]
        for rho_key, r in by_task["rhos"].items():
            o = r["outliers"]
            outlier = "  ".join(
                f"{v['critic_mean']:.4f}/{v['critic_min']:.4f} ({v['exact_min']:.4f})" for v in o.values()
            )
            acc.append(
                (
                    task,
                    rho_key,
                    f"{r['clean']['mae']:.4f}",
                    f"{r['noisy']['mae']:.4f}",
                    f"{r['noisy']['max_abs_error']:.3f}",
                    outlier,
                    f"{r['noisy']['bce_critic']:.4f}/{r['noisy']['bce_exact']:.4f}",
                    f"{r['reliability']['critic']['ece']:.4f}/{r['reliability']['exact']['ece']:.4f}",
                    f"{r['noisy']['alone_mae_vs_exact']:.3f}",
                )
            )
            c = r["cost"]
            cost.append(
                (
                    task,
                    rho_key,
                    f"{r['train_s']:.0f}",
                    f"{c['predict_first_s']:.2f}",
                    f"{c['predict_warm_s']:.3f}",
                    f"{c['exact_quadrature_s_per_10k']:.2f}",
                    f"{mc['cost']['seconds_per_observation_ward_length']:.3f}",
                    f"{mc['cost']['seconds_per_10k_observations_ward_length'] / 3600:.2f} h",
                )
            )
            if "ward" in r:
                w = r["ward"]
                reported = "0.5 / 0.97" if w["ward_reported"] else "-"
                ward.append(
                    (
                        rho_key,
                        f"{w['critic_mean'][0]:.3f} / {w['critic_mean'][1]:.3f}",
                        f"{w['exact_mean'][0]:.3f} / {w['exact_mean'][1]:.3f}",
                        reported,
                    )
                )
            if "sweep" in r:
                s = r["sweep"]
                for i, size in enumerate(s["sizes"]):
                    sweep.append(
                        (
                            rho_key,
                            f"{size:g}",
                            f"{s['critic']['broken'][i]:.3f}",
                            f"{s['exact']['broken'][i]:.3f}",
                            f"{s['alone']['broken'][i]:.3f}",
                            f"{s['critic']['same_block'][i]:.3f}",
                            f"{s['exact']['same_block'][i]:.3f}",
                            f"{s['critic']['other_block'][i]:.3f}",
                            f"{s['exact']['other_block'][i]:.3f}",
                        )
                    )
            if "joint" in r:
                for name, j in r["joint"].items():
                    if not isinstance(j, dict):
                        continue
                    joint.append(
                        (
                            rho_key,
                            name,
                            str(j["n"]),
                            f"{j['tv_critic']:.4f}",
                            f"{j['tv_critic_q90']:.4f}",
                            f"{j['tv_critic_max']:.3f}",
                            f"{j['tv_critic_marginals_product']:.4f}",
                            f"{j['tv_exact_marginals_product']:.4f}",
                            f"{j['mae_marginals']:.4f}",
                        )
                    )
    first = next(iter(next(iter(results.values()))["rhos"].values()))
    sizes = "  ".join(f"{k} sd" for k in first["outliers"])
    printed = {
        "accuracy": text_table(
            "Critic vs exact P(z_j = 1 | y) (default settings; MAE over all summaries)",
            (
                "task",
                "rho",
                "MAE clean",
                "MAE contam.",
                "max err",
                f"outlier {sizes}: mean/min (exact min)",
                "BCE critic/exact",
                "ECE critic/exact",
                "alone MAE",
            ),
            acc,
        ),
        "ward": text_table(
            f"Ward's example: gaussian task, {ct.WARD_VARIANCE:g}x variance, mean p for (mean / variance)",
            ("rho", "critic", "exact", "Ward et al. (RNPE)"),
            ward,
        ),
        "sweep": text_table(
            f"sensors: sensor {ct.SWEEP_SENSOR} off by k clean sds, mean p",
            (
                "rho",
                "k",
                "critic",
                "exact",
                "alone",
                "critic same block",
                "exact same block",
                "critic other",
                "exact other",
            ),
            sweep,
        ),
        "joint": text_table(
            "sensors: the joint p(z | y) over all 2^10 patterns against the exact joint, mean total variation (TV); "
            "beside it the TV of the product of the critic's and of the exact marginals",
            (
                "rho",
                "observations",
                "n",
                "TV critic",
                "q90",
                "max",
                "TV critic marginals prod.",
                "TV exact marginals prod.",
                "MAE marginals",
            ),
            joint,
        ),
        "cost": text_table(
            "Cost (wall seconds, 2 shared cores): training (one critic per task, shared by its rhos); predict 10,000 "
            "observations at rho; exact quadrature per 10,000; MCMC at Ward's length",
            ("task", "rho", "train s", "predict 1st s", "predict warm s", "exact s", "MCMC s/obs", "MCMC 10k obs"),
            cost,
        ),
        "mcmc": text_table(
            "MCMC baseline vs exact (Rao-Blackwellized; a few observations per rho, the critic at the same rho)",
            (
                "task",
                "obs",
                "chain",
                "MAE MCMC",
                "MAE z-mean",
                "max err",
                "mean SE",
                "within 3 SE",
                "critic MAE",
                "s/obs",
            ),
            [
                (
                    task,
                    str(b["mcmc"]["check"]["n"]),
                    f"{b['mcmc']['check']['warmup']}+{b['mcmc']['check']['samples']}",
                    f"{b['mcmc']['check']['mae_rb']:.4f}",
                    f"{b['mcmc']['check']['mae_indicator_mean']:.4f}",
                    f"{b['mcmc']['check']['max_abs_error_rb']:.4f}",
                    f"{b['mcmc']['check']['mean_se_rb']:.4f}",
                    f"{b['mcmc']['check']['fraction_within_3se']:.2f}",
                    f"{b['mcmc']['check']['critic_mae_same_observations']:.4f}",
                    f"{b['mcmc']['check']['seconds_per_observation']:.2f}",
                )
                for task, b in results.items()
            ],
        ),
        "targets": format_targets(targets, "Targets (each task's critic at each rho):", "make criticism"),
    }
    return printed
