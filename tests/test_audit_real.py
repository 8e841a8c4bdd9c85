"""The audit agrees with the real coqui-tts code, sample by sample.

The same metadata goes through the real formatter (``TTS.tts.datasets.formatters``) and the
real ``XTTSDataset`` (eval mode, which loads and filters every sample up front with the
same ``load_item`` and limits that training uses), with the real ``VoiceBpeTokenizer``.

For the ``passthrough`` setting the tokenizer instance gets the fork's ``preprocess_text``
(accept any language; drop ``"``, lowercase, collapse whitespace), which is what Amharic
forks patch in (Diakonrobel/Amharic_XTTS-V2_TTS routes ``am`` through the ``en`` cleaners,
the same for this text).
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from pathlib import Path

import pytest

from harness.audit import Limits, Reason, audit_source, locate
from harness.audit.audio import resampled_length
from harness.audit.split import split_eval
from harness.audit.vocab import read_vocab

pytestmark = pytest.mark.ablate

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "datasets"
DEMO = ROOT / "experiments" / "amharic_bpe" / "data"
VOCAB_AM = ROOT / "experiments" / "amharic_bpe" / "vocab_am.json"
MIXED_LIMITS = Limits(max_text_tokens=30, max_wav_samples=22050)


@pytest.fixture(scope="module")
def tts():
    pytest.importorskip("TTS")
    from TTS.tts.datasets import formatters, split_dataset
    from TTS.tts.layers.xtts.tokenizer import VoiceBpeTokenizer
    from TTS.tts.layers.xtts.trainer.dataset import XTTSDataset
    from TTS.tts.layers.xtts.trainer.gpt_trainer import GPTArgs, GPTTrainerConfig

    return {
        "formatters": formatters,
        "split_dataset": split_dataset,
        "VoiceBpeTokenizer": VoiceBpeTokenizer,
        "XTTSDataset": XTTSDataset,
        "GPTArgs": GPTArgs,
        "GPTTrainerConfig": GPTTrainerConfig,
    }


def fork_tokenizer(tts, vocab: Path):
    """VoiceBpeTokenizer as a language fork patches it (on this instance only)."""
    from TTS.tts.layers.xtts import tokenizer as module

    real = tts["VoiceBpeTokenizer"](str(vocab))
    stock = real.preprocess_text

    def preprocess_text(txt, lang):
        try:
            return stock(txt, lang)
        except NotImplementedError:
            return module.collapse_whitespace(module.lowercase(txt.replace('"', "")))

    real.preprocess_text = preprocess_text
    return real


def real_verdicts(tts, source, tokenizer, language: str, limits: Limits):
    """Per metadata file: the formatter's rows, each with the reason load_item fails on
    (None when kept), and the rows XTTSDataset(is_eval=True) keeps."""
    formatter = getattr(tts["formatters"], source.formatter)
    config = tts["GPTTrainerConfig"](
        model_args=tts["GPTArgs"](
            max_text_length=limits.max_text_tokens, max_wav_length=limits.max_wav_samples
        )
    )
    out = []
    for _, path in source.files:
        items = formatter(str(source.root), str(path))
        for item in items:
            item["language"] = language
        dataset = tts["XTTSDataset"](config, list(items), tokenizer, limits.sample_rate, True)
        reasons = [real_reason(dataset, item) for item in items]
        out.append((items, reasons, dataset.samples))
    return out


def real_reason(dataset, item) -> str | None:
    """Which check of XTTSDataset a sample fails, from the exception load_item raises."""
    try:
        tseq, _, wav, *_ = dataset.load_item(item)
    except NotImplementedError:
        return "language-unsupported"
    except AssertionError as error:
        return "unk-characters" if "UNK" in str(error) else "stop-token-in-text"
    except ValueError:  # empty text is checked before the length
        return "text-empty" if not str(item["text"]).strip() else "audio-too-short"
    except Exception:
        return "audio-missing" if not os.path.exists(item["audio_file"]) else "audio-unreadable"
    if wav.shape[-1] > dataset.max_wav_len:
        return "audio-too-long"
    if tseq.shape[0] > dataset.max_text_len:
        return "text-too-long"
    return None


def assert_agree(tts, source, vocab: Path, language: str, mode: str, limits: Limits):
    tokenizer = (
        fork_tokenizer(tts, vocab)
        if mode == "passthrough"
        else tts["VoiceBpeTokenizer"](str(vocab))
    )
    ours = audit_source(source, vocab=vocab, language=language, limits=limits, tokenizer_mode=mode)
    logging.disable(logging.CRITICAL)  # the dataset logs every failure with a traceback
    try:
        real = real_verdicts(tts, source, tokenizer, language, limits)
    finally:
        logging.disable(logging.NOTSET)
    for (split, _), (items, reasons, kept) in zip(source.files, real, strict=True):
        rows = [s for s in ours.samples if s.sample.split == split]
        if source.formatter == "coqui":  # the formatter skipped rows without audio
            skipped = [s for s in rows if s.verdict.reason is Reason.AUDIO_MISSING]
            assert all(not s.audio.exists for s in skipped)
            rows = [s for s in rows if s.audio.exists]
        assert [(s.sample.audio_path, s.sample.text) for s in rows] == [
            (item["audio_file"], str(item["text"])) for item in items
        ]
        ours_reasons = [s.verdict.reason.value if s.verdict.reason else None for s in rows]
        assert ours_reasons == reasons, split
        assert Counter((s.sample.audio_path, s.sample.text) for s in rows if s.verdict.kept) == (
            Counter((item["audio_file"], str(item["text"])) for item in kept)
        )
    return ours


def test_every_drop_reason_agrees_with_the_real_dataset(tts, xtts_release_dir):
    vocab = xtts_release_dir / "vocab.json"
    ours = assert_agree(tts, locate(FIXTURES / "mixed"), vocab, "en", "stock", MIXED_LIMITS)
    seen = {s.verdict.reason for s in ours.samples}
    assert seen >= set(Reason) - {Reason.STOP_TOKEN, Reason.LANGUAGE_UNSUPPORTED}
    assert_agree(tts, locate(FIXTURES / "ljspeech"), vocab, "en", "stock", Limits())


def test_unsupported_language_agrees_with_the_real_dataset(tts, xtts_release_dir):
    vocab = xtts_release_dir / "vocab.json"
    ours = assert_agree(tts, locate(FIXTURES / "mixed"), vocab, "am", "stock", MIXED_LIMITS)
    assert Reason.LANGUAGE_UNSUPPORTED in {s.verdict.reason for s in ours.samples}


def test_extended_vocab_with_a_fork_tokenizer_agrees_with_the_real_dataset(tts):
    source = locate(FIXTURES / "mixed")
    ours = assert_agree(tts, source, VOCAB_AM, "am", "passthrough", MIXED_LIMITS)
    ethiopic = next(s for s in ours.samples if "ሰ" in s.sample.text)
    assert ethiopic.verdict.kept
    demo = assert_agree(tts, locate(DEMO), VOCAB_AM, "am", "passthrough", Limits())
    assert len(demo.kept()) == len(demo.samples)


def test_token_ids_match_the_real_tokenizer_on_the_demo_text(tts):
    real = fork_tokenizer(tts, VOCAB_AM)
    ours = audit_source(locate(DEMO), vocab=VOCAB_AM, language="am", tokenizer_mode="passthrough")
    assert real.get_number_tokens() == read_vocab(VOCAB_AM).number_text_tokens
    for sample in ours.samples:
        assert list(sample.encoded.ids) == real.encode(sample.sample.text, "am")


def test_resampled_length_matches_torchaudio(tts):
    import torch
    import torchaudio

    for frames, rate in [(8000, 8000), (8001, 8000), (3999, 8000), (9600, 16000), (1001, 44100)]:
        out = torchaudio.functional.resample(torch.zeros(1, frames), rate, 22050)
        assert out.shape[-1] == resampled_length(frames, rate, 22050)


@pytest.mark.parametrize("speakers", [["a"] * 40, ["a", "b", "c", "d"] * 10])
def test_eval_split_matches_load_tts_samples(tts, speakers):
    items = [{"audio_file": f"{i}.wav", "speaker_name": s} for i, s in enumerate(speakers)]
    real_eval, real_train = tts["split_dataset"](list(items), None, 0.2)
    ours_eval, ours_train = split_eval(items, speakers, 0.2, None)
    assert ours_eval == real_eval and ours_train == real_train
