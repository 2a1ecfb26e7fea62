"""The benchmarks' records: where they go, strict JSON files, and the versions and machine of a result."""

from __future__ import annotations

import importlib.metadata
import json
import math
import os
import platform
import sys
from pathlib import Path
from typing import Any

import numpy as np

FIGURES = Path(__file__).resolve().parents[1] / "figures"  # the records and figures of the full runs (committed)


def output_folder(out: Path | None, quick: bool) -> Path:
    """Where a run writes: ``out`` if given, else ``benchmarks/figures/`` (full) or ``benchmarks/figures/quick/``."""
    return out or (FIGURES / "quick" if quick else FIGURES)


def to_json(value: Any) -> Any:
    """``value`` as plain, strict JSON: non-finite floats to None, numpy arrays and scalars to Python, keys to str."""
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_json(value.tolist())
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer | np.bool_):
        return value.item()
    return value


def write_json(record: dict, path: Path) -> None:
    """Write ``record`` to ``path`` as strict JSON (``to_json``), indented by one space."""
    path.write_text(json.dumps(to_json(record), indent=1))


def environment() -> dict[str, Any]:
    """The versions and the machine a result was computed with (imports bayesflow: call it in a benchmark run)."""
    import bayesflow as bf
    import keras

    import bayesflow_nnpe

    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "bayesflow": bf.__version__,
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "backend_version": importlib.metadata.version(keras.backend.backend()),
        "numpy": np.__version__,
        "bayesflow_nnpe": bayesflow_nnpe.__version__,
        "cpu_count": os.cpu_count(),
    }
