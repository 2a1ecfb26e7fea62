"""The API reference, generated from the package's ``__all__`` so that it follows the public API.

At ``config-inited`` (before Sphinx looks for source files, so that autosummary finds the page) this writes
``docs/api/index.rst`` (ignored by git): one autosummary table per kind of public name of ``bayesflow_nnpe``
(classes, functions; constants with their values and docstrings) and one section per public namespace module (a
module in ``__all__``, or one of :data:`NAMESPACES` once it exists, e.g. ``bayesflow_nnpe.diagnostics``).
autosummary then writes one page per class and function; its one-line summaries drop numpydoc's citation marks.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil
import re
import shutil
from pathlib import Path
from types import ModuleType
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "api"
PACKAGE = "bayesflow_nnpe"
# Submodules documented as namespaces of their own (as ``bayesflow.diagnostics``), when the package has them.
NAMESPACES = ("diagnostics",)


def _public(module: ModuleType) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is None:
        names = [
            n
            for n, v in vars(module).items()
            if not n.startswith("_") and getattr(v, "__module__", "") == module.__name__
        ]
    return [n for n in names if not n.startswith("_")]


def _kind(value: Any) -> str:
    if inspect.ismodule(value):
        return "module"
    if inspect.isclass(value):
        return "class"
    if callable(value):
        return "function"
    return "data"


def _section(title: str, module: str, names: list[str], marker: str) -> str:
    if not names:
        return ""
    entries = "\n".join(f"   {name}" for name in names)
    return (
        f"{title}\n{marker * len(title)}\n\n.. currentmodule:: {module}\n\n"
        f".. autosummary::\n   :toctree: generated\n   :nosignatures:\n\n{entries}\n\n"
    )


def _attribute_docs(module: ModuleType) -> dict[str, str]:
    """The docstrings of module-level constants (a string after the assignment) in ``module`` and its submodules."""
    from sphinx.errors import PycodeError
    from sphinx.pycode import ModuleAnalyzer

    names = [module.__name__]
    if hasattr(module, "__path__"):
        names += [f"{module.__name__}.{info.name}" for info in pkgutil.iter_modules(module.__path__)]
    docs: dict[str, str] = {}
    for name in names:
        try:
            found = ModuleAnalyzer.for_module(name).find_attr_docs()
        except PycodeError:
            continue
        for (scope, attribute), lines in found.items():
            if not scope:
                docs.setdefault(attribute, " ".join(line.strip() for line in lines).strip())
    return docs


def _constants(module: ModuleType, names: list[str], marker: str) -> str:
    """Constants as ``py:data`` entries with their values (autosummary would show the docstring of their type)."""
    if not names:
        return ""
    docs = _attribute_docs(module)
    entries = "".join(
        f".. data:: {name}\n   :value: {getattr(module, name)!r}\n\n   {docs.get(name, '')}\n\n" for name in names
    )
    return f"Constants\n{marker * 9}\n\n.. currentmodule:: {module.__name__}\n\n{entries}"


def _module_sections(module: ModuleType, marker: str) -> tuple[str, list[ModuleType]]:
    groups: dict[str, list[str]] = {"class": [], "function": [], "data": [], "module": []}
    submodules = []
    for name in _public(module):
        value = getattr(module, name)
        groups[_kind(value)].append(name)
        if inspect.ismodule(value):
            submodules.append(value)
    text = "".join(
        _section(title, module.__name__, groups[kind], marker)
        for kind, title in (("class", "Classes"), ("function", "Functions"))
    )
    return text + _constants(module, groups["data"], marker), submodules


def _clean_autosummary() -> type:
    """autosummary, with numpydoc's citation references (``[1]_``) taken out of the one-line summaries."""
    from sphinx.ext.autosummary import Autosummary

    class CleanAutosummary(Autosummary):
        def get_items(self, names: list[str]) -> list[tuple[str, str | None, str, str]]:
            return [
                (name, sig, re.sub(r"\s*\[[^\]\s]+\]_", "", summary), real)
                for name, sig, summary, real in super().get_items(names)
            ]

    return CleanAutosummary


def write_pages() -> None:
    package = importlib.import_module(PACKAGE)
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    body, submodules = _module_sections(package, "-")
    for name in NAMESPACES:
        full = f"{PACKAGE}.{name}"
        if importlib.util.find_spec(full) is not None:
            module = importlib.import_module(full)
            if module not in submodules:
                submodules.append(module)
    for module in submodules:
        text, _ = _module_sections(module, "~")
        summary = (inspect.getdoc(module) or "").split("\n\n")[0]
        title = f"``{module.__name__}``"
        body += f"{title}\n{'-' * len(title)}\n\n{summary}\n\n{text}"
    head = "API reference\n=============\n\n"
    intro = (
        f"The public names of ``{PACKAGE}`` (its ``__all__``; generated at build time, so this page follows the "
        "package). Docstrings follow numpydoc, as BayesFlow's.\n\n"
    )
    (OUT / "index.rst").write_text(head + intro + body)


def _on_config_inited(app: Any, config: Any) -> None:
    write_pages()


def setup(app: Any) -> dict[str, Any]:
    app.setup_extension("sphinx.ext.autosummary")
    app.add_directive("autosummary", _clean_autosummary(), override=True)
    app.connect("config-inited", _on_config_inited)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
