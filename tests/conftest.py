import functools
import multiprocessing.process
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")

ROOT = Path(__file__).resolve().parents[1]
# The benchmarks (the package ``benchmarks`` of the repository root) hold the tasks and exact references that some
# tests pin down. Appended, not prepended: `make test-py312` tests an installed bayesflow_nnpe, which the clone's
# source must not shadow.
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))


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


# `python -m benchmarks.<name> ARGS` from the repository root, except that the root goes to the END of sys.path: the
# bayesflow_nnpe under test (an installed one in `make test-py312`) must not be shadowed by the clone's source.
RUN_MODULE = (
    "import runpy, sys; root, module = sys.argv[1:3]; del sys.argv[1:3]; sys.path.append(root); "
    "runpy.run_module(module, run_name='__main__', alter_sys=True)"
)


@pytest.fixture
def run_benchmark(run_python):
    """Run a benchmark's command line (``run_benchmark("criticism", "--quick", ...)``) in a fresh process, on the
    benchmark's default backend; its CompletedProcess (it must succeed)."""

    def run(name: str, *args: str | Path):
        return run_python(
            RUN_MODULE, args=(str(ROOT), f"benchmarks.{name}", *map(str, args)), env={"MPLBACKEND": "Agg"}
        )

    return run


# --- test tiers: a test that trains a network or starts a process is marked slow (make test-fast leaves it out) ---
# The rule is enforced: outside the slow tier, keras.Model.fit (with epochs > 0), subprocess.Popen and
# multiprocessing's Process.start fail the running test, also when a fixture of that test does the work.
DOCTESTS_THAT_TRAIN = {"bayesflow_nnpe.criticism.MisspecificationCritic"}
_running: list[pytest.Item] = []


def pytest_collection_modifyitems(config, items):
    for item in items:
        if isinstance(item, pytest.DoctestItem) and item.name in DOCTESTS_THAT_TRAIN:
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    _running.append(item)
    try:
        yield
    finally:
        _running.pop()


def _refuse_outside_the_slow_tier(what: str) -> None:
    if _running and not _running[-1].get_closest_marker("slow"):
        raise AssertionError(f"{_running[-1].nodeid} {what}, but is not marked slow: add @pytest.mark.slow.")


def _guard(owner: type, name: str, what: Callable[..., str | None]) -> None:
    original = getattr(owner, name)

    @functools.wraps(original)
    def guarded(*args, **kwargs):
        reason = what(*args, **kwargs)
        if reason:
            _refuse_outside_the_slow_tier(reason)
        return original(*args, **kwargs)

    setattr(owner, name, guarded)


def pytest_configure(config):
    import keras

    _guard(keras.Model, "fit", lambda self, *a, epochs=1, **k: f"trains {type(self).__name__}" if epochs else None)
    _guard(subprocess.Popen, "__init__", lambda *a, **k: "starts a process")
    _guard(multiprocessing.process.BaseProcess, "start", lambda *a, **k: "starts a process")
