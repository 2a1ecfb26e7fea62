"""The published tasks: NPE, NNPE (rho 0.5, 0.1) and the robust posterior on Ward et al.'s (2022) tasks and ours,
next to their numbers.

Per task (``gaussian``, ``sir``, ``cs`` from Ward et al.; ``sensors`` ours) and training seed, one set of clean
simulations trains every variant identically (README recipe 1: fixed z-scoring of the summaries with clean
statistics in the adapter; NNPE adds ``augmentations={"x": NNPE.from_simulations(train["x"], slab_probability=rho,
seed=seed)}``, fresh noise every batch; NPE is the same without it; ``standardize="inference_variables"``). Each is
evaluated on fixed clean and misspecified observations (common random numbers: the misspecified observation ``i``
is the clean one with the misspecification applied): Ward et al.'s posterior-mean MSE in standardized theta, the
coverage of central 90% intervals, the log density of the true theta and the posterior SD. One misspecification
critic per task (``MisspecificationCritic``, slab_probability 0.5, on the clean simulations of seed 0) says which
summaries are off; on seed 0, NPE is trained once more without the summaries it flags (criticism-guided NPE).

The robust posterior (``bayesflow_nnpe.RobustPosterior``): per seed, one more network with NPE's budget whose
conditions are the mapped z-scores and the slab indicators, trained with ``NNPE.from_simulations(train["x"],
slab_probability="uniform", seed=seed).with_indicators("x", into="x_slab", clean_fraction=0.5)`` (half the samples
with no slab; validation data clean, indicators zero); per task, a critic at the package's defaults on the clean
simulations of seed 0 (not the criticism table's critic, which trains smaller and shorter). It is evaluated at rho
0.5, at rho 0.1 and at rho estimated per summary on each set of 500 observations
(``critic.estimate_slab_probability``), each a ``summary`` record with ``variant`` "RobustPosterior" and ``rho``
0.5, 0.1 or "estimated"; its sampling time for the 500 misspecified observations x 1,000 draws is measured against
NPE's approximator in the same process (``robust.tasks[task].cost``). On the sensors task, NNPE's error model has
an exact posterior (quadrature, ``references.error_model``): its metrics at rho 0, 0.5, 0.1 and the estimated rho
are in ``robust.tasks.sensors.exact``, the target that NNPE and the robust posterior both approximate. NNPE at
rho 0.2 is no longer run by default (``--rhos 0.5 0.2 0.1`` brings it back), to keep the full run short.

    python -m benchmarks.published            # full mode (make published; its time is in published.json)
    python -m benchmarks.published --quick    # a demonstration: 1 seed, NNPE rho = 0.5 only, tiny budget (CI)
    python -m benchmarks.published --tasks sir cs --seeds 1 --out /tmp/published
    python -m benchmarks.published --tasks sir --seeds 1 --rhos 0.5 --epochs 75 --depth 6 --width 128 --out DIR

Outputs (in ``benchmarks/figures/``, or ``benchmarks/figures/quick/`` with ``--quick``, or ``--out DIR``):
``published.json`` (configuration, environment, machine load, every run, the summary, the table next to Ward's,
the targets, the price of robustness, the critics; under ``robust``: the robust posterior's critics, estimated rho,
sampling cost and trade-off points) and the figures ``published_tradeoff_<task>.png``,
``published_mse.png`` and ``published_critic.png``.

Modules: ``tasks`` (the four tasks behind one interface, their observations, Ward et al.'s numbers), ``config``
(variants and budgets), ``training``, ``evaluation`` (metrics, the critic), ``report`` (summary, trade-off,
targets, tables), ``plots``, ``run`` (one run) and ``cli`` (the command line; ``__main__`` runs it). The targets are
graded by full runs only.
"""
