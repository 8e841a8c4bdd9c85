"""How torch's CPU threads wait: passively, so a trial keeps its speed on a shared machine.

torch's CPU kernels run on an OpenMP pool whose idle threads spin between parallel
regions by default. When the cores are shared (other workers, other jobs, a CI runner), a
spinning thread holds a core the thread it waits for needs, and a trial step of the
miniature model measured 1.3 times slower at a load average of 4 and 5 to 15 times
slower at 6 to 11 on 2 cores (benchmarks/bench_threads.py). The OpenMP
runtime reads ``OMP_WAIT_POLICY`` once, when torch loads it, so this must run before the
first ``import torch`` of the process; spawned workers inherit the environment.
"""

from __future__ import annotations

import os

WAIT_POLICY = "OMP_WAIT_POLICY"


def prefer_passive_waiting() -> None:
    """Idle OpenMP threads sleep instead of spinning, unless the user chose a policy."""
    os.environ.setdefault(WAIT_POLICY, "PASSIVE")
