"""Sphinx configuration of the bayesflow-nnpe documentation.

BayesFlow's conventions: the book theme, numpydoc docstrings through autodoc and autosummary, Markdown pages with
MyST and notebooks with myst-nb, never executed at build time. Three small local extensions (``_ext/``) generate
pages at build time: the API reference from ``bayesflow_nnpe.__all__``, the benchmark pages from
``benchmarks/figures/*.json`` and the copies of ``examples/*.ipynb``. Build with ``make docs`` (warnings are
errors); nothing is fetched from the network, and ``_build/html/index.html`` reads offline (formulas in notebooks
are typeset by MathJax when online, and show as TeX offline).
"""

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))  # document this tree, not an installed copy
sys.path.insert(0, str(DOCS / "_ext"))

import bayesflow_nnpe  # noqa: E402  (chooses the Keras backend as bayesflow does: no KERAS_BACKEND needed)

# -- Project ----------------------------------------------------------------------------------------------------------
project = "bayesflow-nnpe"
author = "bayesflow-nnpe developers"
copyright = "bayesflow-nnpe developers, MIT License"
release = bayesflow_nnpe.__version__
version = release

# -- General ----------------------------------------------------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "numpydoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.viewcode",
    "myst_nb",
    "sphinx_design",
    "api_pages",
    "benchmark_pages",
    "notebook_pages",
]
exclude_patterns = ["_build", "_ext", "_templates", "**.ipynb_checkpoints"]
templates_path = ["_templates"]

# numpydoc renders the docstrings; autosummary writes one page per public name (see _ext/api_pages.py)
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
autosummary_generate = True
autosummary_ignore_module_all = False
autodoc_default_options = {"members": True, "special-members": "__call__", "member-order": "bysource"}
autodoc_typehints = "none"  # the numpydoc sections carry the types
autodoc_inherit_docstrings = False  # keras' docstrings are not numpydoc: show only what this package documents

# MyST pages and notebooks; notebooks show their committed outputs and are never run here
myst_enable_extensions = ["amsmath", "colon_fence", "deflist", "dollarmath"]
myst_heading_anchors = 3
nb_execution_mode = "off"

# -- HTML -------------------------------------------------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = f"bayesflow-nnpe {release}"
html_show_sourcelink = False
html_sourcelink_suffix = ""  # notebooks download as .ipynb
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": True,
}
