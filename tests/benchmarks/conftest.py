from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

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
