"""The spike-and-slab kernel: the mixture is right, in float32 and float64, and the tests have power."""

import numpy as np
import pytest
from stats import ALPHA, binomial_ok, ks_pvalue

from bayesflow_nnpe import NNPE
from bayesflow_nnpe.kernel import spike_and_slab
from bayesflow_nnpe.streams import NoiseStream

N = 200_000


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("spike", "slab"), [(0.01, 0.25), (1.0, 1.0), (2.5, 0.1)])
def test_kernel_matches_exact_mixture_cdf(dtype, spike, slab):
    out = np.empty(N, dtype=dtype)
    spike_and_slab(np.random.PCG64(11), out, dtype(spike), dtype(slab))
    assert out.dtype == dtype
    assert ks_pvalue(out, spike, slab) > ALPHA


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kernel_has_power_against_plausible_bugs(dtype):
    out = np.empty(N, dtype=dtype)
    spike_and_slab(np.random.PCG64(12), out, dtype(0.01), dtype(0.25))
    assert ks_pvalue(out, 0.01, 0.25) > ALPHA
    assert ks_pvalue(out, 0.01, 0.25, p_slab=0.48) < ALPHA  # wrong mixture weight
    assert ks_pvalue(out, 0.01, 0.275) < ALPHA  # slab scale off by 10 %
    assert ks_pvalue(out, 0.25, 0.01) < ALPHA  # components swapped


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_mixture_weight_is_one_half(dtype):
    # With a zero spike, exactly the spike draws are zero: their count is Binomial(N, 1/2).
    out = np.empty(N, dtype=dtype)
    spike_and_slab(np.random.PCG64(13), out, dtype(0.0), dtype(1.0))
    zeros = int(np.sum(out == 0))
    assert binomial_ok(zeros, N)
    assert not binomial_ok(zeros, N, p=0.49)


def test_per_dimension_scales_broadcast_over_the_last_axis():
    spike, slab = np.array([0.1, 1.0, 3.0]), np.array([0.5, 0.05, 2.0])
    out = np.empty((N // 2, 3), dtype=np.float32)
    spike_and_slab(np.random.PCG64(14), out, spike.astype(np.float32), slab.astype(np.float32))
    for j in range(3):
        assert ks_pvalue(out[:, j], spike[j], slab[j]) > ALPHA


def test_draws_are_independent_across_elements_and_calls():
    stream = NoiseStream(15)
    a = np.empty(N, dtype=np.float64)
    b = np.empty(N, dtype=np.float64)
    spike_and_slab(stream.bit_generator, a, 1.0, 0.0)  # slab 0: pure Normal draws, finite variance
    spike_and_slab(stream.bit_generator, b, 1.0, 0.0)
    # Correlations of independent N(0,1) pairs are ~N(0, 1/N): |r| < 4.5/sqrt(N) fails with probability 7e-6.
    bound = 4.5 / np.sqrt(N)
    assert abs(np.corrcoef(a, b)[0, 1]) < bound
    assert abs(np.corrcoef(a[:-1], a[1:])[0, 1]) < bound
    assert abs(np.corrcoef(np.abs(a[:-1]), np.abs(a[1:]))[0, 1]) < bound


def test_signs_are_fair_and_independent_of_the_component():
    out = np.empty(N, dtype=np.float32)
    spike_and_slab(np.random.PCG64(16), out, np.float32(1.0), np.float32(1.0))
    assert binomial_ok(np.sum(out > 0), N)
    slab_like = np.abs(out) > 3  # mostly Cauchy draws
    assert binomial_ok(np.sum(out[slab_like] > 0), int(slab_like.sum()))


def test_float32_tails_are_bounded_as_documented():
    out = np.empty(2_000_000, dtype=np.float32)
    spike_and_slab(np.random.PCG64(17), out, np.float32(1.0), np.float32(0.0))
    assert np.all(np.isfinite(out)) and np.abs(out).max() <= 5.8
    spike_and_slab(np.random.PCG64(18), out, np.float32(0.0), np.float32(1.0))
    assert np.all(np.isfinite(out)) and np.abs(out).max() <= 5.4e6


def test_same_distribution_as_upstream_nnpe():
    """Two-sample test: a batch noised by ours and one noised by bayesflow.augmentations.NNPE."""
    upstream = pytest.importorskip("bayesflow.augmentations").NNPE
    x = np.random.default_rng(19).normal(size=(N // 2, 2)) * np.array([1.0, 5.0])
    ours = NNPE(seed=20)(x) - x
    theirs = upstream(seed=21)(x) - x
    from scipy import stats

    for j in range(2):
        assert stats.ks_2samp(ours[:, j], theirs[:, j]).pvalue > ALPHA


@pytest.mark.parametrize("out", [np.empty(4, dtype=np.int32), np.empty((4, 4), dtype=np.float32)[:, ::2]])
def test_kernel_rejects_outputs_it_cannot_fill(out):
    with pytest.raises(TypeError, match="C-contiguous float32 or float64"):
        spike_and_slab(np.random.PCG64(1), out, 1.0, 1.0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
@pytest.mark.parametrize("shape", [(50_000, 3), (7, 40_000), (3,)])
def test_automatic_scales_use_the_exact_batch_std(dtype, shape):
    """The blockwise std (many blocks, merged) equals numpy's float64 std, also for data far from zero."""
    from bayesflow_nnpe.moments import column_std

    x = (np.random.default_rng(21).normal(size=shape) * 3.0 + 1e4).astype(dtype)
    x2d = x.reshape(-1, shape[-1])
    exact = x.astype(np.float64).reshape(-1, shape[-1])
    np.testing.assert_allclose(column_std(x2d, True), exact.std(axis=0), rtol=1e-5)
    np.testing.assert_allclose(column_std(x2d, False), exact.std(), rtol=1e-5)


def raw_words(bit_generator, n=8):
    return bit_generator.random_raw(n)


def test_a_seeded_stream_in_a_distributed_job_is_the_processes_seed_sequence_child():
    """Process i of a job draws from SeedSequence(seed).spawn(...)[i]; a single process from SeedSequence(seed)."""
    children = np.random.SeedSequence(5).spawn(3)
    for index in range(3):
        stream = NoiseStream(5, process=lambda index=index: (index, 3))
        np.testing.assert_array_equal(raw_words(stream.bit_generator), raw_words(np.random.PCG64(children[index])))
    single = NoiseStream(5)
    np.testing.assert_array_equal(
        raw_words(single.bit_generator), raw_words(np.random.PCG64(np.random.SeedSequence(5)))
    )


def test_the_process_is_read_at_the_first_draw_not_at_construction():
    where = {"process": (0, 1)}
    stream = NoiseStream(5, process=lambda: where["process"])
    where["process"] = (1, 2)  # e.g. jax.distributed.initialize ran after NNPE(...) was built
    expected = np.random.PCG64(np.random.SeedSequence(5).spawn(2)[1])
    np.testing.assert_array_equal(raw_words(stream.bit_generator), raw_words(expected))


def test_unseeded_streams_ignore_the_process():
    calls = []
    stream = NoiseStream(None, process=lambda: calls.append(1) or (1, 2))
    assert isinstance(stream.bit_generator, np.random.PCG64) and calls == []


# --- the slab probability rho and the slab indicators -----------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rho", [0.0, 0.1, 0.2, 0.5, 0.9, 1.0])
def test_kernel_matches_the_mixture_for_every_rho(dtype, rho):
    out = np.empty(N, dtype=dtype)
    spike_and_slab(np.random.PCG64(30), out, dtype(0.3), dtype(1.0), slab_probability=rho)
    assert ks_pvalue(out, 0.3, 1.0, p_slab=rho) > ALPHA


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rho", [0.1, 0.2, 0.5, 0.9])
def test_slab_count_is_binomial_and_the_indicators_say_which(dtype, rho):
    out, z = np.empty(N, dtype=dtype), np.empty(N, dtype=bool)
    spike_and_slab(np.random.PCG64(31), out, dtype(0.0), dtype(1.0), slab_probability=rho, indicators=z)
    np.testing.assert_array_equal(z, out != 0)  # a zero spike gives exact zeros; a Cauchy draw is never 0
    assert binomial_ok(z.sum(), N, rho)
    assert not binomial_ok(z.sum(), N, rho + 0.01)  # the test has power against a rho off by 0.01


def test_rho_zero_is_the_spike_alone_and_one_the_slab_alone():
    out, z = np.empty(N), np.empty(N, dtype=bool)
    spike_and_slab(np.random.PCG64(32), out, 1.0, 1.0, slab_probability=0.0, indicators=z)
    assert not z.any() and np.abs(out).max() < 6  # Normal draws only
    spike_and_slab(np.random.PCG64(32), out, 1.0, 1.0, slab_probability=1.0, indicators=z)
    assert z.all() and ks_pvalue(out, 1.0, 1.0, p_slab=1.0) > ALPHA


@pytest.mark.parametrize("rho", [0.5, 0.2])
def test_asking_for_indicators_does_not_change_the_draws(rho):
    a, b, z = np.empty(1000), np.empty(1000), np.empty(1000, dtype=bool)
    spike_and_slab(np.random.PCG64(33), a, 1.0, 1.0, slab_probability=rho)
    spike_and_slab(np.random.PCG64(33), b, 1.0, 1.0, slab_probability=rho, indicators=z)
    np.testing.assert_array_equal(a, b)


def test_the_kernel_checks_power_against_a_wrong_rho():
    out = np.empty(N)
    spike_and_slab(np.random.PCG64(34), out, 0.01, 0.25, slab_probability=0.2)
    assert ks_pvalue(out, 0.01, 0.25, p_slab=0.2) > ALPHA
    assert ks_pvalue(out, 0.01, 0.25, p_slab=0.21) < ALPHA


def test_noise_with_indicators_over_many_blocks():
    from bayesflow_nnpe.noise import SpikeSlabNoise

    noise = SpikeSlabNoise(0.0, 1.0, seed=35, slab_probability=0.3)
    x = np.random.default_rng(36).normal(size=(3000, 40))  # several blocks of the kernel
    noisy, z = noise(x, indicators=True)
    assert z.shape == x.shape and z.dtype == bool
    np.testing.assert_array_equal(z, noisy != x)
    assert binomial_ok(z.sum(), z.size, 0.3)
