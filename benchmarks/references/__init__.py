"""Exact answers that the benchmarks measure trained networks against, and the MCMC baseline.

- ``inclusion``: the exact posterior inclusion probabilities of the spike-and-slab error model by quadrature, the
  target of a misspecification critic (``gaussian`` and ``sensors`` tasks);
- ``posteriors``: exact posteriors of ``gaussian`` and ``sensors`` that know the misspecification (the oracle);
- ``mcmc``: RNPE's per-observation MCMC for the inclusion probabilities, given the exact prior of the summaries.

Everything is numpy and scipy: no module here imports bayesflow, keras or a backend.
"""
