"""No command writes its output over one of its inputs (same path, symlink or hard link)."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from harness.cli import main

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "experiments" / "amharic_bpe"
AUDIT = ["--tokenizer", "passthrough", "--language", "am"]

# command line (paths relative to a copy of the demo) -> the inputs -o must never land on;
# "implicit" inputs are files the command finds by itself (the dataset's metadata, the wavs).
CASES = {
    "lint": (["lint", "after.toml"], ["after.toml"]),
    "lint-baseline": (["lint", "after.toml", "--baseline", "before.toml"], ["before.toml"]),
    "diff": (["diff", "before.toml", "after.toml"], ["before.toml", "after.toml"]),
    "schedule": (["schedule", "before.toml"], ["before.toml"]),
    "audit": (
        ["audit", "after.toml", "--dataset", "data", "--vocab", "vocab_am.json", *AUDIT],
        ["after.toml", "vocab_am.json", "data/metadata_train.csv", "data/wavs/am_001.wav"],
    ),
    "vocab-check": (
        ["vocab-check", "vocab_am.json", "vocab_am.json", "--dataset", "data"],
        ["vocab_am.json", "data/metadata_eval.csv"],
    ),
    "results": (["results", "ablation.toml", "--storage", "study.db"], ["ablation.toml"]),
    "results-storage": (["results", "--storage", "study.db"], ["study.db"]),
    "ablate": (
        ["ablate", "ablation.toml", "--storage", "study.db"],
        ["ablation.toml", "after.toml", "vocab_am.json", "study.db"],
    ),
    "report": (
        ["report", "after.toml", "--dataset", "data", "--vocab", "vocab_am.json", *AUDIT],
        ["after.toml", "vocab_am.json", "data/metadata_train.csv"],
    ),
    "report-storage": (["report", "after.toml", "--storage", "study.db"], ["study.db"]),
}
PAIRS = [(name, target) for name, (_, targets) in CASES.items() for target in targets]


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    for name in ("after.toml", "before.toml", "ablation.toml", "vocab_am.json"):
        shutil.copy(DEMO / name, tmp_path / name)
    shutil.copytree(DEMO / "data", tmp_path / "data")
    release = ROOT / "experiments" / "miniature_release"  # the spec names it relatively
    spec = tmp_path / "ablation.toml"
    spec.write_text(spec.read_text().replace('"../miniature_release"', f'"{release.as_posix()}"'))
    (tmp_path / "study.db").write_bytes(b"")  # stands for a study database
    return tmp_path


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


@pytest.mark.parametrize("how", ["same-path", "symlink", "hard-link"])
@pytest.mark.parametrize(("name", "target"), PAIRS)
def test_every_command_refuses_output_onto_each_input(
    demo: Path, monkeypatch: pytest.MonkeyPatch, capsys, name: str, target: str, how: str
) -> None:
    monkeypatch.chdir(demo)
    argv, _ = CASES[name]
    output = target
    if how == "symlink":
        output = "out-link"
        os.symlink(target, output)
    elif how == "hard-link":
        output = "out-hard"
        os.link(target, output)
    before = _digests(demo)
    code = main([*argv, "-o", output])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "is an input of this command" in err or "would overwrite an input" in err
    assert len(err.strip().splitlines()) == 1
    assert _digests(demo) == before


def test_an_output_beside_the_inputs_is_written(demo: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(demo)
    (demo / "old.json").write_text("{}")  # a previous output: overwriting it is the point
    assert main(["lint", "after.toml", "--format", "json", "-o", "old.json"]) == 1
    assert (demo / "old.json").read_text().startswith("{\n")


def test_report_markdown_may_not_be_the_html_file(demo: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(demo)
    code = main(["report", "after.toml", "-o", "r.html", "--markdown", "r.html"])
    assert code == 2
    assert not (demo / "r.html").exists()
