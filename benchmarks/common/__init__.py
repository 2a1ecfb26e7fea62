"""What the benchmarks share: one implementation each.

- ``config``: the training budget (frozen dataclasses are the one configuration style of the benchmarks);
- ``seeds``: the seeds and random generators of every task;
- ``zscore``: the fixed z-scoring statistics of clean simulations;
- ``training``: the workflow's network, the fit, the approximator of a workflow, the JAX compilation cache;
- ``metrics``: posterior metrics and log densities, summaries over seeds;
- ``criticism``: the misspecification critic's probabilities and bar chart;
- ``targets``: acceptance targets, and their grading (full runs only);
- ``tables``: plain-text tables; ``io``: strict JSON and the environment of a run; ``plotting``: matplotlib;
- ``progress``: silences bayesflow's sampling progress bars.
"""
