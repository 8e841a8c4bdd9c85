"""Differential test: what the harness reads statically from a fixture repository equals what
the repository's own code does when it runs.

The fixture runs in a subprocess of this test (never of the tool) against the stub ``torch``,
``TTS`` and ``trainer`` packages in tests/oracle_facts, whose Trainer records the config and
TrainerArgs it receives, the model's frozen parameters, whether the tokenizer accepts the
language, the epochs that train and when gradient clipping ran. The harness side reads the
same files with ``ast`` only.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness.plan.load import load_plan
from harness.rules import run_rules
from harness.rules.extras import module_exists

TESTS = Path(__file__).resolve().parent
STUBS = TESTS / "oracle_facts"
REPOS = TESTS / "fixtures" / "repos"
# (fixture repository, entry script run by the oracle, training module read by the harness)
CASES = {
    "webui": ("webui_repo", "headless.py", "utils/gpt_train.py"),
    "guarded": ("guarded_repo", "train.py", "train.py"),
}


def _run_oracle(repo: Path, entry: str, out: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=f"{STUBS}{os.pathsep}{repo}", ORACLE_OUT=str(out))
    subprocess.run(
        [sys.executable, entry], cwd=repo, env=env, check=True, capture_output=True, timeout=60
    )
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.fixture(scope="module", params=sorted(CASES))
def reading(request, tmp_path_factory):
    """(oracle record, static plan, findings) for one fixture repository, copied to tmp."""
    name, entry, module = CASES[request.param]
    repo = tmp_path_factory.mktemp(request.param) / name
    shutil.copytree(REPOS / name, repo)
    record = _run_oracle(repo, entry, repo.parent / "oracle.json")
    plan = load_plan(repo / module)
    return record, plan, run_rules(plan)


def test_config_values_match(reading) -> None:
    record, plan, _ = reading
    for key in ("epochs", "batch_size", "lr", "batch_group_size"):
        if key in record["config"]:
            assert plan.get(key) == record["config"][key], key
    assert plan.get("start_with_eval") == record["trainer_args"].get("start_with_eval", False)


def test_trained_epochs_match(reading) -> None:
    record, plan, _ = reading
    assert plan.batching.trained_epochs == record["trained_epochs"]


def test_tokenizer_fact_matches(reading) -> None:
    record, plan, findings = reading
    rejected = any(f.code == "L401" and f.severity.value == "error" for f in findings)
    assert rejected == (not record["tokenizer_accepts_language"])
    if plan.known("tokenizer") == "passthrough":  # a patched tokenizer: L401 is a note
        assert [f.severity.value for f in findings if f.code == "L401"] == ["info"]


def test_freezing_matches(reading) -> None:
    record, plan, findings = reading
    paths = plan.known("extras.freeze.modules", [])
    real = {p for p in paths if module_exists(p)}
    frozen = {re.sub(r"\.(weight|bias)$", "", n) for n in record["frozen"]}  # module names
    frozen_roots = {p for p in real if any(n == p or n.startswith(p + ".") for n in frozen)}
    assert frozen_roots == real  # every real path the code reaches is really frozen ...
    assert all(any(n == p or n.startswith(p + ".") for p in real) for n in frozen)  # only those
    missing = {p for p in paths if not module_exists(p)}
    flagged = {m for f in findings if f.code == "X602" for m in missing if repr(m) in f.message}
    assert flagged == missing


def test_clipping_matches(reading) -> None:
    record, _, findings = reading
    acted = "after_backward" in record["clip_calls"]
    inert = not acted  # each fixture has clipping code; it acts only between backward and step
    assert any(f.code == "X603" for f in findings) == inert


def test_ema_and_warmup_match(reading) -> None:
    record, plan, _ = reading
    assert plan.known("extras.ema.enabled") is record["ema_created"]
    assert plan.known("extras.warmup.enabled") is record["warmup_created"]


def test_dead_settings_match(reading) -> None:
    record, plan, findings = reading
    for entry in plan.known("extras.dead_settings", []):
        assert record["config"].get(entry["key"]) != entry["value"], entry
    dead = {e["name"] for e in plan.known("extras.dead_settings", [])}
    assert {f.message.split(" ")[0] for f in findings if f.code == "X606"} == dead


def test_vendored_tokenizer_fallback_matches(tmp_path: Path) -> None:
    """The vendored TTS/ tokenizer, run: it accepts 'am' exactly when the harness says so."""
    repo = tmp_path / "vendored_repo"
    shutil.copytree(REPOS / "vendored_repo", repo)
    code = (
        "from TTS.tts.layers.xtts.tokenizer import VoiceBpeTokenizer\n"
        "VoiceBpeTokenizer().preprocess_text('selam', 'am')\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        cwd=repo,
        env=dict(os.environ, PYTHONPATH=str(repo)),
        capture_output=True,
        timeout=60,
    )
    plan = load_plan(repo / "train.py")
    assert (plan.known("tokenizer") == "passthrough") == (run.returncode == 0)
