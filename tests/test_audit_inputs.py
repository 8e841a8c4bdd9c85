"""Bad input to the audit: one clear line and exit 2, or a finding per row; never a write."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from harness.audit import audit_source, locate
from harness.cli import main
from harness.errors import HarnessError

ROOT = Path(__file__).resolve().parents[1]
MIXED = ROOT / "tests" / "fixtures" / "datasets" / "mixed"
VOCAB_AM = ROOT / "experiments" / "amharic_bpe" / "vocab_am.json"
CLIP = MIXED / "wavs" / "clip_01.wav"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text('[plan]\nlanguage = "en"\n', encoding="utf-8")
    return path


def audit_cli(config: Path, dataset: Path, *extra: str) -> list[str]:
    return ["audit", str(config), "--dataset", str(dataset), "--vocab", str(VOCAB_AM), *extra]


def dataset_with(tmp_path: Path, metadata: bytes, name: str = "metadata_train.csv") -> Path:
    root = tmp_path / "data"
    (root / "wavs").mkdir(parents=True)
    shutil.copy(CLIP, root / "wavs" / "a.wav")
    (root / name).write_bytes(metadata)
    return root


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        (b"audio_file,text,speaker_name\nwavs/a.wav,hello,spk\n", "wrong delimiter"),
        (b"wavs/a.wav|hello|spk\n", "header missing"),
        (
            b"audio_file|text|speaker_name\nwavs/a.wav|caf\xe9|spk\n",
            "not UTF-8 (byte 0xe9 on line 2)",
        ),
        ("\ufeffaudio_file|text|speaker_name\nwavs/a.wav|hi|s\n".encode(), "byte-order mark"),
        (b"audio_file|text|speaker_name\n", "no rows"),
        (b"", "is empty"),
    ],
    ids=["comma", "no-header", "latin-1", "bom", "header-only", "empty"],
)
def test_unreadable_metadata_is_one_line_and_exit_2(tmp_path, config, capsys, metadata, expected):
    root = dataset_with(tmp_path, metadata)
    assert main(audit_cli(config, root)) == 2
    err = capsys.readouterr().err
    assert expected in err and err.count("\n") == 1 and "Traceback" not in err
    assert "metadata_train.csv" in err and "fix:" in err


def test_ljspeech_line_without_three_columns_names_the_line(tmp_path, config, capsys):
    root = dataset_with(tmp_path, b"a|Hello.|Hello.\n\nb|World.|World.\n", "metadata.csv")
    assert main(audit_cli(config, root, "--formatter", "ljspeech")) == 2
    assert "metadata.csv:2: line has 1 column(s)" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--dataset", "no/such/folder"], "dataset 'no/such/folder' does not exist"),
        (["--eval-dataset", "no/such.csv"], "eval dataset 'no/such.csv' does not exist"),
        (["--vocab", "no/vocab.json"], "vocab file 'no/vocab.json' does not exist"),
    ],
)
def test_missing_paths_are_one_line_and_exit_2(config, capsys, args, expected):
    assert main([*audit_cli(config, MIXED), *args]) == 2
    err = capsys.readouterr().err
    assert expected in err and err.count("\n") == 1


def test_a_vocab_tokenizers_rejects_is_exit_2(tmp_path, config, capsys):
    bad = tmp_path / "vocab.json"
    bad.write_text('{"model": {"type": "BPE"', encoding="utf-8")
    assert main([*audit_cli(config, MIXED), "--vocab", str(bad)]) == 2
    assert "tokenizers cannot load it" in capsys.readouterr().err


def test_absolute_and_windows_paths_are_findings_on_their_rows(tmp_path):
    absolute = str((MIXED / "wavs" / "clip_02.wav").resolve())
    rows = (
        f"audio_file|text|speaker_name\nwavs/a.wav|one|s\n{absolute}|two|s\nC:\\data\\a.wav|x|s\n"
    )
    root = dataset_with(tmp_path, rows.encode())
    result = audit_source(locate(root), vocab=VOCAB_AM, language="en")
    codes = {(f.code, f.line) for f in result.findings if f.line is not None}
    assert ("A130", 3) in codes and ("A131", 4) in codes and ("A104", 4) in codes
    kept = {s.sample.line for s in result.kept()}
    assert kept == {2, 3}  # os.path.join ignores the root for an absolute path: it loads


def test_the_audit_never_writes_into_the_dataset(config, capsys, tmp_path):
    before = tree_digest(MIXED)
    for fmt in ("text", "json", "md", "sarif"):
        main([*audit_cli(config, MIXED), "--format", fmt])
    main([*audit_cli(config, MIXED), "--format", "json", "-o", str(tmp_path / "out.json")])
    capsys.readouterr()
    assert tree_digest(MIXED) == before


def tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(str(path.relative_to(folder)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
            digest.update(str(path.stat().st_mtime_ns).encode())
    return digest.hexdigest()


def _plan_with_formatter(tmp_path: Path, formatter: str, tokenizer: str | None = None):
    from harness.plan.load import load_plan

    plan_table = f'[plan]\ntokenizer = "{tokenizer}"\n' if tokenizer else ""
    config = tmp_path / "c.toml"
    config.write_text(
        f'{plan_table}[[datasets]]\nformatter = "{formatter}"\npath = "data"\nlanguage = "en"\n'
    )
    return load_plan(config)


def test_audit_takes_the_formatter_from_the_config(tmp_path: Path) -> None:
    from harness.audit.plan_audit import audit_dataset

    ljspeech = ROOT / "tests" / "fixtures" / "datasets" / "ljspeech"
    detected = audit_dataset(None, ljspeech, vocab=VOCAB_AM, language="en")
    assert detected.source.formatter == "ljspeech"
    # The config says coqui: the trainer reads the file with the coqui formatter, and so
    # does the audit (an ljspeech file has no coqui header: one line, exit 2).
    plan = _plan_with_formatter(tmp_path, "coqui")
    with pytest.raises(HarnessError):
        audit_dataset(plan, ljspeech, vocab=VOCAB_AM, language="en")
    chosen = audit_dataset(plan, ljspeech, vocab=VOCAB_AM, language="en", formatter="ljspeech")
    assert chosen.source.formatter == "ljspeech"  # --formatter still wins


def test_audit_tokenizer_follows_the_plan_fact(tmp_path: Path) -> None:
    from harness.audit.plan_audit import audit_dataset

    plan = _plan_with_formatter(tmp_path, "coqui", tokenizer="passthrough")
    result = audit_dataset(plan, MIXED, vocab=VOCAB_AM, language="am")
    assert result.tokenizer_mode == "passthrough"
    unsupported = _plan_with_formatter(tmp_path, "vctk")
    with pytest.raises(HarnessError, match=r"datasets\[0\]\.formatter is 'vctk'"):
        audit_dataset(unsupported, MIXED, vocab=VOCAB_AM, language="en")
