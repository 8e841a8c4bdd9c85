"""Shared test set-up.

Under CI (CI=true) a skipped test fails: CI installs everything (torch, coqui-tts, chromium,
postgresql), so a skip there means a missing install step, not an optional extra. Tests
that may legitimately skip in CI (they need a GPU) carry the ``gpu`` marker.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.ablate.threads import prefer_passive_waiting

# Before any test imports torch: its OpenMP threads sleep rather than spin while they wait,
# which on a shared 2-core machine makes a trial step several times faster.
prefer_passive_waiting()

ROOT = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and item.get_closest_marker("gpu") is None:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped under CI, where every dependency is installed: {reason}"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def xtts_release_dir() -> Path:
    """The real XTTS v2 vocab.json and config.json, vendored in harness/data/xtts_v2."""
    from harness.release import RELEASE_DIR

    return RELEASE_DIR


@pytest.fixture(scope="session")
def small_study(tmp_path_factory) -> str:
    """The storage URL of one completed real ablation study (the miniature release, on a
    legacy-format copy, fine-tuned on the Amharic demo data by two workers: 2 arms x 2 seeds
    x 4 steps, both objectives), shared by every test that only reads a study and by the
    legacy-format test. See tests/ablate_fixtures.py."""
    pytest.importorskip("TTS")
    from ablate_fixtures import run_small_study

    return run_small_study(tmp_path_factory.mktemp("small-study"))
