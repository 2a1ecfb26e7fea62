"""The README and the documentation pages: their Python blocks run as written, and the README stays short and true.

Every ```python block of README.md and of the Markdown pages in docs/ runs on its own (no names from other blocks)
in a fresh process whose environment has no KERAS_BACKEND, as a new user's would. The README's headline numbers are
the ones that the docs' benchmark pages compute from the committed results.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
README_MAX_BYTES = 12 * 1024
FENCE = re.compile(r"^```python\n(.*?)^```", flags=re.DOTALL | re.MULTILINE)


def _pages() -> list[Path]:
    generated = {DOCS / "_build", DOCS / "_examples", DOCS / "api", DOCS / "benchmarks"}  # written at build time
    return [README] + sorted(p for p in DOCS.rglob("*.md") if not any(g in p.parents for g in generated))


def _snippets() -> list[tuple[str, str]]:
    out = []
    for page in _pages():
        for index, code in enumerate(FENCE.findall(page.read_text())):
            out.append((f"{page.relative_to(ROOT)}[{index}]", code))
    return out


SNIPPETS = _snippets()


def test_readme_is_short():
    size = len(README.read_bytes())
    assert size <= README_MAX_BYTES, f"README.md has {size} bytes; keep it <= {README_MAX_BYTES}: move guides to docs/"


def test_there_are_snippets():
    names = [name for name, _ in SNIPPETS]
    assert any(name.startswith("README.md") for name in names)
    assert sum(name.startswith("docs") for name in names) >= 5


@pytest.mark.benchmark
def test_readme_headline_numbers_are_the_committed_results():
    sys.path.insert(0, str(DOCS / "_ext"))
    try:
        import benchmark_pages
    finally:
        sys.path.remove(str(DOCS / "_ext"))
    readme = README.read_text()
    for line in benchmark_pages.headlines():
        assert line in readme, f"README.md should quote, as generated from benchmarks/figures/:\n{line}"


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    env["MPLBACKEND"] = "Agg"
    if os.environ.get("BAYESFLOW_NNPE_UNDER_TEST", "source") == "source":  # the tree under test, not another copy
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return env


@pytest.mark.slow
@pytest.mark.parametrize("name, code", SNIPPETS, ids=[name for name, _ in SNIPPETS])
def test_snippet_runs_in_a_fresh_process_without_keras_backend(name, code, tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,  # a snippet that writes files writes them here
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"{name} failed:\n{code}\n--- stderr ---\n{result.stderr[-4000:]}"
