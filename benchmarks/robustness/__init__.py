"""Robustness of NPE and NNPE posteriors to misspecified observations, with the two traps of NNPE training.

Trains, identically (same simulations, network, epochs, optimizer and seeds), three posterior estimators per task:

- ``NPE``: no noise. The adapter z-scores the summaries with FIXED mean and std of the clean training simulations.
- ``NNPE``: Ward et al.'s (2022) recipe: the same fixed z-scoring, then ``NNPETransform("x", spike_scale=0.01,
  slab_scale=0.25, per_dimension=False)`` appended to the adapter: spike-and-slab noise on training batches only.
- ``NNPE+std=all`` (trap 1): ``BasicWorkflow(standardize="all")`` lets the approximator z-score the conditions
  with running statistics, while ``augmentations={"x": NNPE()}`` (automatic per-dimension scales) noises the raw
  summaries, so the running statistics are learned from Cauchy-contaminated batches. bayesflow_nnpe warns about
  exactly this setup; the warning printed for this variant is expected.

An ``oracle`` row gives the exact posterior that knows the contamination (conjugate Normal): a floor for the RMSE.
In full mode, an ablation also trains the NNPE recipe with slab scales 0.02, 0.05 and 0.1 (seed 0).

Tasks:

- ``gaussian`` (Ward et al., 2022): theta ~ N(0, 5^2); 100 draws x_i ~ N(theta, 1); summaries: sample mean and
  sample variance. Misspecified observations draw x_i ~ N(theta, v) with v in {1, 1.5, 2, 3}; v = 2 is Ward's.
  BayesFlow's CouplingFlow needs two inference variables, so an independent N(0, 1) dummy is appended to theta and
  integrated out of the reported log densities.
- ``sensors``: theta ~ N(0, I_2); each coordinate read by 5 sensors, x = repeat(theta, 5) + 0.3 * noise (10
  summaries). At test time ONE random sensor gets an outlier of s clean-summary standard deviations,
  s in {0, 2, 5, 10, 20}. The other 4 sensors of that coordinate still carry its information.

Per method and contamination level: RMSE and MSE of the posterior mean, coverage of central 90% intervals, mean log
posterior density of the true parameter (``approximator.log_prob``) and mean posterior SD, all in units of the prior
SD of theta (theta / 5 for ``gaussian``, theta for ``sensors``), plus training time. Over seeds: mean, min and max.
Test observations come from fixed numpy Generators and are the same for every method and seed (and, with common
random numbers, at every contamination level). Trap 2 (the loss): per-epoch training loss, keras ``val_loss`` (the
validation batches go through the adapter, so they are noisy for ``NNPE``) and a clean validation loss computed by
a callback on clean held-out simulations; after training, the NLL of clean held-out data with and without noise.

    python -m benchmarks.robustness          # full: 3 seeds, 14-21 min on 2 busy CPU cores (make robustness)
    python -m benchmarks.robustness --quick  # a demonstration: 1 seed, small budget (make demo; see --help)
    python -m benchmarks.robustness --seeds 5 --out /tmp/robustness --no-ablation --tasks sensors

Outputs (in ``benchmarks/figures/``, or ``benchmarks/figures/quick/`` with ``--quick``, or ``--out DIR``):
``robustness.json`` (configuration, every run, the summary, targets and trap measurements), ``robustness.csv``
(the summary table), ``robustness_sweep.png`` (RMSE and coverage against contamination), ``posterior_example.png``
(posteriors of the three methods for one misspecified observation per task), ``loss_curves.png`` (trap 2) and
``running_std.png`` (trap 1).

Modules: ``tasks`` (the two tasks' levels, test sets and oracle), ``variants`` (what is trained), ``config`` (the
budgets), ``training``, ``evaluation`` (posterior metrics, the loss anatomy), ``report`` (tables, targets, CSV and
JSON), ``plots``, ``run`` (one run) and ``cli`` (the command line; ``__main__`` runs it). The targets are graded by
full runs only: a quick run is a demonstration.
"""
