"""The noise settings are declared once (``NoiseSettings``): every signature, attribute and config follows them."""

import inspect

import bayesflow as bf
import numpy as np
import pytest

from bayesflow_nnpe import NNPE, NNPETransform, NoiseSettings, standardize_then_nnpe

SOURCES = {
    "NNPE": NNPE,
    "NNPE.from_simulations": NNPE.from_simulations,
    "NNPETransform": NNPETransform,
    "Adapter.nnpe": bf.Adapter.nnpe,
    "standardize_then_nnpe": standardize_then_nnpe,
}


@pytest.mark.parametrize("name", SOURCES)
def test_every_signature_shows_every_setting(name):
    parameters = inspect.signature(SOURCES[name]).parameters
    assert set(NoiseSettings.names()) <= set(parameters), name
    assert not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    assert parameters["slab_probability"].kind is inspect.Parameter.KEYWORD_ONLY
    assert parameters["slab_probability"].default == 0.5


def test_nnpe_keeps_upstreams_four_positional_settings_in_declaration_order():
    positional = [p.name for p in inspect.signature(NNPE).parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD]
    assert positional == list(NoiseSettings.names()[:4]) == ["spike_scale", "slab_scale", "per_dimension", "seed"]


@pytest.mark.parametrize("source", [NNPE(seed=3), NNPETransform("x", seed=3)], ids=["augmentation", "transform"])
def test_every_setting_is_a_documented_attribute_and_in_the_config(source):
    config = source.settings.to_config()
    assert list(config) == list(NoiseSettings.names())
    for name in NoiseSettings.names():
        assert getattr(source, name) == NoiseSettings().public(name) or name == "seed"
        assert getattr(type(source), name).__doc__ == NoiseSettings.doc(name)
        assert f"{name}=" in repr(source) or getattr(source, name) is None  # a transform's repr omits None
    assert source.seed == 3


@pytest.mark.parametrize("make", [lambda **s: NNPE(**s), lambda **s: NNPETransform("x", **s)])
def test_settings_are_validated_as_a_whole_wherever_they_are_given(make):
    with pytest.raises(ValueError, match="per_dimension=True for per-dimension scales"):
        make(spike_scale=[0.1, 0.2], per_dimension=False)
    source = make(spike_scale=[0.1, 0.2])
    with pytest.raises(ValueError, match="per_dimension=True for per-dimension scales"):
        source.per_dimension = False  # assignment validates the settings together
    assert source.per_dimension is True and source.settings.per_dimension is True


@pytest.mark.parametrize("name", SOURCES)
def test_unknown_settings_are_rejected_with_the_list_of_settings(name):
    call = SOURCES[name]
    args = {
        "NNPE": (),
        "NNPE.from_simulations": (np.ones((4, 2)) * [[1], [2], [3], [4]],),
        "NNPETransform": ("x",),
        "Adapter.nnpe": (bf.Adapter(), "x"),
        "standardize_then_nnpe": (bf.Adapter(), "x", {"x": np.arange(8.0).reshape(4, 2)}),
    }[name]
    with pytest.raises(
        TypeError, match=r"unknown noise setting\(s\) \['rho'\]; the settings are spike_scale, slab_scale"
    ):
        call(*args, rho=0.2)
