"""The public API: the use cases importable from ``harness``, lazily, and the README's
"Use it from Python" example, run as written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import harness

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "TTS", "trainer", "optuna", "numpy", "plotly")


def _python(code: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_import_harness_loads_nothing_heavy_until_a_name_is_used() -> None:
    code = (
        "import sys, harness\n"
        f"heavy = {HEAVY!r}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
        "for name in harness.__all__: getattr(harness, name)\n"
        # resolving every use case imports its module, not what the use case runs
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'TTS', "
        "'trainer', 'optuna')))\n"
    )
    done = _python(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["[]", "[]"]


def test_every_public_name_resolves_to_its_use_case() -> None:
    from harness.app.configs import lint
    from harness.app.reports import build_report
    from harness.plan.load import load_plan

    assert harness.lint is lint and harness.build_report is build_report
    assert harness.load_plan is load_plan
    for name in harness.__all__:
        assert getattr(harness, name) is not None, name
    assert set(harness.__all__) == {"__version__", *harness._API}


def test_an_unknown_name_is_an_attribute_error() -> None:
    try:
        harness.no_such_use_case  # noqa: B018
    except AttributeError as error:
        assert "no_such_use_case" in str(error)
    else:
        raise AssertionError("harness.no_such_use_case resolved")


def test_a_use_case_returns_what_the_command_prints_and_exits_with() -> None:
    from harness.cli import main

    result = harness.lint(["experiments/amharic_bpe/after.toml"])
    assert "S101" in {f.code for f in result.findings}
    assert result.exit_code == main(
        ["lint", "experiments/amharic_bpe/after.toml", "-o", os.devnull]
    )


def test_the_readme_python_example_runs_as_written() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"## Use it from Python\n.*?```python\n(.*?)```", readme, re.S)
    assert found, "README.md lost its 'Use it from Python' example"
    done = _python(found.group(1))
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert "error S101 lr_scheduler_params.milestones" in lines  # the headline hazard
    assert "exit code: 1" in lines
    assert any(line.endswith("samples kept") for line in lines)
