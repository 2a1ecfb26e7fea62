import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")

ROOT = Path(__file__).resolve().parents[1]
# The benchmarks (the package ``benchmarks`` of the repository root) hold the tasks and exact references that some
# tests pin down. Appended, not prepended: `make test-py312` tests an installed bayesflow_nnpe, which the clone's
# source must not shadow.
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))

RunPython = Callable[..., subprocess.CompletedProcess]


@pytest.fixture
def run_python() -> RunPython:
    """Run ``[sys.executable, *args]`` in a fresh process; return its ``CompletedProcess`` (text output).

    ``env``: variables set in the child's environment on top of this process's. ``KERAS_BACKEND`` is REMOVED from
    it unless ``env`` gives one, so the child chooses its backend as a program started by a user does (bayesflow:
    the one installed; a benchmark: its own default). ``check`` (default True): assert that the child succeeded,
    with its stdout and stderr in the message.
    """

    def run(
        *args: str | os.PathLike,
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike | None = None,
        check: bool = True,
        timeout: float = 1800,
    ) -> subprocess.CompletedProcess:
        child_env = {key: value for key, value in os.environ.items() if key != "KERAS_BACKEND"}
        child_env.update(env or {})
        result = subprocess.run(
            [sys.executable, *map(str, args)], capture_output=True, text=True, env=child_env, cwd=cwd, timeout=timeout
        )
        if check:
            assert result.returncode == 0, (
                f"exit status {result.returncode}\n--- stdout ---\n{result.stdout[-3000:]}\n"
                f"--- stderr ---\n{result.stderr[-5000:]}"
            )
        return result

    return run


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that starts a process (through ``run_python``) is slow: it is marked so, whatever its module says."""
    for item in items:
        if "run_python" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)
