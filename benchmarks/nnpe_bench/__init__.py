"""The robustness benchmark of bayesflow-nnpe: NPE against NNPE on clean and misspecified observations.

One job per module: ``tasks`` (simulators, test sets, exact posteriors), ``variants`` (what is trained),
``config`` (the budgets), ``training``, ``evaluation`` (posterior metrics, the loss anatomy), ``report`` (tables,
targets, CSV and JSON), ``plots`` and ``progress``. ``benchmarks/robustness.py`` is the command-line entry point.
"""
