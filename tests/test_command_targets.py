"""``schedule``, ``diff`` and ``report`` take what ``lint`` takes: a command line after
``--``, a ``.sh`` launcher, a script with ``--set``, and ``--library NAME VERSION``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli import main

RECIPE = Path(__file__).with_name("fixtures") / "configs" / "argparse_recipe"
SCRIPT = str(RECIPE / "train_gpt_xtts.py")
LIBRARY = ["--library", "coqui-tts", "0.24.2"]  # the recipe's folder pins nothing older

# (options, targets, the lr the run uses): the launcher passes --learn=2e-06.
TARGETS = [
    pytest.param([], [str(RECIPE / "train.sh")], 2e-06, id="launcher"),
    pytest.param(
        ["--set", "learning_rate=6.5e-06", "--set", "batch=3"], [SCRIPT], 6.5e-06, id="set"
    ),
    pytest.param(
        [],
        ["--", "python", SCRIPT, "train", "--batch", "3", "--learning_rate", "7.5e-06"],
        7.5e-06,
        id="command-line",
    ),
]


def _json(capsys, args: list[str]) -> dict:
    assert main(args) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(("options", "targets", "lr"), TARGETS)
def test_schedule_reads_every_target_form(capsys, options, targets, lr) -> None:
    out = _json(capsys, ["schedule", "--format", "json", *LIBRARY, *options, *targets])
    assert [(p["library"], p["scheduler"]["base_lr"]) for p in out["plans"]] == [
        ("coqui-tts 0.24.2", lr)
    ]


@pytest.mark.parametrize(("options", "targets", "lr"), TARGETS)
def test_diff_reads_every_target_form(capsys, options, targets, lr) -> None:
    args = ["diff", "--format", "json", *LIBRARY, *options, "gokhaneraslan-head", *targets]
    out = _json(capsys, args)
    assert [p["library"] for p in out["plans"]] == ["coqui-tts 0.24.2"]
    (entry,) = [e for e in out["diff"]["entries"] if e["key"] == "lr"]
    assert [c["value"] for c in entry["candidates"]] == [lr]


@pytest.mark.parametrize(("options", "targets", "lr"), TARGETS)
def test_report_reads_every_target_form(tmp_path, capsys, options, targets, lr) -> None:
    html, markdown = tmp_path / "r.html", tmp_path / "r.md"
    args = ["report", "-o", str(html), "--markdown", str(markdown), *LIBRARY, *options]
    assert main([*args, *targets]) == 1  # the recipe leaves optimizer_params None: O204
    summary = markdown.read_text(encoding="utf-8")
    assert "TTS: assumed coqui-tts 0.24.2 (--library" in summary
    assert "**train\\_gpt\\_xtts**" in summary
    assert f"{lr:g}" in html.read_text(encoding="utf-8")
