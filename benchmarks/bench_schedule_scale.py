"""Lint cost against the numbers in a config: `epochs = 10**12` vs `epochs = 100`.

Every computation must be bounded by the size of the input, not by the numbers in it: the
schedule of a run of 10**12 epochs (7.9e13 optimizer steps) is events in closed form and a
bounded sample, so its lint costs about what a 100-epoch run's does. Each lint runs in a
fresh process; its peak memory comes from the kernel (wait4 ru_maxrss), its time is wall
clock. Both schedulings (per epoch and per optimizer step) are measured, alternating.

Run: ``python benchmarks/bench_schedule_scale.py``. Target: both ratios at most 1.5.

Figures (2 shared cores, load from two other sessions; time, memory ratios):

- numpy schedulers (commit 7a46017): per epoch 0.96, 1.01; per optimizer step 0.96, 1.01
  (100 epochs: 0.46 s, 33 MiB).
- pure-Python schedulers: per epoch 1.00, 1.03; per optimizer step 1.08, 1.03 (100 epochs:
  0.28 s, 18 MiB: numpy was 15 MiB of every lint's memory).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = "experiments/amharic_bpe/after.toml"
ROUNDS = 3
TARGET = 1.5


def lint(epochs: int, after_epoch: bool) -> tuple[float, int]:
    """(seconds, peak resident KiB) of one cold lint process."""
    command = [sys.executable, "-m", "harness", "lint", CONFIG, "--format", "json"]
    for value in (f"epochs={epochs}", "dataset_size=40000", f"scheduler_after_epoch={after_epoch}"):
        command += ["--set", value]
    start = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        sys.exit(f"lint failed: {' '.join(command)}")
    return elapsed, usage.ru_maxrss


def main() -> int:
    ok = True
    for after_epoch in (True, False):
        runs: dict[int, list[tuple[float, int]]] = {100: [], 10**12: []}
        for _ in range(ROUNDS):
            for epochs in runs:
                runs[epochs].append(lint(epochs, after_epoch))
        small, huge = runs[100], runs[10**12]
        time_ratio = statistics.median(t for t, _ in huge) / statistics.median(t for t, _ in small)
        memory_ratio = max(m for _, m in huge) / max(m for _, m in small)
        unit = "epoch" if after_epoch else "optimizer step"
        print(f"scheduler stepped per {unit}:")
        for epochs, measured in runs.items():
            seconds = statistics.median(t for t, _ in measured)
            peak = max(m for _, m in measured) / 1024
            print(f"  epochs {epochs:>15,}: {seconds:.3f} s (median of {ROUNDS}), {peak:.0f} MiB")
        print(f"  ratio 10**12 / 100: time {time_ratio:.2f}, memory {memory_ratio:.2f}")
        ok = ok and time_ratio <= TARGET and memory_ratio <= TARGET
    print(f"{'PASS' if ok else 'FAIL'}  both ratios <= {TARGET}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
