"""Entry points, checked against the installed package metadata, and the plugin loader."""

import os
import textwrap
from importlib.metadata import entry_points

import pytest

import bayesflow_nnpe
from bayesflow_nnpe import NNPE, NNPETransform, get_augmentation, get_transform, plugins


def ours(group):
    (ep,) = [ep for ep in entry_points(group=group) if ep.name == "nnpe"]
    assert ep.dist.name == "bayesflow-nnpe" and ep.dist.version == bayesflow_nnpe.__version__
    return ep.load()


def test_the_three_groups_resolve_to_the_right_objects():
    assert ours("bayesflow.augmentations") is NNPE
    assert ours("bayesflow.adapters.transforms") is NNPETransform
    assert ours("bayesflow.plugins") is plugins.register


def test_lookup_by_name():
    assert get_augmentation("nnpe") is NNPE
    assert get_transform("nnpe") is NNPETransform


@pytest.mark.parametrize("lookup", [get_augmentation, get_transform])
def test_unknown_name_lists_what_is_installed(lookup):
    with pytest.raises(LookupError, match=r"No .* named 'nope' is installed.*nnpe = bayesflow_nnpe.*bayesflow-nnpe"):
        lookup("nope")


@pytest.mark.slow
def test_the_plugin_entry_point_alone_adds_the_adapter_method(run_python):
    run_python(
        """
        import sys
        from importlib.metadata import entry_points
        import bayesflow as bf
        assert not hasattr(bf.Adapter, "nnpe") and "bayesflow_nnpe" not in sys.modules
        (ep,) = [ep for ep in entry_points(group="bayesflow.plugins") if ep.name == "nnpe"]
        ep.load()()
        adapter = bf.Adapter().nnpe("x", seed=1)
        assert type(adapter.transforms[0]).__name__ == "NNPETransform"
        print("OK")
        """
    )


def write_distribution(root, name, module_source, entry_point):
    (root / f"{name}.py").write_text(textwrap.dedent(module_source))
    info = root / f"{name}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[bayesflow.plugins]\n{entry_point}\n")


@pytest.mark.slow
def test_third_party_plugins_are_discovered_and_a_broken_one_only_warns(tmp_path, run_python):
    write_distribution(
        tmp_path,
        "thirdparty_plugin",
        """
        calls = 0

        def register():
            global calls
            calls += 1
            import bayesflow as bf
            bf.Adapter.thirdparty = lambda self: self
            return "registered"
        """,
        "thirdparty = thirdparty_plugin:register",
    )
    write_distribution(
        tmp_path,
        "broken_plugin",
        "def register():\n    raise ImportError('needs a package that is not installed')\n",
        "broken = broken_plugin:register",
    )
    run_python(
        """
        import warnings
        import bayesflow as bf
        import bayesflow_nnpe, thirdparty_plugin
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            loaded = bayesflow_nnpe.load_plugins()
        assert loaded == {"nnpe": None, "thirdparty": "registered"}, loaded
        (warning,) = [w for w in caught if issubclass(w.category, RuntimeWarning)]
        message = str(warning.message)
        assert "broken = broken_plugin:register" in message and "broken_plugin 1.0" in message, message
        assert "not installed" in message, message
        assert bf.Adapter().thirdparty() is not None and hasattr(bf.Adapter, "nnpe")
        assert bayesflow_nnpe.load_plugins() == loaded and thirdparty_plugin.calls == 1  # idempotent
        print("OK")
        """,
        env={"PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])},
    )


def test_the_package_under_test_is_the_one_the_make_target_installed():
    """`make test` runs the clone's source (editable); `make test-py312` a regular install in site-packages."""
    expected = os.environ.get("BAYESFLOW_NNPE_UNDER_TEST")
    if expected is None:
        pytest.skip("run through make: it says which copy of the package is under test")
    from pathlib import Path

    location = Path(bayesflow_nnpe.__file__).resolve()
    in_clone = location.parents[1] == Path(__file__).resolve().parents[1]
    assert in_clone == (expected == "source"), f"expected the {expected} package, imported {location}"
