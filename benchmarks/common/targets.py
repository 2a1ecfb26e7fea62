"""Acceptance targets of the benchmarks: a measured value against a threshold, graded by full runs only.

A quick run (``--quick``: small budgets, one seed) demonstrates a benchmark; its numbers are not what the targets
are about, so it records the values with ``met`` None and prints no verdict.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

Target = dict[str, Any]


def target(
    name: str,
    value: float,
    relation: Literal["<=", ">="],
    threshold: float,
    *,
    graded: bool,
    per_seed: Sequence[float] | None = None,
    note: str = "",
    **context: Any,
) -> Target:
    """The record of one target: ``value relation threshold``, ``met`` (None when not ``graded``), and ``context``
    (e.g. the task) as further keys."""
    met = (value <= threshold if relation == "<=" else value >= threshold) if graded else None
    record: Target = {"target": name, **context, "value": value, "relation": relation, "threshold": threshold}
    record["met"] = None if met is None else bool(met)
    if per_seed is not None:
        record["per_seed"] = list(per_seed)
    record["note"] = note
    return record


def format_targets(targets: Sequence[Target], title: str, full_run: str) -> str:
    """One line per graded target, met or MISSED, with its per-seed values and note; for ungraded targets (a quick
    run), only that the full run (the command ``full_run``) grades them."""
    if not targets:
        return f"{title}\n  none for the tasks of this run"
    if any(t["met"] is None for t in targets):
        return f"{title}\n  not graded: this quick run is a demonstration; the full run ({full_run}) grades the targets"
    lines = [title]
    for t in targets:
        per_seed = f"; per seed: {', '.join(f'{v:.4g}' for v in t['per_seed'])}" if "per_seed" in t else ""
        lines.append(
            f"  [{'met' if t['met'] else 'MISSED'}] {t['target']} = {t['value']:.4g} "
            f"(target {t['relation']} {t['threshold']:g}{per_seed})"
        )
        if t["note"]:
            lines.append(f"           {t['note']}")
    return "\n".join(lines)
