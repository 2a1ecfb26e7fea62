"""The one place that silences the progress bar bayesflow draws on every ``sample`` call.

bayesflow (2.0.x and 2.1.x) wraps its sampling loop in ``tqdm`` with no keyword, logging level or environment
variable of its own to turn the bar off, so one bar per trained variant would clutter the benchmark's output.
tqdm itself takes its defaults from ``TQDM_*`` environment variables, read once when tqdm is first imported:
``TQDM_DISABLE`` set before that import turns every bar of the process off, without patching anything.
"""

from __future__ import annotations

import os
import sys
import warnings


def silence_sampling_progress() -> None:
    """Turn tqdm's progress bars off for this process (and its children). Call it before importing bayesflow.

    A ``TQDM_DISABLE`` the user has set is left as it is.
    """
    if "tqdm" in sys.modules and "TQDM_DISABLE" not in os.environ:
        warnings.warn(
            "tqdm is already imported, so TQDM_DISABLE comes too late: bayesflow's sampling progress bars stay on. "
            "Call silence_sampling_progress() before importing bayesflow.",
            RuntimeWarning,
            stacklevel=2,
        )
    os.environ.setdefault("TQDM_DISABLE", "1")
