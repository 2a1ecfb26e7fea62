"""``python -m benchmarks.robust_posterior``: see ``benchmarks/robust_posterior/__init__.py`` and ``--help``."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

from ..common.progress import silence_sampling_progress  # noqa: E402

silence_sampling_progress()  # before bayesflow imports tqdm

from .cli import main  # noqa: E402

if __name__ == "__main__":
    main()
