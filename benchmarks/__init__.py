"""The benchmarks of bayesflow-nnpe, run from the repository root as ``python -m benchmarks.<name>``.

Shared building blocks, which the benchmarks import and which import no benchmark:

- ``simulators``: the tasks, one module each (``gaussian``, ``sensors``, ``sir``, ``cancer``), with their priors,
  clean simulators and misspecifications;
- ``references``: exact answers to compare with (inclusion probabilities by quadrature, exact posteriors) and the
  MCMC baseline;
- ``common``: what every benchmark needs (budgets, seeds, training, metrics, tables, JSON, plots).

The benchmarks, one subpackage each, with a ``__main__`` (``python -m benchmarks.robustness --help``); no benchmark
imports another:

- ``robustness``: NPE against NNPE on contaminated observations, and two traps of NNPE training (``make demo``,
  ``make robustness``);
- ``criticism``: the misspecification critic against exact inclusion probabilities and MCMC (``make criticism``);
- ``published``: Ward et al.'s (2022) published tasks, NPE against NNPE at several slab probabilities and
  ``RobustPosterior`` (``make published``);
- ``robust_posterior``: ``RobustPosterior`` and the joint critic against the exact error-model posterior by
  quadrature (``make robust``);
- ``speed``: throughput and memory of ``NNPE`` against ``bayesflow.augmentations.NNPE`` (``make bench``).

``figures/`` holds the records (JSON, CSV) and figures of the full runs; ``results/`` and ``figures/quick/`` are
written by other runs and not committed.
"""
