"""Plain-text tables, as the benchmarks print them and store them in their JSON records."""

from __future__ import annotations

from collections.abc import Sequence


def text_table(title: str, header: Sequence[str], body: Sequence[Sequence[str]]) -> str:
    """``title``, then the header, a rule and the rows, in left-aligned columns two spaces apart."""
    table = [tuple(header), *(tuple(row) for row in body)]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    lines = [title]
    for k, line in enumerate(table):
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def fmt(stat: dict | None, digits: int = 3) -> str:
    """A statistic over seeds (``metrics.spread``): its mean, and ``[min, max]`` when there are several seeds."""
    if stat is None or stat["mean"] is None:
        return "-" if stat is None else "non-finite"
    if stat["n"] == 1:
        return f"{stat['mean']:.{digits}g}"
    return f"{stat['mean']:.{digits}g} [{stat['min']:.{digits}g}, {stat['max']:.{digits}g}]"
