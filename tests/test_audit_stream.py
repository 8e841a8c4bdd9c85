"""The audit as a stream: totals over every row, records and row findings capped."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from harness.audit import audit_source, locate, row_checks
from harness.audit.totals import Records, Reservoir

ROOT = Path(__file__).resolve().parents[1]
VOCAB_AM = ROOT / "experiments" / "amharic_bpe" / "vocab_am.json"
ROWS = 120


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    """120 rows over 4 clips (so 116 are 'listed twice'), every 10th text with a snowman."""
    root = tmp_path_factory.mktemp("stream")
    (root / "wavs").mkdir()
    for index, seconds in enumerate((1.0, 2.0, 0.3, 3.0)):
        sf.write(root / "wavs" / f"c{index}.wav", np.zeros(int(seconds * 22050)), 22050)
    lines = ["audio_file|text|speaker_name"]
    for row in range(ROWS):
        text = "a snowman \u2603" if row % 10 == 0 else "hello there"
        lines.append(f"wavs/c{row % 4}.wav|{text}|s{row % 3}")
    (root / "metadata_train.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def _audit(root: Path):
    return audit_source(locate(root), vocab=VOCAB_AM, language="en")


@pytest.fixture(scope="module")
def full(dataset):
    return _audit(dataset)


@pytest.fixture
def capped(dataset, monkeypatch):
    monkeypatch.setattr(Records, "ALL_ROWS", 10)
    monkeypatch.setattr(Records, "FLAGGED_ROWS", 5)
    monkeypatch.setattr(row_checks, "KEPT_PER_CODE", 7)
    return _audit(dataset)


def test_totals_count_every_row_when_records_are_capped(full, capped):
    assert len(full.samples) == ROWS and full.samples_not_listed == 0
    assert len(capped.samples) == 15 and capped.samples_not_listed == ROWS - 15
    assert capped.drop_table() == full.drop_table()
    assert capped.samples_total == ROWS and capped.eval_samples_left == full.eval_samples_left
    summaries = [f.message for f in full.findings if f.line is None]
    assert [f.message for f in capped.findings if f.line is None and "more" not in f.message] == (
        summaries
    )
    data = capped.to_dict()
    assert data["samples_listed"] == 15 and data["samples_not_listed"] == ROWS - 15
    assert len(data["distributions"]["text_tokens"]["values"]) == ROWS


def test_row_findings_past_the_cap_are_counted_in_one_finding(full, capped):
    assert sum(f.code == "A132" for f in full.findings) == ROWS - 4
    listed = [f for f in capped.findings if f.code == "A132"]
    assert len(listed) == 7 + 1
    assert listed[-1].line is None and f"and {ROWS - 4 - 7} more A132 rows" in listed[-1].message
    first = next(f for f in full.findings if f.code == "A132")
    assert first.line == 6 and "first at" in first.message and first.message.endswith(":2")


def test_records_past_the_first_rows_are_dropped_or_flagged_ones(full, capped):
    flagged = {f.line for f in full.findings if f.line is not None}
    later = capped.samples[10:]
    assert later and all(not s.verdict.kept or s.sample.line in flagged for s in later)
    assert [s.sample.line for s in capped.samples[:10]] == list(range(2, 12))


def test_a_reservoir_keeps_every_value_up_to_its_size_then_a_sample():
    small, large = Reservoir("q", size=50), Reservoir("q", size=50)
    for value in range(40):
        small.add(value)
    for value in range(10_000):
        large.add(value)
    assert small.to_list() == list(range(40))
    sample = large.to_list()
    assert len(sample) == 50 and large.seen == 10_000 and max(sample) > 1000


def test_samples_out_writes_every_row_and_never_over_the_metadata(dataset, tmp_path, capsys):
    import json

    from harness.cli import main

    config = ROOT / "experiments" / "amharic_bpe" / "after.toml"
    argv = ["audit", str(config), "--dataset", str(dataset), "--vocab", str(VOCAB_AM)]
    argv += ["--language", "en", "--tokenizer", "passthrough"]
    out = tmp_path / "rows.jsonl"
    assert main([*argv, "--samples-out", str(out)]) in (0, 1)
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [row["line"] for row in rows] == list(range(2, ROWS + 2))
    assert rows[0]["reason"] == "unk-characters" and rows[1]["kept"]
    metadata = dataset / "metadata_train.csv"
    before = metadata.read_bytes()
    capsys.readouterr()
    assert main([*argv, "--samples-out", str(metadata)]) == 2
    assert "--samples-out" in capsys.readouterr().err and metadata.read_bytes() == before
