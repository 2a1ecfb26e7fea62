"""The NNPE augmentation contract, item by item."""

import inspect
import multiprocessing
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
    assert list(params) == ["spike_scale", "slab_scale", "per_dimension", "seed"]
    assert [p.default for p in params.values()] == [None, None, True, None]
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
    x = np.ones((4, 2))
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
    x = np.ones((8, 2), dtype=dtype)
    assert NNPE(seed=1)(x).dtype == expected


def test_integer_data_gets_the_full_noise():
    # Upstream casts manual scales to the data's integer dtype: 0.01 -> 0, so no noise at all.
    x = np.arange(60_000, dtype=np.int64).reshape(-1, 1)
    noise = noise_of(NNPE(spike_scale=0.01, slab_scale=0.25, seed=10), x)
    assert ks_pvalue(noise, 0.01, 0.25) > ALPHA


def test_float32_is_computed_without_float64_copies_of_the_data():
    import tracemalloc

    x = np.ones((4096, 256), dtype=np.float32)
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


@pytest.mark.parametrize("per_dimension", [True, False])
def test_constant_data_gets_zero_noise_with_automatic_scales(per_dimension):
    x = np.full((100, 3), 5.0)
    if per_dimension:
        x[:, 1] = np.random.default_rng(18).normal(size=100)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = NNPE(per_dimension=per_dimension, seed=19)(x)
    assert np.all(np.isfinite(y))
    if per_dimension:
        np.testing.assert_array_equal(y[:, [0, 2]], x[:, [0, 2]])
        assert np.all(y[:, 1] != x[:, 1])
    else:
        np.testing.assert_array_equal(y, x)


# --- bad input ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_data_is_rejected_with_count_and_position(bad):
    x = np.zeros((10, 3), dtype=np.float32)
    x[4, 2] = bad
    x[7, 0] = bad
    for nnpe in (NNPE(seed=1), NNPE(spike_scale=0.1, slab_scale=0.1, seed=1)):
        with pytest.raises(ValueError, match=r"2 NaN or infinite value\(s\) of 30 \(first at index \(4, 2\)"):
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
        ({"seed": -1}, TypeError, "non-negative int"),
        ({"seed": 1.5}, TypeError, "non-negative int"),
    ],
)
def test_bad_parameters_are_rejected_at_construction(kwargs, error, match):
    with pytest.raises(error, match=match):
        NNPE(**kwargs)


def test_scale_of_wrong_length_is_rejected_at_call():
    with pytest.raises(ValueError, match="last axis has length 3"):
        NNPE(spike_scale=[0.1, 0.2])(np.zeros((4, 3)))


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


def _draw(nnpe):
    return nnpe(np.zeros((16, 4)))


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_worker_processes_draw_independent_noise(method):
    nnpe = NNPE(spike_scale=1.0, slab_scale=1.0, seed=7)
    ctx = multiprocessing.get_context(method)
    with ctx.Pool(3) as pool:
        results = [pool.apply_async(_draw, (nnpe,)) for _ in range(9)]
        draws = np.concatenate([r.get(timeout=120) for r in results])
    draws = np.concatenate([draws, _draw(nnpe)])  # the parent's own stream, too
    assert len(np.unique(draws)) == draws.size


pytestmark = pytest.mark.filterwarnings("ignore:os.fork:RuntimeWarning")


def _fork_children_draw(nnpe, children=3):
    """Fork `children` processes that each draw once from the inherited state; return all draws."""
    import os

    draws = []
    for _ in range(children):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # child
            os.close(read)
            os.write(write, _draw(nnpe).tobytes())
            os._exit(0)
        os.close(write)
        with os.fdopen(read, "rb") as f:
            draws.append(np.frombuffer(f.read(), dtype=np.float64))
        os.waitpid(pid, 0)
    return np.concatenate(draws)


def test_forked_children_never_replay_the_parents_stream():
    draws = _fork_children_draw(NNPE(spike_scale=1.0, slab_scale=1.0, seed=8))
    assert len(np.unique(draws)) == draws.size


def test_fork_check_has_power_against_upstream():
    upstream = pytest.importorskip("bayesflow.augmentations").NNPE
    draws = _fork_children_draw(upstream(spike_scale=1.0, slab_scale=1.0, per_dimension=False, seed=8))
    assert len(np.unique(draws)) == draws.size // 3  # every child replays the same stream
