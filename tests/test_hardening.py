"""Bad input, one root cause per test: each gives exit 2 with one line, or an error finding
on the right key; never a traceback, and the input is left as it was."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness.cli import main

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "experiments" / "amharic_bpe"
AFTER = str(DEMO / "after.toml")
AUDIT = ["--vocab", str(DEMO / "vocab_am.json"), "--tokenizer", "passthrough", "--language", "am"]
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)


def _one_line_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    return err


# Root cause: a parser's output is not bounded by the file (depth, aliases, digits, keys) --
TREES = {
    "deep.json": ("[" * 100_000 + "]" * 100_000, "nested too deep"),
    "deep-object.json": ('{"a":' * 3000 + "1" + "}" * 3000, "nested too deep"),
    "bigint.json": ('{"epochs": ' + "9" * 5000 + "}", "more than 4300 digits"),
    "bigint.toml": ("epochs = " + "9" * 5000 + "\n", "more than 4300 digits"),
    "bigint.yaml": ("epochs: " + "9" * 5000 + "\n", "more than 4300 digits"),
    "deep.toml": ("a = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deep"),
    "nested.yaml": ("a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 80)), "levels"),
    "bomb.yaml": (BOMB, "expands to more than"),
    "recursive.yaml": ("a: &a [*a]\n", "refers to the value that contains it"),
    "recursive-map.yaml": ("a: &a\n  b: *a\n", "refers to the value that contains it"),
    "int-key.yaml": ("1: 2\nlr: 1.0e-5\n", "is not a string"),
    "list-key.yaml": ("? [a, b]\n: 1\n", "is not a string"),
    "empty.toml": ("", "the config is empty"),
    "empty.json": ("{}", "the config is empty"),
}


@pytest.mark.parametrize("name", sorted(TREES))
def test_a_tree_the_file_does_not_bound_is_one_line(tmp_path: Path, capsys, name: str) -> None:
    text, expected = TREES[name]
    path = tmp_path / name.split("-", 1)[-1] if "-" in name else tmp_path / name
    path.write_text(text)
    err = _one_line_exit_2(["lint", str(path), "--baseline", "none"], capsys)
    assert expected in err
    assert path.read_text() == text


# Root cause: a value of the right syntax that cannot mean a run ---------------------------
REFUSED = {
    "epochs=-5": "epochs must be a whole number",
    "epochs=0": "epochs must be a whole number",
    "epochs=2.5": "epochs must be a whole number",
    "epochs=inf": "epochs must be a whole number",
    "epochs=nan": "epochs must be a whole number",
    "batch_size=0": "batch_size must be a whole number",
    "batch_size=-3": "batch_size must be a whole number",
    "lr=nan": "lr must be a finite number",
    "lr=inf": "lr must be a finite number",
    "lr=fast": "lr must be a number",
}
FLAGGED = {
    "lr=0": ("K706", "lr"),
    "lr=-1e-5": ("K706", "lr"),
    'lr_scheduler_params.milestones=["x"]': ("K707", "lr_scheduler_params.milestones"),
    "lr_scheduler_params.milestones=[-5]": ("K707", "lr_scheduler_params.milestones"),
    "lr_scheduler_params.gamma=half": ("K708", "lr_scheduler_params.gamma"),
}


@pytest.mark.parametrize("override", sorted(REFUSED))
def test_a_value_that_cannot_mean_a_run_is_exit_2(capsys, override: str) -> None:
    err = _one_line_exit_2(["lint", AFTER, "--set", override], capsys)
    assert REFUSED[override] in err


@pytest.mark.parametrize("override", sorted(FLAGGED))
def test_a_value_that_means_nothing_is_an_error_on_its_key(capsys, override: str) -> None:
    assert main(["lint", AFTER, "--set", override, "--format", "json"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    code, key = FLAGGED[override]
    assert any(f["code"] == code and f["key"] == key and f["severity"] == "error" for f in findings)


# Root cause: a schedule whose numbers overflow or divide by zero (torch: inf, or
# ZeroDivisionError at one step) reached the rules' ratio arithmetic as inf and nan.
SCHEDULES = {
    "gamma-overflows": ("ExponentialLR", "{gamma = 1e300}", "inf"),
    "cosine-divides-by-zero": ("CosineAnnealingLR", "{T_max = 0.2}", "divides by zero"),
}


@pytest.mark.parametrize("case", sorted(SCHEDULES))
def test_a_schedule_that_overflows_is_told_not_a_traceback(tmp_path: Path, capsys, case) -> None:
    name, params, told = SCHEDULES[case]
    config = tmp_path / "c.toml"
    config.write_text(
        f'lr = 5e-06\nlr_scheduler = "{name}"\nlr_scheduler_params = {params}\n'
        "scheduler_after_epoch = true\nepochs = 100\nbatch_size = 4\n"
        "[plan]\ndataset_size = 400\n",
        encoding="utf-8",
    )
    assert main(["lint", str(config)]) in (0, 1)
    out = capsys.readouterr().out
    assert told in out and "Traceback" not in out


def test_checkpoint_text_tokens_must_be_positive(capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["vocab-check", "a.json", "b.json", "--checkpoint-text-tokens", "-5"])
    assert exited.value.code == 2


def test_an_ablation_spec_of_the_wrong_type_runs_no_trial(tmp_path: Path, capsys) -> None:
    for name in ("after.toml", "vocab_am.json"):
        shutil.copy(DEMO / name, tmp_path / name)
    shutil.copytree(DEMO / "data", tmp_path / "data")
    spec = (DEMO / "ablation.toml").read_text()
    release = ROOT / "experiments" / "miniature_release"  # the spec names it relatively
    spec = spec.replace('"../miniature_release"', f'"{release.as_posix()}"')
    wrong = re.sub(r"(?m)^\[overrides\]$", '[overrides]\nlr = "fast"', spec, count=1)
    assert wrong != spec, "the demo spec has no [overrides] table to put lr in"
    (tmp_path / "spec.toml").write_text(wrong)
    err = _one_line_exit_2(["ablate", str(tmp_path / "spec.toml"), "--storage", "s.db"], capsys)
    assert "lr must be a number" in err
    assert not (tmp_path / "s.db").exists() and not Path("s.db").exists()


# Root cause: the path is not a plain readable file ----------------------------------------
def _symlink_loop(folder: Path) -> Path:
    os.symlink(folder / "b.toml", folder / "a.toml")
    os.symlink(folder / "a.toml", folder / "b.toml")
    return folder / "a.toml"


def _fifo(folder: Path) -> Path:
    os.mkfifo(folder / "c.toml")
    return folder / "c.toml"


def _binary_spec(folder: Path) -> Path:
    (folder / "s.toml").write_bytes(bytes(range(256)) * 4)
    return folder / "s.toml"


PATHS = {
    "symlink-loop": (_symlink_loop, ["lint"]),
    "fifo-config": (_fifo, ["lint"]),
    "binary-spec": (_binary_spec, ["ablate"]),
    "fifo-spec": (lambda f: (os.mkfifo(f / "s.toml"), f / "s.toml")[1], ["ablate"]),
}


@pytest.mark.parametrize("case", sorted(PATHS))
def test_a_path_that_is_no_plain_file_is_one_line(tmp_path: Path, capsys, case: str) -> None:
    make, command = PATHS[case]
    _one_line_exit_2([*command, str(make(tmp_path))], capsys)


def _dataset(folder: Path) -> Path:
    shutil.copytree(DEMO / "data", folder / "data")
    return folder / "data"


def test_a_fifo_in_a_dataset_is_never_opened(tmp_path: Path, capsys) -> None:
    data = _dataset(tmp_path)
    (data / "wavs" / "am_001.wav").unlink()
    os.mkfifo(data / "wavs" / "am_001.wav")  # opening it for reading would block for ever
    argv = ["audit", AFTER, "--dataset", str(data), *AUDIT, "--format", "json"]
    assert main(argv) in (0, 1)
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert any("not a regular file" in f["message"] for f in findings)


def test_a_fifo_metadata_file_is_one_line(tmp_path: Path, capsys) -> None:
    os.mkfifo(tmp_path / "metadata_train.csv")
    metadata = str(tmp_path / "metadata_train.csv")
    _one_line_exit_2(["audit", AFTER, "--dataset", metadata, *AUDIT], capsys)


def test_a_csv_field_over_128_kib_is_one_line(tmp_path: Path, capsys) -> None:
    data = _dataset(tmp_path)
    row = "wavs/am_001.wav|" + "x" * 140_000 + "|speaker\n"
    (data / "metadata_train.csv").write_text("audio_file|text|speaker_name\n" + row)
    err = _one_line_exit_2(["audit", AFTER, "--dataset", str(data), *AUDIT], capsys)
    assert "field larger than field limit" in err


# Root cause: untrusted text reaches the terminal and the encoder as is --------------------
HOSTILE = {  # TOML text (its \\u escapes become the raw characters) -> what is shown
    "escape-in-key": ('"\\u001b[2J\\u001b]0;owned\\u0007lr_x" = 1\n', "\\x1b[2J"),
    "bidi-in-value": ('lr_x = "evil\u202egnp.py"\n', "evil\\u202e"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_control_and_bidi_characters_are_shown_escaped(tmp_path: Path, capsys, case: str) -> None:
    text, shown = HOSTILE[case]
    path = tmp_path / "c\u202e.toml"  # a file name with a bidi override, too
    path.write_text(text)
    assert main(["lint", str(path), "--baseline", "none", "--select", "K701"]) == 0
    out = capsys.readouterr().out
    for raw in ("\x1b", "\u202e", "\x07"):
        assert raw not in out
    assert shown in out and "c\\u202e" in out


STRICT = {**os.environ, "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8:strict", "NO_COLOR": "1"}


@pytest.mark.parametrize("fmt", ["text", "json", "md", "sarif", "html"])
def test_a_file_name_that_is_not_utf8_works_with_every_format(tmp_path: Path, fmt: str) -> None:
    folder = os.fsencode(tmp_path)
    name = folder + b"/caf\xe9-\xff.toml"
    with open(name, "wb") as handle:
        handle.write((DEMO / "after.toml").read_bytes())
    if fmt == "html":
        args = [b"report", name, b"-o", folder + b"/out-\xff.html"]
    else:
        args = [b"lint", name, b"--format", fmt.encode()]
    done = subprocess.run(
        [sys.executable.encode(), b"-m", b"harness", *args],
        cwd=ROOT,
        env={**STRICT, "PYTHONPATH": str(ROOT)},
        capture_output=True,
    )
    assert done.returncode == 1, done.stderr
    assert b"Traceback" not in done.stderr
    if fmt == "json":
        assert json.loads(done.stdout)["findings"]


# Root cause: work per key or per value that grows with the input's numbers ---------------
def test_many_unknown_keys_are_cut_in_text_and_listed_in_json(tmp_path: Path, capsys) -> None:
    path = tmp_path / "u.json"
    path.write_text(json.dumps({f"unknown_{i}": "x y " * 1000 for i in range(120)}))
    assert main(["lint", str(path), "--format", "json", "--select", "K701"]) == 0
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert len(findings) == 120  # json lists every one
    assert all(len(f["message"]) < 400 for f in findings)  # the 4000-character value is cut
    assert main(["lint", str(path), "--select", "K701"]) == 0
    out = capsys.readouterr().out
    assert "... and 70 more K701 findings" in out
