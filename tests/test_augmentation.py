"""The NNPE augmentation contract, item by item."""

import inspect
import pickle
import warnings

import numpy as np
import pytest
from stats import ALPHA, ks_pvalue

from bayesflow_nnpe import NNPE


def noise_of(nnpe, x):
    return np.asarray(nnpe(x), dtype=np.float64) - x


# --- signature -------------------------------------------------------------------------------------------


def test_signature_matches_documented_upstream():
    params = inspect.signature(NNPE).parameters
    positional = [p for p in params.values() if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    assert [p.name for p in positional] == ["spike_scale", "slab_scale", "per_dimension", "seed"]
    assert [p.default for p in positional] == [None, None, True, None]
    extra = {p.name: (p.kind, p.default) for p in params.values() if p not in positional}
    assert extra == {"slab_probability": (inspect.Parameter.KEYWORD_ONLY, 0.5)}
    assert NNPE.DEFAULT_SPIKE == 0.01 and NNPE.DEFAULT_SLAB == 0.25
    assert list(inspect.signature(NNPE.__call__).parameters) == ["self", "data", "kwargs"]


def test_documented_example_works():
    # Upstream raises "spike_scale: expected array of shape (3,), got ()" here.
    nnpe = NNPE(spike_scale=0.01, slab_scale=0.2, per_dimension=True, seed=42)
    x = np.zeros((20_000, 3))
    noise = noise_of(nnpe, x)
    for j in range(3):
        assert ks_pvalue(noise[:, j], 0.01, 0.2) > ALPHA


def test_extra_keyword_arguments_are_ignored():
    x = np.arange(8.0).reshape(4, 2)
    assert NNPE(seed=1)(x, stage="training", anything=1).shape == (4, 2)


# --- the mixture, with automatic and manual scales ---------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_automatic_per_dimension_scales(dtype):
    rng = np.random.default_rng(1)
    x = (rng.normal(size=(50_000, 3)) * np.array([0.1, 1.0, 30.0]) + 7.0).astype(dtype)
    noise = noise_of(NNPE(per_dimension=True, seed=2), x)
    std = x.astype(np.float64).std(axis=0)
    for j in range(3):
        assert ks_pvalue(noise[:, j], 0.01 * std[j], 0.25 * std[j]) > ALPHA
        assert ks_pvalue(noise[:, j], 0.01 * std[0], 0.25 * std[0]) < ALPHA or j == 0  # scales really differ


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_automatic_global_scale(dtype):
    rng = np.random.default_rng(3)
    x = (rng.normal(size=(40_000, 3)) * np.array([0.1, 1.0, 3.0])).astype(dtype)
    noise = noise_of(NNPE(per_dimension=False, seed=4), x)
    std = x.astype(np.float64).std()
    assert ks_pvalue(noise.ravel(), 0.01 * std, 0.25 * std) > ALPHA


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_manual_scales(dtype):
    x = np.full((60_000, 2), 100.0, dtype=dtype)
    noise = noise_of(NNPE(spike_scale=[0.5, 0.05], slab_scale=[1.0, 0.3], seed=5), x)
    assert ks_pvalue(noise[:, 0], 0.5, 1.0) > ALPHA
    assert ks_pvalue(noise[:, 1], 0.05, 0.3) > ALPHA
    noise = noise_of(NNPE(spike_scale=0.2, slab_scale=0.4, per_dimension=False, seed=6), x)
    assert ks_pvalue(noise.ravel(), 0.2, 0.4) > ALPHA


def test_one_manual_one_automatic_scale():
    x = np.random.default_rng(7).normal(size=(60_000, 1)) * 4.0
    noise = noise_of(NNPE(spike_scale=0.3, seed=8), x)
    assert ks_pvalue(noise[:, 0], 0.3, 0.25 * x.std()) > ALPHA


def test_automatic_scales_follow_each_batch():
    nnpe = NNPE(seed=9)
    small, large = np.zeros((30_000, 1)), np.zeros((30_000, 1))
    small[::2], large[::2] = 1.0, 100.0  # std 0.5 and 50
    assert ks_pvalue(noise_of(nnpe, small), 0.005, 0.125) > ALPHA
    assert ks_pvalue(noise_of(nnpe, large), 0.5, 12.5) > ALPHA


# --- dtypes ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dtype", "expected"),
    [
        (np.float32, np.float32),
        (np.float64, np.float64),
        (np.float16, np.float32),
        (np.int64, np.float64),
        (np.int8, np.float64),
        (np.uint16, np.float64),
        (np.bool_, np.float64),
    ],
)
def test_output_dtype(dtype, expected):
    x = (np.arange(16) % 3).reshape(8, 2).astype(dtype)
    assert NNPE(seed=1)(x).dtype == expected


def test_integer_data_gets_the_full_noise():
    # Upstream casts manual scales to the data's integer dtype: 0.01 -> 0, so no noise at all.
    x = (np.arange(60_000, dtype=np.int64) % 3).reshape(-1, 1)
    noise = noise_of(NNPE(spike_scale=0.01, slab_scale=0.25, seed=10), x)
    assert ks_pvalue(noise, 0.01, 0.25) > ALPHA


def test_float32_is_computed_without_float64_copies_of_the_data():
    import tracemalloc

    x = np.random.default_rng(11).normal(size=(4096, 256)).astype(np.float32)
    nnpe = NNPE(seed=11)
    nnpe(x)
    tracemalloc.start()
    out = nnpe(x)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert out.dtype == np.float32
    # The output (4 MiB) plus block-sized scratch; a float64 copy of the data alone would be 8 MiB.
    assert peak < out.nbytes + 2 * 2**20


# --- inputs are never modified; outputs are new ---------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32])
def test_input_is_never_modified(dtype):
    x = np.arange(30, dtype=dtype).reshape(10, 3)
    before = x.copy()
    y = NNPE(seed=12)(x)
    np.testing.assert_array_equal(x, before)
    assert y.shape == x.shape and not np.shares_memory(x, y)


def test_read_only_and_non_contiguous_inputs():
    x = np.random.default_rng(13).normal(size=(40, 6))
    x.setflags(write=False)
    view = x[::2, ::3]
    y = NNPE(seed=14)(view)
    assert y.shape == view.shape and np.all(y != view)


def test_lists_and_scalars_with_global_mode():
    assert NNPE(seed=15)([[1.0, 2.0], [3.0, 4.0]]).shape == (2, 2)
    y = NNPE(spike_scale=1.0, slab_scale=1.0, per_dimension=False, seed=16)(np.float64(3.0))
    assert y.shape == () and y != 3.0


# --- edge cases: empty and constant ------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(0, 3), (0,), (5, 0), (2, 0, 4)])
@pytest.mark.parametrize("spike", [None, 0.1])
def test_empty_batch_returns_empty_copy_without_warnings(shape, spike):
    x = np.empty(shape, dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = NNPE(spike_scale=spike, seed=17)(x)
    assert y.shape == shape and y.dtype == np.float32 and not np.shares_memory(x, y)


def test_constant_dimensions_get_zero_noise_with_automatic_scales():
    x = np.full((100, 3), 5.0)
    x[:, 1] = np.random.default_rng(18).normal(size=100)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # some dimensions vary: the noise is not zero for the whole batch
        y = NNPE(per_dimension=True, seed=19)(x)
    np.testing.assert_array_equal(y[:, [0, 2]], x[:, [0, 2]])
    assert np.all(y[:, 1] != x[:, 1])


ZERO = "zero for this batch"


@pytest.mark.parametrize(
    ("batch", "per_dimension"),
    [
        (np.full((100, 3), 5.0), True),
        (np.full((100, 3), 5.0), False),
        (np.array([[1.0, 2.0, 3.0]]), True),  # one sample: every per-dimension std is zero
        (np.array([[2.0]]), False),  # one entry: the global std is zero
    ],
    ids=["constant", "constant-global", "one-sample", "one-entry-global"],
)
def test_automatic_scales_zero_for_a_whole_batch_warn_once(batch, per_dimension):
    nnpe = NNPE(per_dimension=per_dimension, seed=19)
    with pytest.warns(UserWarning, match=ZERO) as caught:
        y = nnpe(batch)
        nnpe(batch)
    assert len([w for w in caught if ZERO in str(w.message)]) == 1  # once
    np.testing.assert_array_equal(y, batch)
    assert "from_simulations" in str(caught[0].message)


def test_a_manual_slab_still_adds_noise_and_does_not_warn_about_zero_scales():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = NNPE(slab_scale=0.3, seed=1)(np.full((100, 2), 0.5))
    assert np.any(y != 0.5)


# --- bad input ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_data_is_rejected_with_count_and_position(bad):
    x = np.zeros((10, 3), dtype=np.float32)
    x[4, 2] = bad
    x[7, 0] = bad
    for nnpe in (NNPE(seed=1), NNPE(spike_scale=0.1, slab_scale=0.1, seed=1)):
        with pytest.raises(
            ValueError, match=r"2 NaN or infinite value\(s\) of 30 \(first at index \(4, 2\) of the batch"
        ):
            nnpe(x)


def test_huge_but_finite_data_is_accepted():
    x = np.full((4, 2), 3e38, dtype=np.float32)  # the sum overflows, the entries are finite
    y = NNPE(spike_scale=0.0, slab_scale=0.0, seed=1)(x)
    np.testing.assert_array_equal(y, x)


def test_dict_is_rejected_with_how_to_map_it():
    with pytest.raises(TypeError, match=r'augmentations=\{"x": NNPE\(\.\.\.\)\}'):
        NNPE()({"x": np.zeros((2, 2))})


@pytest.mark.parametrize("bad", [np.array(["a", "b"]), np.array([object(), 1]), np.array([1 + 2j]), "text"])
def test_non_numeric_data_is_rejected(bad):
    with pytest.raises(TypeError, match="real numeric data"):
        NNPE()(bad)


def test_zero_dimensional_data_with_per_dimension_is_rejected():
    with pytest.raises(ValueError, match="per_dimension=False for scalars"):
        NNPE()(np.float64(1.0))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"spike_scale": -0.1}, ValueError, "finite and non-negative"),
        ({"slab_scale": [0.1, -1.0]}, ValueError, "finite and non-negative"),
        ({"slab_scale": np.inf}, ValueError, "finite and non-negative"),
        ({"spike_scale": np.nan}, ValueError, "finite and non-negative"),
        ({"spike_scale": [[0.1]]}, ValueError, "has shape"),
        ({"spike_scale": [0.1, 0.2], "per_dimension": False}, ValueError, "Pass per_dimension=True"),
        ({"spike_scale": "big"}, TypeError, "non-negative float"),
        ({"slab_scale": "0.5"}, TypeError, "non-negative float"),
        ({"per_dimension": "yes"}, TypeError, "per_dimension must be True or False"),
        ({"seed": -1}, ValueError, "non-negative int"),
        ({"seed": 1.5}, TypeError, "non-negative int"),
    ],
)
def test_bad_parameters_are_rejected_at_construction(kwargs, error, match):
    with pytest.raises(error, match=match):
        NNPE(**kwargs)


@pytest.mark.parametrize("rows", [8, 64])  # 64 rows: the manual-scale check runs first (it once broke numpy's way)
@pytest.mark.parametrize("name", ["spike_scale", "slab_scale"])
def test_scale_of_wrong_length_is_rejected_at_call_with_the_same_message(rows, name):
    with pytest.raises(ValueError, match=rf"NNPE: {name} has 2 values, but the data's last axis has length 3"):
        NNPE(**{name: [0.1, 0.2]})(np.zeros((rows, 3)))


def test_an_unknown_setting_names_the_settings():
    with pytest.raises(TypeError, match=r"NNPE got unknown noise setting\(s\) \['slab_prob'\]; the settings are spike"):
        NNPE(slab_prob=0.2)


# --- seeds, reproducibility, independence ---------------------------------------------------------------------------


def test_same_seed_same_sequence_of_outputs():
    x = np.random.default_rng(20).normal(size=(64, 5)).astype(np.float32)
    a, b = NNPE(seed=123), NNPE(seed=123)
    for _ in range(3):
        np.testing.assert_array_equal(a(x), b(x))


def test_calls_differ_and_seeds_differ():
    x = np.zeros((64, 5))
    a = NNPE(spike_scale=1.0, slab_scale=1.0, seed=1)
    first, second = a(x), a(x)
    assert not np.any(first == second)
    assert not np.any(NNPE(spike_scale=1.0, slab_scale=1.0, seed=2)(x) == first)
    assert not np.any(NNPE(spike_scale=1.0, slab_scale=1.0)(x) == NNPE(spike_scale=1.0, slab_scale=1.0)(x))


def test_pickling_in_the_same_process_continues_the_stream():
    x = np.zeros((16, 2))
    a = NNPE(spike_scale=1.0, slab_scale=1.0, seed=3)
    a(x)
    b = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(a(x), b(x))


# --- attributes are the settings in use ----------------------------------------------------------------------------


def test_assigned_scales_change_the_noise_and_the_repr():
    nnpe = NNPE(spike_scale=0.01, slab_scale=0.25, per_dimension=False, seed=30)
    nnpe(np.random.default_rng(29).normal(size=(64, 1)))  # z-scored data: the scale check is done
    nnpe.spike_scale, nnpe.slab_scale = 0.5, 2.0
    assert (nnpe.spike_scale, nnpe.slab_scale) == (0.5, 2.0)
    assert repr(nnpe) == "NNPE(spike_scale=0.5, slab_scale=2.0, per_dimension=False, seed=30, slab_probability=0.5)"
    assert ks_pvalue(noise_of(nnpe, np.zeros((50_000, 1))), 0.5, 2.0) > ALPHA
    assert ks_pvalue(noise_of(nnpe, np.zeros((50_000, 1))), 0.01, 0.25) < ALPHA  # and no longer the old scales
    nnpe.slab_scale = None  # back to automatic
    x = np.random.default_rng(31).normal(size=(50_000, 1)) * 3.0
    assert ks_pvalue(noise_of(nnpe, x), 0.5, 0.25 * x.std()) > ALPHA


def test_assigned_per_dimension_changes_automatic_scales():
    nnpe = NNPE(seed=32)
    nnpe.per_dimension = False
    x = np.random.default_rng(33).normal(size=(40_000, 2)) * np.array([1.0, 10.0])
    assert nnpe.per_dimension is False
    assert ks_pvalue(noise_of(nnpe, x)[:, 0], 0.01 * x.std(), 0.25 * x.std()) > ALPHA  # one global std


def test_assigned_settings_are_validated():
    nnpe = NNPE(spike_scale=[0.1, 0.2])
    with pytest.raises(ValueError, match="finite and non-negative"):
        nnpe.slab_scale = -1.0
    with pytest.raises(ValueError, match="Pass per_dimension=True"):
        nnpe.per_dimension = False  # array scales need per-dimension noise
    with pytest.raises(ValueError, match="non-negative int"):
        nnpe.seed = -3
    assert nnpe.per_dimension is True and nnpe.slab_scale is None and nnpe.seed is None


def test_assigned_seed_restarts_the_stream():
    x = np.random.default_rng(36).normal(size=(32, 3))
    a = NNPE(seed=1)
    a(x)
    a.seed = 7
    assert a.seed == 7
    np.testing.assert_array_equal(a(x), NNPE(seed=7)(x))


def test_scales_read_as_floats_or_read_only_arrays():
    nnpe = NNPE(spike_scale=0.1, slab_scale=[0.2, 0.3])
    assert isinstance(nnpe.spike_scale, float)
    assert isinstance(nnpe.slab_scale, np.ndarray) and not nnpe.slab_scale.flags.writeable
    with pytest.raises(ValueError):
        nnpe.slab_scale[0] = 5.0  # the scale in use cannot change behind the object's back


def test_a_subclass_gets_its_own_defaults():
    class Wider(NNPE):
        DEFAULT_SPIKE = 0.1
        DEFAULT_SLAB = 1.0

    x = np.random.default_rng(34).normal(size=(50_000, 1)) * 2.0
    assert ks_pvalue(noise_of(Wider(seed=35), x), 0.1 * x.std(), 1.0 * x.std()) > ALPHA
    assert np.allclose(Wider.from_simulations(x).slab_scale, 1.0 * x.std())


def test_rng_accepts_a_generator_as_upstream_users_expect():
    x = np.zeros((64, 2))
    a, b, c = NNPE(1.0, 1.0, seed=1), NNPE(1.0, 1.0, seed=2), NNPE(1.0, 1.0, seed=3)
    a.rng, b.rng, c.rng = np.random.default_rng(5), np.random.default_rng(5), np.random.default_rng(6)
    assert a.seed is None  # the stream is the generator's now, not the seed's
    first = a(x)
    np.testing.assert_array_equal(first, b(x))
    assert not np.any(first == c(x))
    assert isinstance(a.rng, np.random.Generator) and a.rng is a.rng
    a.rng.random(3)  # the generator shares the stream: drawing from it moves the noise on
    b(x)
    assert not np.any(a(x) == b(x))
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        a.rng = 5


# --- Ward's recipe on raw data: from_simulations ------------------------------------------------------------------


def raw_data(shape=(20_000, 3), seed=40):
    rng = np.random.default_rng(seed)
    return rng.normal(size=shape) * np.array([0.01, 1.0, 300.0]) + np.array([5.0, -2.0, 1e3])


@pytest.mark.parametrize("shape", [(20_000, 3), (500, 40, 3)])
def test_from_simulations_scales_are_the_z_scales_times_the_clean_std(shape):
    clean = raw_data(shape)
    per_dim = NNPE.from_simulations(clean, spike_scale=0.02, slab_scale=0.5)
    std = clean.reshape(-1, 3).std(axis=0)  # per dimension of the last axis, over all other axes
    np.testing.assert_allclose(per_dim.spike_scale, 0.02 * std, rtol=1e-10)
    np.testing.assert_allclose(per_dim.slab_scale, 0.5 * std, rtol=1e-10)
    glob = NNPE.from_simulations(clean, per_dimension=False)
    assert glob.per_dimension is False
    np.testing.assert_allclose(glob.slab_scale, 0.25 * clean.std(), rtol=1e-10)
    assert NNPE.from_simulations(clean).slab_scale.shape == (3,)  # defaults: Ward's 0.01 and 0.25


def test_from_simulations_is_noise_on_clean_z_scores():
    """Noise from the recipe on raw data = z-score with clean statistics, Ward's noise, undo the z-score."""
    clean, raw = raw_data(seed=41), raw_data((1000, 3), seed=42)
    mean, std = clean.mean(axis=0), clean.std(axis=0)
    recipe = NNPE.from_simulations(clean, seed=9)(raw)
    by_hand = NNPE(0.01, 0.25, seed=9)((raw - mean) / std) * std + mean
    np.testing.assert_allclose(recipe, by_hand, rtol=1e-9, atol=1e-9 * np.abs(raw).max())
    noise = (recipe - raw) / std  # and at the z-scale it is Ward's mixture
    assert ks_pvalue(noise.ravel(), 0.01, 0.25) > ALPHA


@pytest.mark.parametrize(
    ("clean", "error", "match"),
    [
        (
            np.array([[1.0, np.nan], [2.0, 3.0]]),
            ValueError,
            r"1 NaN or infinite value\(s\) of 4 \(first at index \(0, 1\) of the clean",
        ),
        (np.empty((0, 3)), ValueError, "at least 2 samples"),
        (np.ones((1, 3)), ValueError, "at least 2 samples"),
        (np.float64(3.0), ValueError, "at least one axis"),
        (np.array([["a", "b"], ["c", "d"]]), TypeError, "real numeric data"),
        ({"x": np.ones((4, 2))}, TypeError, r"pass an array, e.g. clean\['x'\]"),
    ],
    ids=["nan", "empty", "one-sample", "0-d", "strings", "dict"],
)
def test_from_simulations_rejects_bad_clean_data(clean, error, match):
    with pytest.raises(error, match=match):
        NNPE.from_simulations(clean)


@pytest.mark.parametrize("bad", [-0.1, [0.1, 0.2], "0.2"])
def test_from_simulations_rejects_bad_z_scales(bad):
    with pytest.raises((TypeError, ValueError)):
        NNPE.from_simulations(raw_data(), slab_scale=bad)


# --- absolute scales on data far from unit scale ---------------------------------------------------------------------

ABSOLUTE = "manual scales are absolute"


def caught_warnings(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    return [str(w.message) for w in caught]


@pytest.mark.parametrize("factor", [100.0, 0.001])
def test_absolute_scales_on_raw_data_warn_once(factor):
    nnpe = NNPE(0.01, 0.25, per_dimension=False, seed=1)
    x = np.random.default_rng(43).normal(size=(64, 3)) * factor
    messages = caught_warnings(lambda: [nnpe(x) for _ in range(3)])
    (message,) = [m for m in messages if ABSOLUTE in m]
    assert "z-scored" in message and "from_simulations" in message


def test_z_scored_data_and_the_recipe_do_not_warn():
    z = np.random.default_rng(44).normal(size=(64, 3))
    raw = raw_data((64, 3))
    assert caught_warnings(lambda: NNPE(0.01, 0.25, per_dimension=False)(z)) == []
    assert caught_warnings(lambda: NNPE(0.05, 1.0)(z * 3)) == []  # another slab, within 10x of Ward's, on z data
    assert caught_warnings(lambda: NNPE(spike_scale=0.5)(z)) == []  # a manual spike alone is not judged
    assert caught_warnings(lambda: NNPE.from_simulations(raw_data())(raw)) == []


def test_one_dimension_far_from_unit_is_enough_to_warn():
    x = np.random.default_rng(45).normal(size=(64, 3)) * np.array([1.0, 1.0, 50.0])
    (message,) = caught_warnings(lambda: NNPE(0.01, 0.25)(x))
    assert "dimension(s) [2]" in message


def test_the_scale_check_waits_for_enough_samples():
    nnpe = NNPE(0.01, 0.25, seed=2)
    small = np.random.default_rng(46).normal(size=(4, 2)) * 1000
    assert caught_warnings(lambda: nnpe(small)) == []  # 4 samples: no trustworthy std yet
    assert len(caught_warnings(lambda: nnpe(np.repeat(small, 8, axis=0)))) == 1


# --- the slab probability ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rho", [0.0, 0.2, 0.8])
def test_slab_probability_sets_the_mixture_weight(rho):
    nnpe = NNPE(0.01, 0.25, seed=50, slab_probability=rho)
    noise = noise_of(nnpe, np.random.default_rng(51).normal(size=(30_000, 2)))
    assert nnpe.slab_probability == rho
    assert ks_pvalue(noise.ravel(), 0.01, 0.25, p_slab=rho) > ALPHA


def test_slab_probability_is_keyword_only_validated_and_assignable():
    with pytest.raises(TypeError):
        NNPE(None, None, True, None, 0.2)  # the documented positional signature is unchanged
    bad_values = [(-0.1, ValueError), (1.5, ValueError), (np.nan, ValueError), ("0.5", TypeError), (True, TypeError)]
    for bad, error in bad_values:
        with pytest.raises(error, match="slab_probability"):
            NNPE(slab_probability=bad)
    nnpe = NNPE(0.01, 0.25, seed=52)
    nnpe.slab_probability = 0.1
    assert "slab_probability=0.1" in repr(nnpe)
    noise = noise_of(nnpe, np.random.default_rng(53).normal(size=(30_000, 2)))
    assert ks_pvalue(noise.ravel(), 0.01, 0.25, p_slab=0.1) > ALPHA
    with pytest.raises(ValueError, match="slab_probability"):
        nnpe.slab_probability = 2.0


def test_from_simulations_passes_the_slab_probability():
    nnpe = NNPE.from_simulations(raw_data(), slab_probability=0.2)
    assert nnpe.slab_probability == 0.2
