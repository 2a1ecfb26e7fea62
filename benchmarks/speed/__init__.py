"""Throughput and peak memory of bayesflow_nnpe.NNPE against bayesflow.augmentations.NNPE.

Both run interleaved in one process on the same float32 batches (repeat r times: upstream, ours), so machine
load affects both alike. Reports the median time per call, the ratio upstream/ours (above 1: ours is faster)
and the peak memory a call allocates (tracemalloc, which sees numpy's allocations), next to the output size.
A last table times the options of our noise core against its default path, interleaved the same way: a slab
probability other than 1/2 (one more random word per element) and returning the slab indicators.

    make bench            # or: python -m benchmarks.speed [--repeats N] [--json PATH]

Modules: ``timing`` (interleaved timing, peak memory) and ``cli`` (the tables; ``__main__`` runs it).
"""
