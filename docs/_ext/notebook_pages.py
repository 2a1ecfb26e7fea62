"""The example notebooks: ``examples/*.ipynb`` copied into ``docs/_examples/`` for myst-nb to render.

Sphinx reads sources only inside ``docs/``, so the notebooks are copied at ``config-inited`` (ignored by git; stale
copies are removed first), as BayesFlow's docs copy theirs. They are rendered with the outputs they were committed
with and never executed (``nb_execution_mode = "off"``); a notebook stored without outputs renders as code only.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "examples"
OUT = ROOT / "docs" / "_examples"


def copy_notebooks() -> list[str]:
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    names = []
    for notebook in sorted(SOURCE.glob("*.ipynb")):
        shutil.copyfile(notebook, OUT / notebook.name)
        names.append(notebook.stem)
    return names


def _on_config_inited(app: Any, config: Any) -> None:
    copy_notebooks()


def setup(app: Any) -> dict[str, Any]:
    app.connect("config-inited", _on_config_inited)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
