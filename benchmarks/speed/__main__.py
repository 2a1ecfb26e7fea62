"""``python -m benchmarks.speed``: see ``benchmarks/speed/__init__.py`` and ``--help``."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

from .cli import main  # noqa: E402

if __name__ == "__main__":
    main()
