"""Seeded NNPE noise in real two-process jobs on localhost: ``jax.distributed`` and ``torch.distributed`` (gloo).

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

START = {
    "jax": """
import jax
jax.distributed.initialize(coordinator_address=sys.argv[1], num_processes=2, process_id=int(sys.argv[2]))
index, count = jax.process_index(), jax.process_count()
stop = jax.distributed.shutdown
""",
    "torch": """
import torch.distributed as dist
dist.init_process_group("gloo", init_method="tcp://" + sys.argv[1], rank=int(sys.argv[2]), world_size=2)
index, count = dist.get_rank(), dist.get_world_size()
stop = dist.destroy_process_group
""",
}

WORKER = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    from bayesflow_nnpe import NNPE, NNPETransform
    x = np.zeros((6, 3))
    seeded = NNPE(spike_scale=1.0, slab_scale=1.0, seed=11)(x)
    transform = NNPETransform("x", spike_scale=1.0, slab_scale=1.0, seed=11)({"x": x})["x"]
    unseeded = NNPE(spike_scale=1.0, slab_scale=1.0)(x)
    print(json.dumps({
        "process": [index, count],
        "seeded": seeded.tolist(), "transform": transform.tolist(), "unseeded": unseeded.tolist(),
    }))
    stop()
    """
)


def free_port():
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def run_job(backend):
    """Start two processes of one job; return each one's draws, by process index."""
    address = f"localhost:{free_port()}"
    env = dict(os.environ, KERAS_BACKEND=backend, JAX_PLATFORMS="cpu")
    code = "import sys" + START[backend] + WORKER
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, address, str(i)],
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


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_each_process_draws_its_own_reproducible_noise(backend):
    pytest.importorskip(backend, reason=f"{backend} is not installed in this environment")
    first, second = run_job(backend), run_job(backend)
    for index in (0, 1):
        np.testing.assert_array_equal(first[index]["seeded"], second[index]["seeded"])  # reproducible per process
        np.testing.assert_array_equal(first[index]["seeded"], expected_draw(index))  # SeedSequence spawning
        np.testing.assert_array_equal(first[index]["transform"], expected_draw(index))  # the adapter variant too
    assert not np.any(np.equal(first[0]["seeded"], first[1]["seeded"]))  # distinct across processes
    unseeded = [np.asarray(run[i]["unseeded"]) for run in (first, second) for i in (0, 1)]
    assert len(np.unique(np.concatenate(unseeded))) == 4 * 18  # fresh entropy everywhere, as before
