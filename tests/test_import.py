"""The first step of a new user: import the package in a fresh interpreter, with KERAS_BACKEND unset."""

import pytest


@pytest.mark.slow
def test_import_and_help_work_without_keras_backend_and_use_bayesflows_choice(run_python):
    chosen = run_python("import bayesflow, keras; print(keras.backend.backend())").stdout.split()[-1]
    result = run_python(
        """
        import os, pydoc
        assert "KERAS_BACKEND" not in os.environ
        import bayesflow_nnpe
        import keras
        text = pydoc.render_doc(bayesflow_nnpe)
        assert "MisspecificationCritic" in text and "zscore_statistics" in text
        print(keras.backend.backend())
        """
    )
    assert result.stdout.split()[-1] == chosen


@pytest.mark.slow
def test_submodules_import_first_in_a_fresh_interpreter(run_python):
    for module in ("bayesflow_nnpe.criticism", "bayesflow_nnpe.kernel", "bayesflow_nnpe.diagnostics"):
        run_python(f"import {module}")
