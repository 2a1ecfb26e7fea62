"""The one entry to matplotlib of the benchmarks."""

from __future__ import annotations

from types import ModuleType


def pyplot() -> ModuleType:
    """``matplotlib.pyplot`` on the Agg backend: the figures go to files, no display needed.

    Imported on first use rather than at the top of a module, so that the benchmarks (and ``--help``) work without
    matplotlib, an optional dependency (the ``examples`` extra).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
