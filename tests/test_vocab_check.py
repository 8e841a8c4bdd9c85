"""vocab-check: append-only ids, the [am] tag, merges, and the embedding size."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from harness.audit.vocab_check import check_vocab
from harness.cli import main

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "experiments" / "amharic_bpe" / "data"
VOCAB_AM = ROOT / "experiments" / "amharic_bpe" / "vocab_am.json"
DEMO_TEXTS = ["ሰላም ነው።", "አዲስ አበባ ትልቅ ከተማ ናት።"]


@pytest.fixture(scope="module")
def base(xtts_release_dir: Path) -> Path:
    return xtts_release_dir / "vocab.json"


def codes(check) -> set[str]:
    return {f.code for f in check.findings}


def write_variant(base: Path, tmp_path: Path, change) -> Path:
    data = json.loads(base.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "vocab_variant.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_the_project_extension_is_append_only_with_tag_and_merges(base):
    check = check_vocab(base, VOCAB_AM, texts=DEMO_TEXTS)
    assert not codes(check) & {"V101", "V102", "V103", "V104", "V106", "V108"}
    assert check.extended.number_text_tokens == max(check.extended.tokens.values()) + 1
    assert check.merges_appended > 0 and check.dataset.produced  # merges are used
    assert "V105" in codes(check)  # 6681 rows in the release checkpoint: pad a copy
    padded = check_vocab(base, VOCAB_AM, checkpoint_text_tokens=check.extended.number_text_tokens)
    assert "V105" not in codes(padded)


def test_subword_units_without_merges_or_tag_are_flagged(base, tmp_path):
    """The shape of the Diakonrobel fork's extension: characters and multi-character
    'subword units' appended to the vocab, no merges, no [am] added token."""
    units = ["ሰላ", "ላም", "ነው", "ከተማ"]

    def extend(data):
        vocab = data["model"]["vocab"]
        for token in ["ሰ", "ላ", "ም", "ነ", "ው", "ከ", "ተ", "ማ", *units]:
            vocab[token] = len(vocab)

    check = check_vocab(base, write_variant(base, tmp_path, extend), texts=DEMO_TEXTS)
    assert {"V102", "V103"} <= codes(check)
    assert check.unreachable == units
    assert check.to_dict()["dataset"]["appended_multichar_never_produced"] == len(units)
    assert "no merges were appended" in next(f for f in check.findings if f.code == "V103").message


def test_moved_ids_reordered_merges_and_gaps_are_flagged(base, tmp_path):
    def shift(data):
        vocab = data["model"]["vocab"]
        vocab["the"], vocab["[am]"] = len(vocab), vocab["the"]  # "the" moves, [am] takes its id
        data["model"]["merges"].insert(0, data["model"]["merges"].pop())
        vocab["ሀ"] = len(vocab) + 5  # five unused ids

    check = check_vocab(base, write_variant(base, tmp_path, shift))
    assert {"V101", "V104", "V106", "V102"} <= codes(check)  # [am] is not an added token
    assert ("the", check.base.tokens["the"], 6681) in check.changed


def test_cli_vocab_check_exit_codes(base, capsys):
    assert main(["vocab-check", str(base), str(VOCAB_AM)]) == 1  # V105 at 6681 rows
    capsys.readouterr()
    size = check_vocab(base, VOCAB_AM).extended.number_text_tokens
    args = ["vocab-check", str(base), str(VOCAB_AM), "--checkpoint-text-tokens", str(size)]
    assert main([*args, "--dataset", str(DEMO), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)["vocab_check"]
    assert data["language_token_added"] and data["dataset"]["texts"] == 60
    assert data["dataset"]["tokens_per_char_extended"] < data["dataset"]["tokens_per_char_base"]
    assert main(["vocab-check", str(base), "missing.json"]) == 2


def test_make_vocab_regenerates_the_committed_file(base, tmp_path):
    script = ROOT / "experiments" / "amharic_bpe" / "scripts" / "make_vocab.py"
    spec = importlib.util.spec_from_file_location("make_vocab", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "vocab_am.json"
    assert module.main(["--base", str(base), "--data", str(DEMO), "--out", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(
        VOCAB_AM.read_text(encoding="utf-8")
    )


def test_every_code_is_documented():
    from harness.audit.codes import CODES

    text = (ROOT / "docs" / "audit.md").read_text(encoding="utf-8")
    for code in CODES.values():
        assert f"| {code.code} | {code.name} | {code.severity.value} |" in text, code.code
