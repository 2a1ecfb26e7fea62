"""Execute the notebooks of examples/ in full mode, in place, and store them with their outputs (``make notebooks``).

    python examples/execute.py                      # every notebook
    python examples/execute.py quickstart.ipynb     # some of them

Each notebook runs as a reader runs it: with examples/ as the working directory, the full budgets
(``BAYESFLOW_NNPE_EXAMPLES_QUICK`` is removed from the kernel's environment) and the Keras backend BayesFlow
chooses (``KERAS_BACKEND`` if set). A notebook that runs to the end is written back with its outputs and the
notebook-level metadata ``bayesflow_nnpe = {"executed": "full", ...}``, which ``tests/test_examples.py`` asks of
every committed notebook; one that fails is left as it was, and the script exits with status 1 after the others.
The documentation renders the stored outputs and never executes the notebooks.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

EXAMPLES = Path(__file__).resolve().parent
QUICK = "BAYESFLOW_NNPE_EXAMPLES_QUICK"
METADATA = "bayesflow_nnpe"


def execute(path: Path) -> float:
    """Run one notebook in full mode and write it back with its outputs; its wall time in seconds."""
    notebook = nbformat.read(path, as_version=4)
    notebook.metadata.pop(METADATA, None)
    client = NotebookClient(
        notebook,
        timeout=3600,
        kernel_name="python3",
        record_timing=False,  # no per-cell timestamps: they would change every cell's metadata on every refresh
        resources={"metadata": {"path": str(EXAMPLES)}},
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    notebook.metadata[METADATA] = {"executed": "full", "wall_time_s": round(seconds)}
    nbformat.validate(notebook)
    nbformat.write(notebook, path)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="notebook names in examples/ (default: all)")
    args = parser.parse_args(argv)
    paths = [EXAMPLES / Path(name).name for name in args.notebooks] or sorted(EXAMPLES.glob("*.ipynb"))
    missing = [path.name for path in paths if not path.exists()]
    if missing:
        parser.error(f"no such notebook in {EXAMPLES}: {', '.join(missing)}")
    os.environ.pop(QUICK, None)  # the kernel inherits this environment: full budgets
    failed = []
    for path in paths:
        print(f"{path.name} ...", end=" ", flush=True)
        try:
            seconds = execute(path)
        except CellExecutionError as error:
            failed.append(path.name)
            print(f"FAILED (left unchanged)\n{error}", flush=True)
            continue
        print(f"{seconds:.0f} s", flush=True)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
