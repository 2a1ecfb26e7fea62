"""Amortized model criticism: MisspecificationCritic against the exact posterior inclusion probabilities and MCMC.

For each task (``gaussian``: Ward et al.'s, independent summaries; ``sensors``: two blocks of 5 redundant sensors,
dependent summaries), trains ONE ``MisspecificationCritic`` with its DEFAULT settings (only ``seed`` set; 50,000 clean
simulations; it learns the joint ``p(z | y)`` under its mixture prior ``rho ~ U(0, 1)``) and evaluates it at each
prior slab probability rho in {0.5, 0.2, 0.05, 0.02} through ``slab_probability=rho``, with no retraining. At each rho
it measures, against the exact ``P(z_j = 1 | y)`` of ``references.inclusion`` at the same rho, computed with the
critic's own ``summary_mean`` and ``summary_std``:

- the mean absolute error on clean observations (target <= 0.02) and on contaminated ones (the error model at that
  rho; target <= 0.04), the binary cross-entropy against the Bayes floor, and a reliability diagram of the
  predictions (and of the exact values) against the observed slab indicators;
- a 15 and a 20 clean-sd outlier on one summary: the probability for that summary (target: minimum >= 0.98);
- Ward et al.'s example: the Gaussian task observed with variance 2 (they report about 0.5 for the mean and 0.97
  for the variance, at rho 0.5); for the sensors, one sensor off by 0 to 20 sds, next to the answer from each
  summary alone;
- the joint (``sensors``, d = 10): the mean total variation between the critic's ``pattern_probabilities`` over all
  1024 patterns and the exact joint (``references.error_model.SensorBlocks``), on clean observations and on
  observations with one sensor 15 sds off; beside it, the total variation of the product of the critic's marginals
  and of the product of the exact marginals (how far the indicators are from independent given y);
- cost: training (once per task), predicting 10,000 observations (first call and warm), the exact quadrature, and a
  per-observation MCMC baseline (``references.mcmc``: Metropolis-within-Gibbs over (x, z) with the EXACT prior of x)
  at Ward et al.'s chain length, checked against the exact values on a few observations per rho.

    python -m benchmarks.criticism          # full: 12-14 min on 2 busy CPU cores (make criticism)
    python -m benchmarks.criticism --quick  # a demonstration with small budgets (targets not graded)
    python -m benchmarks.criticism --out /tmp/criticism --tasks sensors
    python -m benchmarks.criticism --replot # redraw the figures from criticism.json

Outputs (``benchmarks/figures/``, or ``benchmarks/figures/quick/`` with ``--quick``, or ``--out DIR``):
``criticism.json`` (configuration, environment, every figure, the targets), ``criticism_reliability.png``,
``criticism_ward.png`` (Ward-style bar charts) and ``criticism_sensors_sweep.png``.

Modules: ``observations`` (the tasks and their observation sets), ``config`` (the budgets), ``evaluation`` (what
is measured of a critic, and the MCMC baseline), ``report`` (targets and tables), ``plots``, ``run`` (one run) and
``cli`` (the command line; ``__main__`` runs it).
"""
