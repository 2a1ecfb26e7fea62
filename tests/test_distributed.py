"""Seeded NNPE noise in a real two-process JAX job (``jax.distributed`` on localhost, CPU backend).

Each process of a distributed job that builds ``NNPE(seed=s)`` must draw distinct noise, reproducibly per
``(s, process index)``; an unseeded stream keeps drawing fresh entropy.
"""

import json
import os
import socket
import subprocess
import sys
import textwrap

import numpy as np
import pytest

pytestmark = pytest.mark.slow

WORKER = textwrap.dedent(
    """
    import json, sys
    import jax
    jax.distributed.initialize(coordinator_address=sys.argv[1], num_processes=2, process_id=int(sys.argv[2]))
    import numpy as np
    from bayesflow_nnpe import NNPE, NNPETransform
    x = np.zeros((6, 3))
    seeded = NNPE(spike_scale=1.0, slab_scale=1.0, seed=11)(x)
    transform = NNPETransform("x", spike_scale=1.0, slab_scale=1.0, seed=11)({"x": x})["x"]
    unseeded = NNPE(spike_scale=1.0, slab_scale=1.0)(x)
    print(json.dumps({
        "process": [jax.process_index(), jax.process_count()],
        "seeded": seeded.tolist(), "transform": transform.tolist(), "unseeded": unseeded.tolist(),
    }))
    jax.distributed.shutdown()
    """
)


def free_port():
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def run_job():
    """Start two processes of one JAX job; return each one's draws, by process index."""
    address = f"localhost:{free_port()}"
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu")
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, address, str(i)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for i in range(2)
    ]
    results = {}
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-3000:]
        result = json.loads(out.strip().splitlines()[-1])
        results[result["process"][0]] = result
    assert sorted(results) == [0, 1] and all(r["process"][1] == 2 for r in results.values())
    return results


def expected_draw(index):
    """NNPE(1, 1, seed=11) on zeros as process `index` of 2 must draw it: SeedSequence(11).spawn(2)[index]."""
    from bayesflow_nnpe import NNPE

    nnpe = NNPE(spike_scale=1.0, slab_scale=1.0)
    nnpe.rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(11).spawn(2)[index]))
    return nnpe(np.zeros((6, 3)))


def test_each_process_draws_its_own_reproducible_noise():
    first, second = run_job(), run_job()
    for index in (0, 1):
        np.testing.assert_array_equal(first[index]["seeded"], second[index]["seeded"])  # reproducible per process
        np.testing.assert_array_equal(first[index]["seeded"], expected_draw(index))  # SeedSequence spawning
        np.testing.assert_array_equal(first[index]["transform"], expected_draw(index))  # the adapter variant too
    assert not np.any(np.equal(first[0]["seeded"], first[1]["seeded"]))  # distinct across processes
    unseeded = [np.asarray(run[i]["unseeded"]) for run in (first, second) for i in (0, 1)]
    assert len(np.unique(np.concatenate(unseeded))) == 4 * 18  # fresh entropy everywhere, as before
