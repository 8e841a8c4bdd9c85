"""nox sessions: tests, quick, lint, demo, bench. `nox -s tests` is what CI runs."""

from __future__ import annotations

import os
from pathlib import Path

import nox

nox.options.sessions = ["lint", "tests"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = "3.11"
AMHARIC = "experiments/amharic_bpe"
DEMO_REPORT = "reports/demo"
# The XTTS v2 release vocab, vendored with its provenance and licence note (SOURCE.md there).
RELEASE_VOCAB = "harness/data/xtts_v2/vocab.json"
DEMO_STORAGE = f"{DEMO_REPORT}/ablation.db"  # `xtts-harness results --storage` reads it


def _workers() -> int:
    """The cores this process may use: its CPU affinity, within a cgroup quota (a container
    can see more CPUs than it gets), at most 8 (a worker that imports torch holds 1-2 GB)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()
        if quota != "max":
            cores = min(cores or 1, max(1, int(quota) // int(period)))
    except (OSError, ValueError):
        pass
    return max(1, min(cores or 1, 8))


# One worker per core (pytest-xdist); a test file stays on one worker, so the fixtures a
# file shares (a completed study, a trained run folder, a browser) are built once. The
# full-size GPU test needs a GPU: `pytest -m gpu` where there is one.
PARALLEL = ["--numprocesses", str(_workers()), "--dist", "loadfile"]


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The test suite, with the ablate extra (real Coqui trainer on CPU)."""
    session.install("-e", ".[ablate,dev]")
    args = session.posargs or ["-ra", "--durations=15"]
    session.run("pytest", *PARALLEL, "-m", "not gpu", *args, env={"PYTHONHASHSEED": "0"})


# The inner loop: every test that needs neither torch nor a browser nor PostgreSQL, and not
# the ablation and check-run tests (they drive the real trainer or real worker processes,
# and need torch to be collected at all).
QUICK = [
    "-m",
    "not ablate and not browser and not postgres and not slow and not gpu",
    "--ignore-glob=tests/test_ablate_*.py",
    "--ignore=tests/test_check_run.py",
]


@nox.session(python=PYTHON)
def quick(session: nox.Session) -> None:
    """The torch-free tests, under a minute: core and dev extras only (no torch)."""
    session.install("-e", ".[dev]")
    args = session.posargs or ["-q", "--durations=5"]
    # The property tests run 10 examples each here (40 to 200 in `nox -s tests`).
    env = {"PYTHONHASHSEED": "0", "XTTS_HARNESS_FUZZ_EXAMPLES": "10"}
    session.run("pytest", *PARALLEL, *QUICK, *args, env=env)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff lint and format check; mypy on harness/ (configured in pyproject.toml)."""
    session.install("-e", ".[dev]")
    session.run("ruff", "check", "harness", "tests", "benchmarks", "noxfile.py")
    session.run("ruff", "format", "--check", "harness", "tests", "benchmarks", "noxfile.py")
    session.run("mypy")


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """The Amharic case end to end: config audit, dataset audit, ablation, HTML report."""
    session.install("-e", ".[ablate]")
    findings = [0, 1]  # exit 1 means "hazards found": the demo shows them, it does not stop
    for candidate in ("before", "after"):
        session.run("xtts-harness", "lint", f"{AMHARIC}/{candidate}.toml", success_codes=findings)
    session.run(
        "xtts-harness",
        "diff",
        "gokhaneraslan-head",
        f"{AMHARIC}/before.toml",
        f"{AMHARIC}/after.toml",
    )
    session.run(
        "xtts-harness",
        "schedule",
        f"{AMHARIC}/before.toml",
        f"{AMHARIC}/after.toml",
    )
    # The stock vocab and tokenizer drop every Amharic sample; the extended vocab with an
    # am-aware tokenizer (as the Amharic fork has) keeps them.
    data = ["--dataset", f"{AMHARIC}/data"]
    extended = ["--vocab", f"{AMHARIC}/vocab_am.json", "--tokenizer", "passthrough"]
    session.run(
        "xtts-harness",
        "vocab-check",
        RELEASE_VOCAB,
        f"{AMHARIC}/vocab_am.json",
        *data,
        "--language",
        "am",
        "--tokenizer",
        "passthrough",
        success_codes=findings,
    )
    for vocab_args in (["--vocab", RELEASE_VOCAB, "--tokenizer", "stock"], extended):
        session.run(
            "xtts-harness",
            "audit",
            f"{AMHARIC}/after.toml",
            *data,
            *vocab_args,
            success_codes=findings,
        )
    os.makedirs(DEMO_REPORT, exist_ok=True)
    # The 2x2 (EMA x warmup, 3 seeds) fine-tunes the shipped miniature release
    # (experiments/miniature_release; `xtts-harness ablate build-base` rebuilds it).
    storage = ["--storage", DEMO_STORAGE]
    session.run("xtts-harness", "ablate", f"{AMHARIC}/ablation.toml", *storage, "--resume")
    session.run("xtts-harness", "results", *storage)
    session.run(
        "xtts-harness",
        "report",
        "--baseline",
        "gokhaneraslan-head",
        f"{AMHARIC}/before.toml",
        f"{AMHARIC}/after.toml",
        "--dataset",
        f"{AMHARIC}/data",
        "--vocab",
        f"{AMHARIC}/vocab_am.json",
        "--tokenizer",
        "passthrough",
        *storage,
        "-o",
        f"{DEMO_REPORT}/index.html",
        "--markdown",
        f"{DEMO_REPORT}/summary.md",
        success_codes=findings,
    )
    # The report command ends by printing the verdict (top findings per config, the
    # ablation verdicts) and where the report is: the demo's last lines.


@nox.session(python=PYTHON)
def gpu(session: nox.Session) -> None:
    """The full-scale GPU check: XTTS v2's GPT at the release dimensions, batch 4/8/16 in
    fp32 and bf16 (under 8 minutes on one H100/H200). Pass --config RELEASE/config.json."""
    session.install("-e", ".[ablate]")
    args = session.posargs or []
    session.run("python", "benchmarks/gpu_check.py", "--out", "benchmarks/gpu_check.json", *args)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks: each prints ratios measured in one run against a named alternative."""
    session.install("-e", ".[ablate,dev,bench]")
    scripts = session.posargs or sorted(
        f"benchmarks/{name}" for name in os.listdir("benchmarks") if name.startswith("bench_")
    )
    for script in scripts:
        session.run("python", script)
