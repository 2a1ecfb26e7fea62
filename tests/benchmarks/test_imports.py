"""Every module of the benchmarks imports, in a fresh process, without a backend that its environment did not ask
for: the torch test leg collects the benchmark tests (and so imports the benchmarks) with no JAX installed."""

import importlib.util
from pathlib import Path

import pytest

pytestmark = pytest.mark.benchmark

ROOT = Path(__file__).resolve().parents[2]

CODE = """
import importlib, os, pkgutil, sys
sys.path.append(sys.argv[1])
import benchmarks
import benchmarks.references, benchmarks.simulators
pure = []
for package in (benchmarks.simulators, benchmarks.references):
    pure += [m.name for m in pkgutil.iter_modules(package.__path__, package.__name__ + ".")]
for name in pure:
    importlib.import_module(name)
heavy = [m for m in ("keras", "bayesflow", "bayesflow_nnpe", "jax", "torch") if m in sys.modules]
assert not heavy, f"simulators and references are numpy and scipy only; importing them imported {heavy}"
names = sorted(m.name for m in pkgutil.walk_packages(benchmarks.__path__, "benchmarks."))
for name in names:
    importlib.import_module(name)
backend = os.environ["KERAS_BACKEND"]
unwanted = [b for b in ("jax", "torch") if b != backend and b in sys.modules]
assert not unwanted, f"importing the benchmarks with KERAS_BACKEND={backend} imported {unwanted}"
print(f"imported {len(names)} modules")
"""


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_every_benchmark_module_imports_no_backend_but_the_one_asked_for(backend, run_python):
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed in this environment")
    result = run_python(CODE, args=(str(ROOT),), env={"KERAS_BACKEND": backend})
    assert "imported" in result.stdout and int(result.stdout.split()[1]) >= 40, result.stdout
