"""Trials keep their speed on a shared machine: torch's OpenMP threads wait passively."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PROBE = "import os, harness.ablate; print(os.environ.get('OMP_WAIT_POLICY'))"


def _policy_after_import(**env: str) -> str:
    base = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    base["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**base, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_the_ablate_package_sets_passive_waiting_before_torch_loads() -> None:
    assert _policy_after_import() == "PASSIVE"


def test_a_policy_the_user_chose_is_kept() -> None:
    assert _policy_after_import(OMP_WAIT_POLICY="ACTIVE") == "ACTIVE"


def test_importing_the_ablate_package_does_not_load_torch() -> None:
    probe = "import sys, harness.ablate; print('torch' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "False"


@pytest.mark.ablate
def test_torch_runs_its_cpu_kernels_on_openmp_which_reads_the_policy() -> None:
    """The library fact the setting relies on: ATen's parallel backend is OpenMP."""
    torch = pytest.importorskip("torch")
    assert "ATen parallel backend: OpenMP" in torch.__config__.parallel_info()
