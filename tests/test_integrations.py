"""The tools people already use: SARIF for code scanning, the pre-commit hook, and
optuna-dashboard reading a study written by the ablation code."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from event_runs import step_lr, write_run

from harness.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "experiments" / "amharic_bpe"
SCRIPT = ROOT / "tests" / "fixtures" / "configs" / "recipe_style" / "train_gpt_xtts.py"
SCHEMA = ROOT / "tests" / "fixtures" / "sarif" / "sarif-schema-2.1.0.json"


def sarif_errors(log: dict) -> list[str]:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(schema)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)]


def run_json(args: list[str], capsys) -> dict:
    main(args)
    return json.loads(capsys.readouterr().out)


def test_lint_sarif_is_valid_sarif_2_1_0(capsys) -> None:
    args = ["lint", str(DEMO / "before.toml"), str(DEMO / "after.toml"), str(SCRIPT)]
    log = run_json([*args, "--format", "sarif"], capsys)
    assert log["runs"][0]["results"], "the candidates have findings"
    assert sarif_errors(log) == []


def test_check_run_sarif_is_valid_and_documents_its_codes(tmp_path, capsys) -> None:
    folder = write_run(tmp_path / "run", step_lr(100, 1e-3, [31], 0.5), [2.0] * 100)
    log = run_json(["check-run", str(folder), "--format", "sarif"], capsys)
    assert sarif_errors(log) == []
    rules = {rule["id"]: rule for rule in log["runs"][0]["tool"]["driver"]["rules"]}
    assert "R101" in rules and "## Why is this bad?" in rules["R101"]["help"]["text"]


def test_the_ci_example_runs_commands_the_cli_accepts() -> None:
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    workflow = yaml.safe_load(re.search(r"```yaml\n(# \.github.*?)```", text, re.S).group(1))
    steps = workflow["jobs"]["lint"]["steps"]
    lint = next(s["run"] for s in steps if "xtts-harness lint" in s.get("run", ""))
    build_parser().parse_args(lint.split()[1:])  # a usage error would exit 2
    assert any("upload-sarif" in s.get("uses", "") for s in steps)
    assert workflow["permissions"]["security-events"] == "write"


def test_pre_commit_hook_selects_training_files_and_runs_lint(capsys) -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert {"id", "name", "entry", "language"} <= set(hook) and hook["language"] == "python"
    pattern = re.compile(hook["files"])
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    chosen = [p for p in tracked.stdout.splitlines() if pattern.search(p)]
    assert "tests/fixtures/configs/recipe_style/train_gpt_xtts.py" in chosen
    assert "pyproject.toml" not in chosen and "noxfile.py" not in chosen
    # pre-commit runs `entry` with the chosen file names appended.
    program, *args = hook["entry"].split()
    assert program == "xtts-harness"
    assert main([*args, str(ROOT / "tests/fixtures/configs/recipe_style/train_gpt_xtts.py")]) == 1
    assert "S101" in capsys.readouterr().out


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


def _wait_for(url: str, process: subprocess.Popen, limit: float = 60.0) -> dict:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"optuna-dashboard exited: {process.stderr.read()}")
        try:
            return _get(url)
        except OSError:
            time.sleep(0.25)
    pytest.fail(f"optuna-dashboard did not answer {url} within {limit:.0f} s")


@pytest.mark.slow  # the dashboard server takes seconds to import and start
def test_optuna_dashboard_reads_the_trials_of_an_ablation_study(tmp_path) -> None:
    pytest.importorskip("optuna_dashboard")
    from harness.ablate.spec import load_spec
    from harness.ablate.study import prepare_study

    url = f"sqlite:///{tmp_path / 'studies.db'}"
    spec = load_spec(DEMO / "ablation.toml")
    study = prepare_study(spec, url, resume=False)  # the factorial, enqueued as ablate does
    told = {}
    for value in (5.1, 4.7, 4.9):  # what a finished trial reports: eval curve, objective
        trial = study.ask()
        trial.report(value + 0.5, 15)
        trial.report(value, 30)
        study.tell(trial, value)
        told[trial.number] = (value, trial.user_attrs["arm"])
    port = _free_port()
    program = shutil.which("optuna-dashboard", path=str(Path(sys.executable).parent))
    command = [program or "optuna-dashboard", url, "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        studies = _wait_for(f"{base}/api/studies", process)["study_summaries"]
        (summary,) = [s for s in studies if s["study_name"] == spec.name]
        detail = _get(f"{base}/api/studies/{summary['study_id']}")
    finally:
        process.terminate()
        process.wait(timeout=30)
    complete = {t["number"]: t for t in detail["trials"] if t["state"] == "Complete"}
    assert set(complete) == set(told)
    for number, (value, arm) in told.items():
        trial = complete[number]
        assert trial["values"] == [value]
        assert [(v["step"], v["value"]) for v in trial["intermediate_values"]] == [
            (15, pytest.approx(value + 0.5)), (30, value)]  # fmt: skip
        assert {"key": "arm", "value": arm} in trial["user_attrs"]
    waiting = [t for t in detail["trials"] if t["state"] == "Waiting"]
    assert len(waiting) == len(spec.arms) * len(spec.seeds) - len(told)
