"""The command line as a user and a CI job meet it: exit codes, one-line errors, JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
AFTER = "experiments/amharic_bpe/after.toml"
BEFORE = "experiments/amharic_bpe/before.toml"


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", *args], cwd=cwd, capture_output=True, text=True
    )


def test_lint_json_reports_the_never_firing_milestones_with_a_fix():
    done = cli("lint", AFTER, "--format", "json")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    s101 = [f for f in report["findings"] if f["code"] == "S101"]
    assert len(s101) == 1
    finding = s101[0]
    assert finding["severity"] == "error"
    assert finding["key"] == "lr_scheduler_params.milestones"
    assert finding["file"].endswith("after.toml") and isinstance(finding["line"], int)
    assert "[50000, 150000, 300000]" in finding["message"]
    assert "100 epochs" in finding["message"]
    assert "scheduler_after_epoch" in finding["fix"]
    for item in report["findings"]:
        assert {"code", "name", "severity", "message", "key", "file", "line", "fix"} <= set(item)
        assert item["severity"] in {"error", "warning", "info"}


def test_lint_before_candidate_shows_the_lr_at_an_eighth_by_epoch_three():
    done = cli("lint", BEFORE, "--format", "json", "--fail-on", "warning")
    assert done.returncode == 1
    messages = [f["message"] for f in json.loads(done.stdout)["findings"]]
    assert any("1/8" in m and "epoch 3 of 100" in m for m in messages), messages


def test_fail_on_threshold_decides_the_exit_code():
    # The after candidate has errors; ignoring every error-level rule it has leaves
    # only lower severities, so --fail-on error passes and --fail-on info fails.
    errors = [
        f["code"]
        for f in json.loads(cli("lint", AFTER, "--format", "json").stdout)["findings"]
        if f["severity"] == "error"
    ]
    ignore = ",".join(sorted(set(errors)))
    assert cli("lint", AFTER, "--ignore", ignore).returncode == 0
    assert cli("lint", AFTER, "--ignore", ignore, "--fail-on", "info").returncode == 1


def test_set_overrides_a_value_from_the_command_line():
    fixed = cli(
        "lint",
        AFTER,
        "--format",
        "json",
        "--select",
        "S101",
        "--set",
        "lr_scheduler_params.milestones=[50, 75, 90]",
    )
    assert fixed.returncode == 0, fixed.stdout
    assert json.loads(fixed.stdout)["findings"] == []


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        (("lint", "no/such/config.toml"), "no/such/config.toml"),
        (("lint", AFTER, "--baseline", "no-such-baseline"), "no-such-baseline"),
        (("lint", AFTER, "--set", "lr"), "KEY=VALUE"),
        (("lint", AFTER, "--select", "Z999"), "Z999"),
        (("lint", AFTER, "--format", "xml"), "xml"),
        (("explain", "NOPE1"), "NOPE1"),
        (("schedule", AFTER, "--dataset-size", "-3"), "positive"),
        (("diff", "gokhaneraslan-head"), "CANDIDATE"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, expect):
    done = cli(*args)
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr and expect in lines[0]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("broken.toml", "lr = [1, 2\n"),
        ("broken.json", '{"lr": 5e-06,,}'),
        ("broken.yaml", "lr: [1, 2\n"),
        ("broken.py", "def train(:\n"),
        ("wrong_type.toml", 'lr = "fast"\n'),
        ("config.ini", "[x]\n"),
    ],
)
def test_bad_config_files_are_one_line_and_exit_2(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    done = cli("lint", str(path))
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert name in done.stderr


def test_a_run_folder_without_config_json_is_bad_input(tmp_path):
    done = cli("lint", str(tmp_path))
    assert done.returncode == 2 and "config.json" in done.stderr


def test_sarif_output_points_into_the_candidate_file():
    sarif = json.loads(cli("lint", AFTER, "--format", "sarif").stdout)
    results = sarif["runs"][0]["results"]
    s101 = next(r for r in results if r["ruleId"] == "S101")
    location = s101["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"].endswith("after.toml")
    line = location["region"]["startLine"]
    assert "milestones" in (ROOT / AFTER).read_text().splitlines()[line - 1]


def test_explain_rules_and_baselines_document_themselves():
    explain = cli("explain", "milestones-never-fire")
    assert explain.returncode == 0
    for section in ("What it does", "Why is this bad?", "Example", "Use instead", "Evidence"):
        assert section in explain.stdout
    rules = json.loads(cli("rules", "--format", "json").stdout)
    assert len(rules) >= 20
    listed = cli("baselines").stdout
    assert "gokhaneraslan-head" in listed and "5cf242e" in listed


def test_lint_and_schedule_import_no_torch_tts_trainer_or_numpy():
    # The lint path is pure Python: numpy alone was about a third of a cold lint's imports.
    heavy = ("torch", "TTS", "trainer", "numpy", "deepdiff", "plotly")
    per_step = ["--dataset-size", "12000", "--set", "scheduler_after_epoch=false"]
    probe = (
        f"import sys, harness.cli as c; c.main(['lint', {AFTER!r}, '--format', 'json']);"
        f"c.main(['schedule', {AFTER!r}, *{per_step!r}, '--format', 'json']);"
        f"print('HEAVY', [m for m in {heavy!r} if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True)
    assert "HEAVY []" in done.stdout, done.stdout + done.stderr
