import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")

# The benchmark package (benchmarks/nnpe_bench) holds the tasks and exact references that some tests pin down.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))


@pytest.fixture
def run_python():
    """Run Python code in a fresh interpreter, as a user would: ``KERAS_BACKEND`` unset unless ``env`` sets it.

    ``run_python(code, env=None, check=True, args=())`` dedents ``code``, runs ``python -c code *args`` and returns
    the ``CompletedProcess``; with ``check`` (the default) a failure shows the child's stdout and stderr.
    """

    def run(code: str, *, env: dict[str, str] | None = None, check: bool = True, args: tuple[str, ...] = ()):
        child = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"} | (env or {})
        result = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code), *args], capture_output=True, text=True, env=child
        )
        if check:
            assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
        return result

    return run
