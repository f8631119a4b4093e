"""Benchmarks: optic_ad against a hand-written numpy gradient and autograd.

Run ``python -m bench`` (``--quick`` for a run under a minute). Every workload is timed
for each implementation in one process, interleaved in shuffled order each round, with
the cyclic GC off inside timed blocks and inner loops calibrated to a fixed block length;
medians and minima over rounds are reported. Before timing, every gradient is checked
against the others (to 1e-8) and the hand-written ones against finite differences.
Results go to ``bench/results.json``; ``python -m bench.chart`` draws them.
"""

import os

# The peers' figures were measured on one thread: keep BLAS single-threaded (this must
# happen before numpy is first imported, which is why it lives in the package's __init__).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
