"""Whole tabulations of a 1M-step run in pure Python vs numpy (its import and its
vectorized computation of the same curve).

A run of up to ``TABULATE_LIMIT`` (1M) scheduler steps is tabulated whole, exactly as torch
steps it; the lint path does it without numpy. This measures what that costs against what
numpy costs for the same curve: a cold ``import numpy`` (fresh processes, ``python -c
"import numpy"`` minus ``python -c pass``, medians) plus the vectorized computation (what
the package did with numpy: ``np.repeat`` of the segment values; ``1 + np.cos``, the ratios
and ``np.cumprod``). Both must give the same values, bit for bit.

Run: ``python benchmarks/bench_tabulate.py``. Target: a piecewise-constant curve (MultiStepLR,
the XTTS recipes' scheduler) costs at most what numpy does (ratio <= 1). A smooth one
(CosineAnnealingLR stepped per optimizer step) is reported with the run length from which
pure Python costs more than numpy would.

Figures (2 shared cores, load average about 2 from two other sessions; medians of 5):

- cold ``import numpy``: 196 ms.
- MultiStepLR, 1M steps: pure Python 2.4 ms (block copies) vs numpy 0.4 ms + the import:
  ratio 0.01.
- CosineAnnealingLR, 1M steps: pure Python 410 ms (about 0.4 us a step) vs numpy 30 ms +
  the import: ratio 1.8. numpy's import is worth about 500k steps of pure Python, so a
  smooth per-step curve of fewer steps lints faster without numpy; at 1M it costs 0.2 s
  more. ``TABULATE_LIMIT`` stays 1M (runcheck compares every logged step with it).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np

from harness.plan.model import SchedulerSpec
from harness.schedule import TABULATE_LIMIT, lr_curve

N = TABULATE_LIMIT
BASE_LR = 5e-06
MILESTONES = [50_000, 150_000, 300_000]
GAMMA = 0.5
ROUNDS = 5


def numpy_import_seconds() -> float:
    """Median cost of ``import numpy`` in a fresh process, over that of an empty one."""
    bare, loaded = [], []
    for _ in range(ROUNDS + 2):
        for code, times in (("pass", bare), ("import numpy", loaded)):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True)
            times.append(time.perf_counter() - start)
    return statistics.median(loaded) - statistics.median(bare)


def median_seconds(work: Callable[[], object]) -> float:
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def numpy_multistep(n: int) -> np.ndarray:
    values = np.cumprod(np.array([BASE_LR] + [GAMMA] * len(MILESTONES)))
    return np.repeat(values, np.diff([0, *MILESTONES, n]))


def numpy_cosine(n: int) -> np.ndarray:
    """CosineAnnealingLR(T_max = n), eta_min 0: no restart within the run."""
    q = 1 + np.cos(np.pi * np.arange(n) / n)
    return np.cumprod(np.concatenate([[BASE_LR], q[1:] / q[:-1]]))


def compare(name: str, spec: SchedulerSpec, vectorized: Callable[[int], np.ndarray],
            imported: float) -> float:  # fmt: skip
    ours = np.asarray(lr_curve(spec, N))
    if not np.array_equal(ours, vectorized(N)):
        sys.exit(f"{name}: pure Python and numpy differ")
    pure = median_seconds(lambda: lr_curve(spec, N))
    small = median_seconds(lambda: lr_curve(spec, N // 10))
    computed = median_seconds(lambda: vectorized(N))
    ratio = pure / (computed + imported)
    print(f"{name}, {N:,} steps (the same values bit for bit):")
    print(f"  pure Python {pure * 1e3:.1f} ms ({N // 10:,} steps: {small * 1e3:.1f} ms)")
    print(f"  numpy {computed * 1e3:.1f} ms + {imported * 1e3:.0f} ms import: ratio {ratio:.2f}")
    per_step = (pure - small) / (N - N // 10)  # a smooth curve costs per step
    if name == "CosineAnnealingLR" and per_step > computed / N:
        even = imported / (per_step - computed / N)
        print(f"  pure Python costs more than numpy from about {even:,.0f} steps on")
    return ratio


def main() -> int:
    imported = numpy_import_seconds()
    print(f"cold import numpy: {imported * 1e3:.0f} ms (median of {ROUNDS + 2} processes)")
    multistep = SchedulerSpec(
        "MultiStepLR", {"milestones": MILESTONES, "gamma": GAMMA}, False, BASE_LR
    )
    cosine = SchedulerSpec("CosineAnnealingLR", {"T_max": N}, False, BASE_LR)
    ratio = compare("MultiStepLR", multistep, numpy_multistep, imported)
    compare("CosineAnnealingLR", cosine, numpy_cosine, imported)
    ok = ratio <= 1
    print(f"{'PASS' if ok else 'FAIL'}  MultiStepLR ratio <= 1")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
