"""The layout rules of CONTRIBUTING.md, read off the source: no private imports across the package's modules, and
benchmark subpackages that borrow only from the shared ones (``common``, ``simulators``, ``references``)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = {"common", "simulators", "references"}


def imported(path: Path) -> Iterator[tuple[str, list[str], int]]:
    """``(absolute module, imported names, line)`` of every import in ``path``, relative imports resolved."""
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = list(package[: len(package) - node.level + 1]) if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            yield module, [alias.name for alias in node.names], node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node.lineno


def private_imports(path: Path, package: str) -> list[str]:
    """Imports of ``package``'s private names (or private modules) in ``path``."""
    found = []
    for module, names, line in imported(path):
        if module == package or module.startswith(package + "."):
            private = [n for n in names if n.startswith("_")] + [
                p for p in module.split(".")[1:] if p.startswith("_") and p != "__init__"
            ]
            if private:
                found.append(f"{path.relative_to(ROOT)}:{line} imports {module} {private}")
    return found


def borrowed(path: Path) -> list[str]:
    """Imports in ``path`` (under ``benchmarks/``) of another benchmark's subpackage."""
    parts = path.relative_to(ROOT).parts
    own = parts[1] if len(parts) > 2 else None
    found = []
    for module, _, line in imported(path):
        pieces = module.split(".")
        if pieces[0] != "benchmarks" or len(pieces) < 2:
            continue
        if pieces[1] not in SHARED | {own}:
            found.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return found


def test_the_package_modules_import_no_private_names_from_each_other():
    paths = sorted((ROOT / "bayesflow_nnpe").glob("*.py"))
    assert len(paths) > 10
    problems = [p for path in paths for p in private_imports(path, "bayesflow_nnpe")]
    assert not problems, "private imports across modules; make the name public or move the code:\n" + "\n".join(
        problems
    )


def test_benchmark_subpackages_borrow_only_from_the_shared_ones():
    paths = sorted((ROOT / "benchmarks").rglob("*.py"))
    assert {p.parent.name for p in paths} >= SHARED | {"published", "robust_posterior", "criticism"}
    problems = [p for path in paths for p in borrowed(path)]
    assert not problems, "a benchmark imports another benchmark; move what they share to common/:\n" + "\n".join(
        problems
    )


@pytest.mark.parametrize(
    "source, package, expected",
    [
        ("from .kernel import _draw\n", "bayesflow_nnpe", 1),
        ("from bayesflow_nnpe._hidden import x\n", "bayesflow_nnpe", 1),
        ("from .kernel import draw\nimport numpy as _np\n", "bayesflow_nnpe", 0),
    ],
)
def test_the_private_import_check_finds_what_it_should(tmp_path, monkeypatch, source, package, expected):
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    module = tmp_path / package / "module.py"
    module.parent.mkdir()
    module.write_text(source)
    assert len(private_imports(module, package)) == expected


@pytest.mark.parametrize(
    "where, source, expected",
    [
        ("published/run.py", "from ..robustness.config import FULL\n", 1),
        ("published/run.py", "from benchmarks.criticism import evaluation\n", 1),
        ("common/io.py", "from ..published import tasks\n", 1),
        ("published/run.py", "from ..common.io import write_json\nfrom .tasks import TASKS\n", 0),
    ],
)
def test_the_borrowing_check_finds_what_it_should(tmp_path, monkeypatch, where, source, expected):
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    module = tmp_path / "benchmarks" / where
    module.parent.mkdir(parents=True)
    module.write_text(source)
    assert len(borrowed(module)) == expected
