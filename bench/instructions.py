"""Instruction counts of the workloads under valgrind's callgrind: deterministic ratios.

Wall-clock medians on a shared machine drift by tens of percent from run to run; the
number of instructions a call executes does not. For each workload given (default: W5
and W6) and each of its implementations, this runs ``valgrind --tool=callgrind`` on a
fresh Python twice, once calling the implementation ``N`` times and once not at all, and
reports the difference per call and its ratio to the workload's baseline. Instructions
are not time (memory traffic is not counted), so this complements ``python -m bench``
rather than replacing it.

Usage: ``python -m bench.instructions [--calls N] [W5 W6 ...]`` (needs valgrind).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

CHILD = """
import sys
from bench import workloads
key, impl, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
ws, _ = workloads.all_workloads()
fn = next(w for w in ws if w.key == key).timed[impl]
fn()
for _ in range(n):
    fn()
"""


def count(key: str, impl: str, calls: int) -> int:
    """Instructions executed by a Python process calling ``impl`` of ``key`` ``calls`` times."""
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "cg.out")
        env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
        proc = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={out}",
                sys.executable,
                "-c",
                CHILD,
                key,
                impl,
                str(calls),
            ],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
    m = re.search(r"Collected : (\d+)", proc.stderr)
    if m is None:
        msg = f"no instruction count in valgrind's output:\n{proc.stderr[-2000:]}"
        raise RuntimeError(msg)
    return int(m.group(1))


def main(argv: list[str] | None = None) -> int:
    """Print instructions per call and ratios to the baseline for each workload."""
    p = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__)
    p.add_argument("keys", nargs="*", default=["W5", "W6"])
    p.add_argument("--calls", type=int, default=40)
    args = p.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("valgrind is not installed")
        return 1
    from bench import workloads

    ws = {w.key: w for w in workloads.all_workloads()[0]}
    for key in args.keys:
        w = ws[key]
        impls = [name for name in w.timed if name != "base"]
        per_call: dict[str, float] = {}
        for impl in ["base", *impls]:
            if impl in per_call:
                continue
            n0 = count(key, impl, 0)
            n1 = count(key, impl, args.calls)
            per_call[impl] = (n1 - n0) / args.calls
        base = per_call["base"]
        print(f"{key}: {w.title}")
        for impl in impls:
            print(
                f"  {impl:10s} {per_call[impl] / 1e6:8.2f} M instructions/call  "
                f"{per_call[impl] / base:6.3f}x base"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
