"""What a new user meets first: the tokenizer they train with, syntax errors that name
their line, a report that says its verdict, and a project that stands on its own."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from harness.errors import HarnessError
from harness.plan.load import load_plan
from harness.release import RELEASE_CONFIG, RELEASE_DIR, RELEASE_VOCAB

ROOT = Path(__file__).resolve().parents[1]
AFTER = "experiments/amharic_bpe/after.toml"


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", *args], cwd=cwd, capture_output=True, text=True
    )


def _l401(done: subprocess.CompletedProcess[str]) -> dict:
    return next(f for f in json.loads(done.stdout)["findings"] if f["code"] == "L401")


def test_meta_tokenizer_is_the_plan_fact_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "fork.toml"
    path.write_text('[meta]\nname = "fork"\ntokenizer = "passthrough"\n\n[plan]\nlanguage = "am"\n')
    setting = load_plan(str(path)).settings["tokenizer"]
    assert setting.value == "passthrough"
    assert (setting.source.key, setting.source.line) == ("meta.tokenizer", 3)


@pytest.mark.parametrize("suffix", [".toml", ".yaml"])
def test_an_unknown_tokenizer_is_bad_input_at_its_line(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"fork{suffix}"
    text = '[meta]\ntokenizer = "magic"\n' if suffix == ".toml" else "meta:\n  tokenizer: magic\n"
    path.write_text(text)
    with pytest.raises(HarnessError, match="tokenizer 'magic' is not one of stock, passthrough"):
        load_plan(str(path))
    done = cli("lint", str(path))
    assert done.returncode == 2 and f"fork{suffix}:2" in done.stderr


def test_lint_tokenizer_option_turns_l401_into_a_note_that_names_it() -> None:
    stock = _l401(cli("lint", AFTER, "--format", "json"))
    assert stock["severity"] == "error" and "[meta] tokenizer" in stock["fix"]
    declared = cli("lint", AFTER, "--tokenizer", "passthrough", "--format", "json")
    note = _l401(declared)
    assert note["severity"] == "info"
    assert "--tokenizer passthrough on the command line" in note["message"]
    assert declared.returncode == 1  # S101 still blocks it: only L401 changed


def test_the_report_verdict_agrees_with_the_dataset_audit(tmp_path: Path) -> None:
    """Audited with the passthrough fork, the configs are judged with it too."""
    output = tmp_path / "report" / "index.html"
    done = cli(
        "report", "experiments/amharic_bpe/before.toml", AFTER,
        "--dataset", "experiments/amharic_bpe/data",
        "--vocab", "experiments/amharic_bpe/vocab_am.json", "--tokenizer", "passthrough",
        "-o", str(output), "--markdown", str(tmp_path / "summary.md"),
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "verdict:"
    assert "  amharic-bpe-before: 3 warnings" in lines  # no L401 error any more
    assert "  amharic-bpe-after: blocked by 1 error" in lines
    assert any(line.startswith("    S101 milestones-never-fire: milestones") for line in lines)
    assert f"report written to {output} (" in " ".join(line.strip() for line in lines)


def test_the_report_path_is_relative_to_the_working_directory(tmp_path: Path) -> None:
    done = cli("report", str(ROOT / AFTER), "-o", "out/index.html", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines()[-1].startswith("report written to out/index.html (")


@pytest.mark.parametrize(
    ("text", "line"),
    [("lr = 1\nlr = 2\n", 2), ('name = "a\n', 1), ("a = 1\nb = [1, 2\n", 2)],
)
def test_a_toml_syntax_error_names_its_line(tmp_path: Path, text: str, line: int) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(text)
    done = cli("lint", str(config))
    assert done.returncode == 2 and f"bad.toml:{line}: not valid TOML" in done.stderr
    spec = tmp_path / "spec.toml"
    spec.write_text(text)
    from harness.ablate.spec import load_spec

    with pytest.raises(HarnessError) as error:
        load_spec(spec)
    assert f"spec.toml:{line}" in str(error.value)


def test_the_release_files_are_the_ones_their_provenance_note_names() -> None:
    note = (RELEASE_DIR / "SOURCE.md").read_text(encoding="utf-8")
    assert "gokhaneraslan/XTTS_V2" in note and "ac806b0" in note
    assert "Coqui Public Model License" in note
    for path in (RELEASE_VOCAB, RELEASE_CONFIG):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert f"{digest}  {path.name}" in note
    vocab = json.loads(RELEASE_VOCAB.read_text(encoding="utf-8"))
    assert max(vocab["model"]["vocab"].values()) + 1 == 6681  # the release's text tokens
    assert json.loads(RELEASE_CONFIG.read_text())["model_args"]["gpt_number_text_tokens"] == 6681


def test_no_file_of_the_project_cites_a_path_outside_it() -> None:
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    # Spelled in pieces so that this test is not itself a file that cites them.
    names = ["XTTS" + "_FACTS", "DESIGN" + r"\.md", r"\.\./" + "shared", "/work/" + "shared"]
    outside = re.compile("|".join(names))
    offenders = []
    for name in tracked:
        path = ROOT / name
        if path.suffix in (".py", ".md", ".toml", ".yaml", ".yml", ".txt", ".cfg") or name in (
            "noxfile.py",
            ".ci/run",
        ):
            text = path.read_text(encoding="utf-8", errors="replace")
            offenders += [f"{name}: {m.group(0)}" for m in outside.finditer(text)]
    offenders = [o for o in offenders if not o.startswith("tests/test_newcomer.py")]
    assert offenders == []
    assert (ROOT / "docs" / "xtts-facts.md").is_file()
