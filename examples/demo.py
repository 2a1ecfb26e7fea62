"""Quick demo: train a small BayesFlow posterior with NNPE noise on its training batches.

A Gaussian model: theta ~ N(0, 1) in 2 dimensions, x = 5 noisy sensor readings of each coordinate. The
summaries (10 numbers) are the data the network conditions on; NNPE perturbs them during training only.
Prints what it trained, and posterior means for a clean observation and for one with an outlier sensor.

    make demo
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("KERAS_BACKEND", "jax")

import bayesflow as bf  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

from bayesflow_nnpe import NNPE  # noqa: E402

SENSORS = 5
RNG = np.random.default_rng(1)


def prior():
    return {"theta": RNG.normal(size=2)}


def likelihood(theta):
    return {"x": np.repeat(theta, SENSORS) + 0.3 * RNG.normal(size=2 * SENSORS)}


def train(augmentations, seed):
    """Train a small CouplingFlow on 10 epochs x 100 online batches; return the workflow and epoch losses."""
    keras.utils.set_random_seed(seed)
    adapter = (
        bf.Adapter()
        .convert_dtype("float64", "float32")
        .rename("theta", "inference_variables")
        .rename("x", "inference_conditions")
    )
    workflow = bf.BasicWorkflow(
        simulator=bf.make_simulator([prior, likelihood]),
        adapter=adapter,
        inference_network=bf.networks.CouplingFlow(depth=2, subnet_kwargs={"widths": (64, 64)}),
    )
    history = workflow.fit_online(
        epochs=10, num_batches_per_epoch=100, batch_size=64, augmentations=augmentations, verbose=0
    )
    return workflow, history.history["loss"]


def main() -> None:
    nnpe = NNPE(spike_scale=0.01, slab_scale=0.25, per_dimension=False, seed=1)
    print(f"Model: theta ~ N(0, I_2); x = {SENSORS} sensor readings per coordinate, noise sd 0.3 (10 summaries).")
    models = {}
    for name, augmentations in [("NPE", None), ("NNPE", {"x": nnpe})]:
        start = time.perf_counter()
        models[name], losses = train(augmentations, seed=1)
        print(
            f"{name:>4}: trained a CouplingFlow, 10 epochs x 100 batches of 64, augmentations={augmentations!r}, "
            f"in {time.perf_counter() - start:.0f} s; last training losses {', '.join(f'{v:.2f}' for v in losses[-3:])}"
        )
        if not np.all(np.isfinite(losses)):
            raise SystemExit(f"{name}: training produced a non-finite loss")
    print("(NNPE's training loss is noisy by design: single Cauchy draws dominate it. Monitor clean data instead.)")

    rng = np.random.default_rng(7)
    theta = np.array([0.5, -1.0])
    clean = (np.repeat(theta, SENSORS) + 0.3 * rng.normal(size=2 * SENSORS))[None].astype(np.float32)
    outlier = clean.copy()
    outlier[0, 0] += 20.0  # one of the five sensors of theta[0] is broken
    print(f"\nPosterior mean (sd) of theta, true theta = {theta}:")
    for obs_name, x in [("clean observation", clean), ("one sensor off by +20", outlier)]:
        for name, workflow in models.items():
            draws = workflow.sample(num_samples=2000, conditions={"x": x})["theta"][0]
            mean, sd = draws.mean(0), draws.std(0)
            print(
                f"  {obs_name:>22} {name:>4}: "
                + ", ".join(f"{m:+.2f} ({s:.2f})" for m, s in zip(mean, sd, strict=True))
            )


if __name__ == "__main__":
    main()
