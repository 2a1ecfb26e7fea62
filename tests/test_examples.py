"""Every notebook in examples/ is stored with the outputs of a full run, and runs from top to bottom in quick mode.

Readers (and the docs, which never execute them) see the stored outputs; ``python examples/execute.py`` (``make
notebooks``) refreshes them. The tests run each notebook with small budgets, from examples/, with KERAS_BACKEND unset.
"""

import os
import re
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))
QUICK = "BAYESFLOW_NNPE_EXAMPLES_QUICK"  # each notebook shrinks its epochs and simulation budgets when this is "1"
# jupyter_client runs a kernel command that starts with one of these with the interpreter running the tests.
PYTHON = {"python", f"python{sys.version_info[0]}", f"python{sys.version_info[0]}.{sys.version_info[1]}"}

ANSI = re.compile(r"\x1b\[[0-9;]*m")

parametrize_notebooks = pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])


@parametrize_notebooks
def test_notebook_is_stored_valid_with_the_outputs_of_a_full_run(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata.get("kernelspec", {}).get("name") == "python3"
    refresh = "refresh it with `python examples/execute.py " + path.name + "`"
    # examples/execute.py writes this flag after a full run (never in quick mode)
    assert notebook.metadata.get("bayesflow_nnpe", {}).get("executed") == "full", (
        f"{path.name} is not stored from a full run: {refresh}"
    )
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    counts = [cell.execution_count for cell in code]
    assert counts == list(range(1, len(code) + 1)), (
        f"{path.name}: execution counts {counts}, not one run from top to bottom: {refresh}"
    )
    errors = [
        i for i, cell in enumerate(notebook.cells) for out in cell.get("outputs", []) if out.output_type == "error"
    ]
    assert not errors, f"{path.name}: cells {errors} stored an error"
    assert any(cell.outputs for cell in code), f"{path.name} has no outputs: {refresh}"


@pytest.mark.slow
@parametrize_notebooks
def test_notebook_runs(path, monkeypatch):
    # The kernel inherits this process's environment: the quick flag, and no KERAS_BACKEND (conftest.py sets one),
    # so that BayesFlow chooses the backend as for a reader who never set it. One OpenMP thread unless set: torch's
    # intra-op threads only slow tiny networks down, by 50x on a busy CPU.
    monkeypatch.setenv(QUICK, "1")
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", os.environ.get("OMP_NUM_THREADS", "1"))
    kernel = KernelSpecManager().get_kernel_spec("python3").argv[0]
    assert kernel in PYTHON or Path(kernel).resolve() == Path(sys.executable).resolve(), (
        f"the python3 kernel runs {kernel}, not the interpreter under test ({sys.executable})"
    )
    notebook = nbformat.read(path, as_version=4)
    before = sorted(p.name for p in EXAMPLES.iterdir())
    # run where a user runs it: with examples/ as the working directory
    client = NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(EXAMPLES)}}
    )
    try:
        client.execute()
        failure = None
    except CellExecutionError as error:
        failure = ANSI.sub("", str(error))  # the cell, its source and the traceback, without terminal colours
    if failure is not None:
        pytest.fail(f"{path.name} failed in quick mode ({QUICK}=1):\n{failure}", pytrace=False)
    assert sorted(p.name for p in EXAMPLES.iterdir()) == before, f"{path.name} left files in examples/"
