import os
import sys
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")

# The benchmark package (benchmarks/nnpe_bench) holds the tasks and exact references that some tests pin down.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
