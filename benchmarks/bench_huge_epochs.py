"""`lint` of a run of 10**12 epochs against the same lint of 100 epochs: memory and time.

Target (issue 9): the cost is bounded by the input file, not by the numbers in it, so the
ratio of the two is close to 1 (and the huge run stays under 1 GB). Both are measured in
this one run, alternating, each a fresh process with a dataset size (so the schedule is
placed per step). Without a bounded schedule the huge run fails its memory limit: the
benchmark says so and prints the ratio of what it could measure.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 4 * 1024**3  # the huge run may not take the machine: it is stopped at 4 GiB
ROUNDS = 3


def lint(epochs: int) -> tuple[float, int, int]:
    """(seconds, peak RSS bytes, exit code; -1 for a traceback) of one lint process."""
    argv = [sys.executable, "-m", "harness", "lint", "experiments/amharic_bpe/after.toml"]
    argv += ["--set", f"epochs={epochs}", "--set", "dataset_size=12000", "--format", "json"]

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))

    start = time.perf_counter()
    process = subprocess.Popen(
        argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=limit
    )
    assert process.stderr is not None
    crashed = b"Traceback" in process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    code = -1 if crashed else os.waitstatus_to_exitcode(status)
    return time.perf_counter() - start, usage.ru_maxrss * 1024, code


def main() -> int:
    small, huge = [], []
    for _ in range(ROUNDS):
        small.append(lint(100))
        huge.append(lint(10**12))
    t_small = statistics.median(t for t, _, _ in small)
    t_huge = statistics.median(t for t, _, _ in huge)
    m_small = max(m for _, m, _ in small)
    m_huge = max(m for _, m, _ in huge)
    codes = sorted({c for _, _, c in huge})
    print(f"epochs=100:     {t_small:.2f} s, peak {m_small / 1e6:.0f} MB")
    print(f"epochs=10**12:  {t_huge:.2f} s, peak {m_huge / 1e6:.0f} MB, exit {codes} (-1: crash)")
    print(f"ratio (10**12 / 100): time {t_huge / t_small:.2f}x, memory {m_huge / m_small:.2f}x")
    ok = all(c in (0, 1) for c in codes) and m_huge < 1e9
    print("bounded: yes" if ok else "bounded: NO (the huge run failed or passed 1 GB)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
