"""A run of 10**12 epochs costs lint what a run of 100 does: the schedule's memory and time
are bounded by the config file, not by the numbers in it."""

from __future__ import annotations

from pathlib import Path

import pytest
from bounded_cli import run_measured

ROOT = Path(__file__).resolve().parents[1]
AFTER = "experiments/amharic_bpe/after.toml"
LIMIT = 1024**3  # the bound: at most 1 GB for any input under 10 MB


@pytest.mark.parametrize("command", ["lint", "schedule"])
def test_lint_of_a_huge_run_stays_within_a_memory_bound(command: str) -> None:
    argv = [command, AFTER, "--set", "epochs=1000000000000", "--set", "dataset_size=12000"]
    done = run_measured(argv, ROOT, memory_limit=LIMIT)
    assert "Traceback" not in done["stderr"], done["stderr"][-2000:]
    assert done["rc"] in (0, 1), done["stderr"][-2000:]
    assert done["peak_bytes"] < LIMIT
