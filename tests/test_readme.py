"""Every Python snippet in the README runs as written, each on its own (no names from other snippets)."""

import re
import warnings
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
SNIPPETS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def test_the_readme_has_snippets():
    assert len(SNIPPETS) >= 4


@pytest.mark.slow
@pytest.mark.parametrize("index", range(len(SNIPPETS)))
def test_snippet_runs(index, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a snippet that writes files writes them here
    import keras

    keras.utils.set_random_seed(index)
    code = compile(SNIPPETS[index], f"README.md snippet {index}", "exec")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the standardization snippet warns on purpose
        exec(code, {"__name__": f"readme_snippet_{index}"})
