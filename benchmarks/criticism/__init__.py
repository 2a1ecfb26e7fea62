"""Amortized model criticism: MisspecificationCritic against the exact posterior inclusion probabilities and MCMC.

For each task (``gaussian``: Ward et al.'s, independent summaries; ``sensors``: two blocks of 5 redundant sensors,
dependent summaries) and each prior slab probability rho in {0.5, 0.2}, trains ``MisspecificationCritic`` with its
DEFAULT settings (only ``seed`` and ``slab_probability`` set; 50,000 clean simulations) and measures, against the
exact ``P(z_j = 1 | y)`` of ``references.inclusion`` computed with the critic's own ``summary_mean`` and
``summary_std``:

- the mean absolute error on clean observations (target <= 0.02) and on contaminated ones (the error model with the
  same rho; target <= 0.04), the binary cross-entropy against the Bayes floor, and a reliability diagram of the
  predictions (and of the exact values) against the observed slab indicators;
- a 15 and a 20 clean-sd outlier on one summary: the probability for that summary (target: minimum >= 0.98);
- Ward et al.'s example: the Gaussian task observed with variance 2 (they report about 0.5 for the mean and 0.97
  for the variance); for the sensors, one sensor off by 0 to 20 sds, next to the answer from each summary alone;
- cost: training, predicting 10,000 observations (first call and warm), the exact quadrature, and a per-observation
  MCMC baseline (``references.mcmc``: Metropolis-within-Gibbs over (x, z) with the EXACT prior of x) at Ward et
  al.'s chain length, checked against the exact values on a few observations.

    python -m benchmarks.criticism          # full: about 15 min on 2 shared CPU cores (make criticism)
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
