"""The benchmark tasks, one module each: a prior, a clean simulator and the task's misspecification.

- ``gaussian``: Ward et al.'s (2022) Gaussian task (sample mean and variance of 100 draws; misspecified: a larger
  variance of the draws);
- ``sensors``: ours, two blocks of five redundant sensors (misspecified: one sensor with an outlier);
- ``sir``: Ward et al.'s SIR epidemic (misspecified: weekend under-reporting);
- ``cancer``: Ward et al.'s cancer-stromal cells (``cs``; misspecified: necrosis).

Each module names its parameters and summaries (``PARAM_NAMES``, ``SUMMARY_NAMES``), gives the exact moments of its
prior (``PRIOR_MEAN``, ``PRIOR_SD``) and draws from it (``sample_prior``). Everything is numpy: no module here
imports bayesflow, keras or a backend.
"""
