"""The audit's result: one verdict per sample, and the tables the report plots."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.audit.audio import AudioInfo
from harness.audit.coverage import Coverage
from harness.audit.limits import Limits
from harness.audit.samples import DatasetSource, Sample
from harness.audit.tokenizer import Encoded
from harness.audit.totals import KEPT, Reservoir, Totals
from harness.audit.verdict import Reason, Verdict
from harness.findings import Finding


@dataclass(frozen=True, slots=True)
class SampleResult:
    sample: Sample
    role: str  # "train" or "eval": the set the trainer puts the sample in
    encoded: Encoded
    audio: AudioInfo
    verdict: Verdict

    @property
    def hours(self) -> float:
        return (self.verdict.duration_s or 0.0) / 3600

    def to_dict(self) -> dict[str, Any]:
        verdict = self.verdict
        return {
            "split": self.role,
            "file": self.sample.file,
            "line": self.sample.line,
            "audio": self.sample.audio_file,
            "text": self.sample.text,
            "kept": verdict.kept,
            "reason": verdict.reason.value if verdict.reason else None,
            "also": [r.value for r in verdict.reasons[1:]],
            "detail": self.detail(),
            "text_tokens": verdict.text_tokens,
            "duration_s": verdict.duration_s,
            "wav_samples": verdict.wav_samples,
            "file_sample_rate": self.audio.sample_rate,
            "unk_chars": self.unk_chars,
            "approximate": self.encoded.approximate,
        }

    @property
    def unk_chars(self) -> str:
        return "".join(dict.fromkeys(self.encoded.unk_chars))

    def detail(self) -> str:
        """The first reason in words, with the numbers that decide it."""
        reason, verdict = self.verdict.reason, self.verdict
        if reason is Reason.UNK_CHARACTERS:
            prefix = "language tag; " if self.encoded.prefix_unk else ""
            return f"[UNK] from: {prefix}{self.unk_chars}".rstrip("; ")
        if reason in (Reason.AUDIO_TOO_SHORT, Reason.AUDIO_TOO_LONG):
            return f"{verdict.duration_s:.2f} s ({verdict.wav_samples} samples)"
        if reason is Reason.TEXT_TOO_LONG:
            return f"{verdict.text_tokens} tokens"
        if reason is Reason.AUDIO_UNREADABLE:
            return self.audio.error or ""
        if reason is Reason.AUDIO_MISSING:
            return f"not found: {self.sample.audio_path}"
        if reason is Reason.LANGUAGE_UNSUPPORTED:
            return "the stock VoiceBpeTokenizer raises NotImplementedError for the language"
        return ""


@dataclass
class AuditResult:
    """Totals over every row, and the records of some rows (``samples``).

    ``samples`` holds every row of a small dataset; past ``records.ALL_ROWS`` rows it holds
    the first rows and the dropped or flagged ones up to a cap (``samples_not_listed``
    counts the rest), so that memory does not grow with the dataset. Counts and hours come
    from ``totals``, never from ``samples``.
    """

    source: DatasetSource
    language: str
    tokenizer_mode: str
    vocab_path: str
    language_tag: str
    tag_is_added_token: bool
    tag_tokens: int  # tokens the [lang] prefix alone encodes to
    limits: Limits
    samples: list[SampleResult]
    coverage: Coverage
    eval_source: str  # "file", "automatic" or "none"
    totals: Totals = field(default_factory=Totals)
    samples_not_listed: int = 0
    eval_split_error: str | None = None
    config: str | None = None  # the config whose limits were used
    findings: list[Finding] = field(default_factory=list)

    def in_role(self, role: str) -> list[SampleResult]:
        """The listed records in ``role`` (all of them for a small dataset)."""
        return [s for s in self.samples if s.role == role]

    def kept(self, role: str | None = None) -> list[SampleResult]:
        """The listed records that are kept (all of them for a small dataset)."""
        return [s for s in self.samples if s.verdict.kept and (role is None or s.role == role)]

    @property
    def samples_total(self) -> int:
        return self.totals.count()

    @property
    def eval_samples_left(self) -> int:
        return self.totals.count("eval", kept=True)

    @property
    def hours(self) -> float:
        return self.totals.hours()

    @property
    def tokens_per_char(self) -> float | None:
        """Text tokens per character of cleaned text, the [lang] tag not counted."""
        if not self.totals.chars:
            return None
        return self.totals.tokens / self.totals.chars

    def drop_table(self) -> list[dict[str, Any]]:
        """Samples and hours per first drop reason (the one the trainer hits), and kept."""
        totals = self.totals
        total, hours = totals.count(), totals.hours()
        rows = []
        for name in [reason.value for reason in Reason] + [KEPT]:
            members = totals.of(name)
            if not members.total and name != KEPT:
                continue
            rows.append(
                {
                    "reason": name,
                    "count": members.total,
                    "hours": members.hours,
                    "share": members.total / total if total else 0.0,
                    "hours_share": members.hours / hours if hours else 0.0,
                    "train": members.count["train"],
                    "eval": members.count["eval"],
                }
            )
        return rows

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe data for --format json and the HTML report (harness/report/html_dataset)."""
        totals = self.totals
        return {
            "dataset": str(self.source.root),
            "dataset_files": {
                "formatter": self.source.formatter,
                "train_file": str(self.source.train_file),
                "eval_file": str(self.source.eval_file) if self.source.eval_file else None,
                "eval_source": self.eval_source,
                "eval_split_error": self.eval_split_error,
            },
            "config": self.config,
            "vocab": self.vocab_path,
            "language": self.language,
            "tokenizer": {
                "mode": self.tokenizer_mode,
                "language_tag": self.language_tag,
                "tag_is_added_token": self.tag_is_added_token,
                "tag_tokens": self.tag_tokens,
            },
            "limits": self.limits.to_dict(),
            "samples_total": totals.count(),
            "samples_kept": totals.count(kept=True),
            "hours_total": totals.hours(),
            "hours_kept": totals.hours(kept=True),
            "splits": {
                role: {
                    "samples": totals.count(role),
                    "hours": totals.hours(role),
                    "kept": totals.count(role, kept=True),
                    "kept_hours": totals.hours(role, kept=True),
                }
                for role in ("train", "eval")
            },
            "eval_samples_left": self.eval_samples_left,
            "drops": [row for row in self.drop_table() if row["reason"] != KEPT],
            "vocab_coverage": self.coverage.to_dict(),
            "tokens_per_char": self.tokens_per_char,
            "distributions": {
                "text_tokens": _distribution(totals.text_tokens),
                "durations": _distribution(totals.durations),
            },
            "samples": [s.to_dict() for s in self.samples],
            "samples_listed": len(self.samples),
            "samples_not_listed": self.samples_not_listed,
        }


def _distribution(reservoir: Reservoir) -> dict[str, Any]:
    """The values to plot: all of them, or a uniform sample of ``RESERVOIR`` of them."""
    out: dict[str, Any] = {"values": reservoir.to_list()}
    if reservoir.seen > len(reservoir.values):
        out["sampled_from"] = reservoir.seen
    return out
