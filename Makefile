# bayesflow-nnpe. On a fresh clone, `make demo` and `make test` are all you need: each creates its virtual
# environment (Python 3.11, the newest bayesflow 2.0.x, JAX) on first use.
#
#   make demo         a demonstration: the robustness benchmark in quick mode, NPE vs NNPE on the JAX CPU backend
#                     (about 45 s on 2 cores, measured; the first run adds about 2 min to build .venv); its targets are graded
#                     by the full run only (make robustness)
#   make test         ruff, then the whole test suite (Python 3.11 + bayesflow 2.0.x + JAX)
#   make test-fast    ruff, then the tests not marked slow (no training, notebooks or extra processes)
#   make test-matrix  the suite in all three tested environments (below); what CI runs. The tests marked
#                     benchmark (the benchmarks/ package) run with both bayesflow versions (make test, test-py312);
#                     the torch leg runs only their import check.
#   make bench        speed and memory against bayesflow.augmentations.NNPE (benchmarks/results/speed.json)
#   make robustness   the full robustness benchmark (about 15-20 min on 2 cores)
#   make criticism    the misspecification critic against exact probabilities and an MCMC baseline
#   make published    Ward et al.'s published tasks: NPE, NNPE (rho 0.5, 0.1) and RobustPosterior (about 15 min on 2 cores)
#   make robust       RobustPosterior and the joint critic against the exact error-model posterior (quadrature)
#   make lint         ruff only
# The benchmarks are the package benchmarks/ (one subpackage each), run from here as python -m benchmarks.<name>;
# their full runs write benchmarks/figures/, quick runs benchmarks/figures/quick/.
PYTHON ?= python3
PYTHON312 ?= $(firstword $(wildcard $(shell pyenv root 2>/dev/null)/versions/3.12*/bin/python3.12) \
                         $(shell command -v python3.12 2>/dev/null))
VENV ?= .venv
PY := $(VENV)/bin/python
export KERAS_BACKEND ?= jax

.PHONY: demo test test-fast test-py312 test-torch test-matrix lint bench robustness criticism published robust venv clean docs

# $(call make-venv,python,dir,pip requirements)
define make-venv
	test -x $(2)/bin/python || $(1) -m venv $(2)
	$(2)/bin/python -m pip install --quiet --upgrade pip
	$(2)/bin/python -m pip install --quiet $(3)
	touch $(2)/.installed
endef

# (requirements live in variables: a literal comma would split the $(call) arguments)
REQS_JAX := -e ".[jax,test,examples]"
# Python 3.12 tests a regular (non-editable) install, as users get it: see test-py312
REQS_PY312 := ".[jax,test,examples]" "bayesflow>=2.1,<2.2"
# the package asks for torch>=2.13; CI pins the CPU build that lies on this machine
REQS_TORCH := "torch==2.13.0" -e ".[torch,test,examples]"

$(VENV)/.installed: pyproject.toml
	$(call make-venv,$(PYTHON),$(VENV),$(REQS_JAX))

# Python 3.12 + bayesflow 2.1.x + JAX
.venv-py312/.installed: pyproject.toml
	@test -n "$(PYTHON312)" || { echo "Python 3.12 not found: set PYTHON312=/path/to/python3.12"; exit 1; }
	$(call make-venv,$(PYTHON312),.venv-py312,$(REQS_PY312))

# Python 3.11 + bayesflow 2.0.x + torch 2.13.0 (CPU; pinned, never an unpinned torch)
.venv-torch/.installed: pyproject.toml
	$(call make-venv,$(PYTHON),.venv-torch,$(REQS_TORCH))

venv: $(VENV)/.installed

demo: $(VENV)/.installed
	$(PY) -m benchmarks.robustness --quick

robustness: $(VENV)/.installed
	$(PY) -m benchmarks.robustness

criticism: $(VENV)/.installed
	$(PY) -m benchmarks.criticism

robust: $(VENV)/.installed
	$(PY) -m benchmarks.robust_posterior

published: $(VENV)/.installed
	$(PY) -m benchmarks.published

lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

test: lint
	BAYESFLOW_NNPE_UNDER_TEST=source $(PY) -m pytest

test-fast: lint
	BAYESFLOW_NNPE_UNDER_TEST=source $(PY) -m pytest -m "not slow"

# Against a regular install of this tree, run from another folder, so that nothing is found through the clone
# (notebooks still run in examples/, as users run them; the benchmarks, not installed, come from the clone, after
# the installed package on sys.path).
test-py312: .venv-py312/.installed
	.venv-py312/bin/python -m pip install --quiet --no-deps --force-reinstall .
	rm -rf build
	cd "$$(mktemp -d)" && KERAS_BACKEND=jax BAYESFLOW_NNPE_UNDER_TEST=installed $(CURDIR)/.venv-py312/bin/python \
		-m pytest -p no:cacheprovider -c $(CURDIR)/pyproject.toml --rootdir $(CURDIR) $(CURDIR)/tests \
		--pyargs bayesflow_nnpe

# one OpenMP thread unless set: torch's intra-op threads slow the tiny test networks down on 2 busy cores.
# The benchmark tests run with JAX in the other two legs; here only their check that no benchmark imports JAX.
test-torch: .venv-torch/.installed
	OMP_NUM_THREADS=$${OMP_NUM_THREADS:-1} KERAS_BACKEND=torch BAYESFLOW_NNPE_UNDER_TEST=source \
		.venv-torch/bin/python -m pytest -m "not benchmark"
	KERAS_BACKEND=torch .venv-torch/bin/python -m pytest tests/benchmarks/test_imports.py

test-matrix: test test-py312 test-torch

bench: $(VENV)/.installed
	$(PY) -m benchmarks.speed

clean:
	rm -rf $(VENV) .venv-py312 .venv-torch build *.egg-info .pytest_cache

# The documentation site (docs/): Sphinx with warnings as errors; reads offline from docs/_build/html/index.html.
# The docs extra on top of the default environment's requirements, so that .venv stays complete for the other targets.
REQS_DOCS := -e ".[jax,test,examples,docs]"

$(VENV)/.installed-docs: pyproject.toml
	$(call make-venv,$(PYTHON),$(VENV),$(REQS_DOCS))
	touch $@

docs: $(VENV)/.installed-docs
	$(VENV)/bin/sphinx-build -W --keep-going -b html docs docs/_build/html

# The example notebooks: execute each in full mode, in place, and store it with its outputs (what readers and the
# docs see; tests/test_examples.py asks for them). About 15 minutes on 2 cores.
.PHONY: notebooks
notebooks: $(VENV)/.installed
	$(PY) examples/execute.py
