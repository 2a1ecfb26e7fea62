"""Robust posteriors at NPE's price: ``RobustPosterior`` against the exact error-model posterior, by quadrature.

On blocks of redundant sensors (``references.error_model``: theta_b ~ N(0, 1), each sensor of block b reads theta_b
with noise 0.3; ``sensors6``: 2 blocks of 3 sensors, d = 6; ``sensors``: 2 blocks of 5, d = 10), NNPE's error model
has an exact posterior: every quantity is a 1-D integral over theta_b. For each task and training seed the benchmark
trains, at the same budget (``common.config.TrainingBudget``; both read the z-scores through ``arcsinh``):

- NPE, on clean simulations;
- the indicator-conditioned posterior network, on NNPE noise with ``slab_probability="uniform"`` and its slab
  indicators as conditions (``NNPE.with_indicators``);
- ``MisspecificationCritic`` with its defaults (50,000 clean simulations);

joins the last two into ``RobustPosterior`` and measures, on 400 clean observations and 400 with one reading 15
clean-summary sds off:

- at rho = 0.1 and 0.5, and at rho estimated on each set: the posterior mean's distance to the exact one (in exact
  posterior sds; target <= 0.2 on average), the RMSE against the exact posterior's (target <= 1.1x) and the 90%
  coverage against the exact posterior's (target: within 0.03);
- at rho = 0 on clean observations: the RMSE against NPE's (target <= 1.05x);
- the joint critic: the total variation between its joint over all patterns of z and the exact joint at rho = 0.02,
  0.1 and 0.5 (target <= 0.03 on ``sensors6``), beside the product of its marginals and of the exact marginals;
- empirical Bayes (``estimate_slab_probability``): on clean observations (target: rho-hat <= 0.02), on a set where
  half the observations have one summary drawn from the error model's slab (target: the scalar rho-hat within 30%
  of the true rate, 1 / (2 d)), and on a set where a fifth of the observations have one reading 15 sds off, next to
  the exact empirical Bayes by quadrature (whose rho is not that fraction: see the report);
- cost: sampling 500 observations x 1,000 draws, against the approximator's own (target <= 3x);
- the design of the critic's training prior (first seed): the same critic trained at a fixed rho = 0.5.

    python -m benchmarks.robust_posterior          # full (make robust)
    python -m benchmarks.robust_posterior --quick  # a demonstration with small budgets (targets not graded)

Outputs (``benchmarks/figures/``, or ``benchmarks/figures/quick/`` with ``--quick``, or ``--out DIR``):
``robust_posterior.json`` (configuration, environment, every figure, the targets) and
``robust_posterior_sensitivity.png`` (one observation's posterior as rho goes from 0 to 1, against the exact one).

Modules: ``config`` (the budgets), ``tasks`` (the sensor tasks and their observation sets), ``training`` (the three
networks), ``evaluation`` (what is measured), ``report`` (targets and tables), ``plots``, ``run`` and ``cli``.
"""
