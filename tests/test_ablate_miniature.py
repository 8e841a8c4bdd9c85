"""The miniature release: shipped as its generator says, a real pretrained base, and the
new language added to it the way users add one (append-only vocab, grown embedding)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.ablate.miniature.layout import file_hashes, is_miniature, read_manifest

ROOT = Path(__file__).resolve().parents[1]
RELEASE = ROOT / "experiments" / "miniature_release"
DEMO = ROOT / "experiments" / "amharic_bpe"


def test_the_shipped_release_is_what_its_generator_builds():
    from harness.ablate.miniature.release import SETTINGS, settings_hash

    manifest = read_manifest(RELEASE)
    assert manifest is not None and is_miniature(RELEASE)
    assert manifest["settings"] == SETTINGS
    assert manifest["settings_hash"] == settings_hash(SETTINGS)
    assert manifest["files"] == file_hashes(RELEASE)  # no file changed since it was built
    for name in ("model.pth", "dvae.pth", "mel_stats.pth", "vocab.json", "config.json"):
        assert (RELEASE / name).is_file()
    assert sum(p.stat().st_size for p in RELEASE.rglob("*")) < 8 * 2**20  # a few MB


def test_the_shipped_release_learned_from_its_pretraining():
    learned = read_manifest(RELEASE)["learned"]
    assert learned["pretrained"] <= 0.7 * learned["untrained"]
    assert learned["reduction"] >= 0.30
    assert read_manifest(RELEASE)["dvae_codes_used"] > 16  # a DVAE that did not collapse


def test_its_vocab_has_the_base_language_tags_and_the_release_layout():
    vocab = json.loads((RELEASE / "vocab.json").read_text(encoding="utf-8"))
    added = {t["content"] for t in vocab["added_tokens"]}
    assert {"[en]", "[es]", "[de]", "[START]", "[STOP]", "[UNK]", "[SPACE]"} <= added
    assert vocab["pre_tokenizer"]["type"] == "Whitespace" and vocab["model"]["type"] == "BPE"


def test_extending_for_amharic_appends_and_keeps_every_id(tmp_path):
    from tokenizers import Tokenizer

    from harness.ablate.miniature.vocab import extend_vocab
    from harness.ablate.prepare import _texts

    texts = _texts(DEMO / "data" / "metadata_train.csv")
    out = extend_vocab(RELEASE / "vocab.json", tmp_path / "am.json", "am", texts)
    base = Tokenizer.from_file(str(RELEASE / "vocab.json")).get_vocab(with_added_tokens=True)
    grown = Tokenizer.from_file(str(out)).get_vocab(with_added_tokens=True)
    assert all(grown[token] == index for token, index in base.items())
    assert grown["[am]"] >= len(base) and len(grown) > len(base) + 300  # tag, script, merges
    ids = Tokenizer.from_file(str(out)).encode("[am]" + texts[0].replace(" ", "[SPACE]")).ids
    assert grown["[UNK]"] not in ids


@pytest.mark.ablate
def test_build_base_runs_end_to_end_at_a_reduced_size(tmp_path):
    """The generator itself, at a size that takes seconds (the shipped one is the full
    size); the learned-ness threshold is off because 3 steps teach nothing."""
    pytest.importorskip("TTS")
    from harness.ablate.miniature.release import SETTINGS, build_release

    small = {
        **SETTINGS,
        "train_clips": 4,
        "held_out_clips": 2,
        "dvae_steps": 2,
        "gpt_steps": 3,
        "learned_min": 0.0,
    }
    result = build_release(tmp_path / "release", small)
    assert not result.reused and is_miniature(result.folder)
    assert result.manifest["files"] == file_hashes(result.folder)
    assert result.manifest["learned"]["untrained"] > 0
    assert build_release(tmp_path / "release", small).reused  # cached by its settings
