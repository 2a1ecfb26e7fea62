# bayesflow-nnpe: `make demo` and `make test` are all a fresh clone needs.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
export KERAS_BACKEND ?= jax

.PHONY: demo test lint bench venv clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[jax,test,examples]"
	touch $@

venv: $(VENV)/.installed

demo: $(VENV)/.installed
	$(PY) examples/demo.py

lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

test: lint
	$(PY) -m pytest

bench: $(VENV)/.installed
	$(PY) benchmarks/speed.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
