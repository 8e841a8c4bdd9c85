"""Kept or dropped, and why: the checks of XTTSDataset in the order it makes them.

coqui-tts 0.28, TTS/tts/layers/xtts/trainer/dataset.py (and the formatter before it):

0. coqui formatter: a row whose audio file does not exist is skipped.
1. ``load_item`` -> ``get_text`` -> ``tokenizer.encode``: NotImplementedError for a
   language preprocess_text does not know; then ``assert`` no [UNK] (id 1), no [STOP] (0).
2. ``load_audio``: torchaudio.load fails on a missing (ljspeech) or unreadable file.
3. ``ValueError`` for an empty text (``len(text.strip()) == 0``, raw text) and for audio
   shorter than ``0.5 * sample_rate`` samples.
4. ``__getitem__`` / ``check_eval_samples``: ``wav.shape[-1] > max_wav_length`` or
   ``tseq.shape[0] > max_text_length`` (strict ``>``; lengths after resampling; tokens
   include the [lang] tag and every [SPACE]).

Every failure is caught and the sample dropped silently. The first reason is the one the
trainer hits; the others would still drop the sample once it is fixed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from harness.audit.audio import AudioInfo
from harness.audit.limits import Limits
from harness.audit.samples import Sample
from harness.audit.tokenizer import Encoded


class Reason(enum.StrEnum):
    AUDIO_MISSING = "audio-missing"
    LANGUAGE_UNSUPPORTED = "language-unsupported"
    UNK_CHARACTERS = "unk-characters"
    STOP_TOKEN = "stop-token-in-text"
    AUDIO_UNREADABLE = "audio-unreadable"
    TEXT_EMPTY = "text-empty"
    AUDIO_TOO_SHORT = "audio-too-short"
    AUDIO_TOO_LONG = "audio-too-long"
    TEXT_TOO_LONG = "text-too-long"


# The audit finding for each reason (harness/audit/codes.py).
REASON_CODES = {
    Reason.LANGUAGE_UNSUPPORTED: "A101",
    Reason.UNK_CHARACTERS: "A102",
    Reason.STOP_TOKEN: "A103",
    Reason.AUDIO_MISSING: "A104",
    Reason.AUDIO_UNREADABLE: "A105",
    Reason.TEXT_EMPTY: "A106",
    Reason.AUDIO_TOO_SHORT: "A107",
    Reason.AUDIO_TOO_LONG: "A108",
    Reason.TEXT_TOO_LONG: "A109",
}


@dataclass(frozen=True, slots=True)
class Verdict:
    reasons: tuple[Reason, ...]  # in the trainer's order; empty when kept
    text_tokens: int  # tokens the dataset would compare with max_text_length
    wav_samples: int | None  # length at the trainer's sample rate
    duration_s: float | None

    @property
    def kept(self) -> bool:
        return not self.reasons

    @property
    def reason(self) -> Reason | None:
        return self.reasons[0] if self.reasons else None


def judge(
    sample: Sample, encoded: Encoded, audio: AudioInfo, limits: Limits, formatter: str
) -> Verdict:
    reasons: list[Reason] = []
    skipped_by_formatter = formatter == "coqui" and not audio.exists
    if skipped_by_formatter:
        reasons.append(Reason.AUDIO_MISSING)
    if encoded.unsupported:
        reasons.append(Reason.LANGUAGE_UNSUPPORTED)
    if encoded.has_unk:
        reasons.append(Reason.UNK_CHARACTERS)
    if encoded.has_stop:
        reasons.append(Reason.STOP_TOKEN)
    if not audio.exists and not skipped_by_formatter:
        reasons.append(Reason.AUDIO_MISSING)
    elif audio.exists and not audio.readable:
        reasons.append(Reason.AUDIO_UNREADABLE)
    if not sample.text.strip():
        reasons.append(Reason.TEXT_EMPTY)
    wav = audio.samples_at(limits.sample_rate)
    if wav is not None and wav < limits.min_wav_samples:
        reasons.append(Reason.AUDIO_TOO_SHORT)
    if wav is not None and wav > limits.max_wav_samples:
        reasons.append(Reason.AUDIO_TOO_LONG)
    if len(encoded.ids) > limits.max_text_tokens:
        reasons.append(Reason.TEXT_TOO_LONG)
    return Verdict(
        reasons=tuple(reasons),
        text_tokens=len(encoded.ids),
        wav_samples=wav,
        duration_s=audio.duration_s,
    )
