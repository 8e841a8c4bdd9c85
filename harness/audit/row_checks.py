"""Findings about single rows (A104, A105, A130-A134), checked as the rows stream past.

Memory does not grow with the rows that pass: findings are kept up to ``KEPT_PER_CODE``
per code (the rest are counted and summed up in one finding), and the "listed twice"
check (A132) remembers each audio path as its 64-bit hash with the packed place it was
first seen, not as the path string or the row.
"""

from __future__ import annotations

import ntpath
import os
from collections import Counter
from typing import TYPE_CHECKING

from harness.audit.codes import make
from harness.findings import Finding, Severity

if TYPE_CHECKING:
    from harness.audit.result import SampleResult

KEPT_PER_CODE = 1000  # row findings of one code held for the report; the rest are counted


class RowChecks:
    """Feed every row to ``add`` in file order; ``findings()`` gives what they raised."""

    def __init__(self) -> None:
        self._findings: list[Finding] = []
        self._raised: Counter[str] = Counter()
        # hash(normpath) -> line * 4 + file index * 2 + (1 if eval): where it was first seen
        self._first_seen: dict[int, int] = {}
        self._files: list[str] = []

    def add(self, item: SampleResult) -> bool:
        """Check one row; True when it raised a finding."""
        before = self._raised.total()
        sample = item.sample
        raw = sample.audio_file
        if _is_windows_path(raw):
            self._raise(
                make(
                    "A131",
                    f"audio path {raw!r} uses backslashes or a drive letter: on Linux the "
                    "formatter looks for a file of that literal name",
                    file=sample.file,
                    line=sample.line,
                    fix=f"write it as {raw.replace(chr(92), '/')!r}, relative to the dataset root",
                )
            )
        elif os.path.isabs(raw):
            self._raise(
                make(
                    "A130",
                    f"absolute audio path {raw!r}: the dataset root is ignored for it",
                    file=sample.file,
                    line=sample.line,
                    fix="write the path relative to the dataset root (wavs/clip.wav)",
                )
            )
        if sample.expected_columns is not None and sample.columns != sample.expected_columns:
            self._raise(_column_finding(item))
        self._audio(item)
        self._duplicate(item)
        return self._raised.total() > before

    def findings(self) -> list[Finding]:
        """The kept findings, then one per code that had more, saying how many."""
        out = list(self._findings)
        for code, count in self._raised.items():
            if count > KEPT_PER_CODE:
                first = next(f for f in self._findings if f.code == code)
                out.append(
                    Finding(
                        code=code,
                        name=first.name,
                        severity=Severity.INFO,
                        message=f"... and {count - KEPT_PER_CODE} more {code} rows: the "
                        f"audit keeps the first {KEPT_PER_CODE} rows of each code",
                        file=first.file,
                    )
                )
        return out

    def _raise(self, finding: Finding) -> None:
        self._raised[finding.code] += 1
        if self._raised[finding.code] <= KEPT_PER_CODE:
            self._findings.append(finding)

    def _audio(self, item: SampleResult) -> None:
        sample, audio = item.sample, item.audio
        if not audio.exists:
            self._raise(
                make(
                    "A104",
                    f"audio file not found: {sample.audio_path}",
                    file=sample.file,
                    line=sample.line,
                    fix="correct the path (relative to the dataset root) or restore the file",
                )
            )
        elif audio.error:
            self._raise(
                make(
                    "A105",
                    f"cannot decode {sample.audio_path}: {audio.error}",
                    file=sample.file,
                    line=sample.line,
                    fix="re-export the file as WAV (22050 Hz mono)",
                )
            )
        elif audio.truncated:
            self._raise(
                make(
                    "A134",
                    f"{sample.audio_path}: {audio.truncated}; the trainer reads only "
                    f"{audio.duration_s:.2f} s of it",
                    file=sample.file,
                    line=sample.line,
                    fix="re-export the file from its source",
                )
            )

    def _duplicate(self, item: SampleResult) -> None:
        sample = item.sample
        if sample.file not in self._files:
            self._files.append(sample.file)
        place = sample.line * 4 + self._files.index(sample.file) * 2 + (item.role == "eval")
        # A 64-bit hash: two different paths collide with odds of about n^2 / 2^65.
        first = self._first_seen.setdefault(hash(os.path.normpath(sample.audio_path)), place)
        if first == place:
            return
        leak = (first & 1) != (item.role == "eval")
        where = f"{self._files[(first >> 1) & 1]}:{first >> 2}"
        what = "in both train and eval (eval leaks into training)" if leak else "twice"
        self._raise(
            make(
                "A132",
                f"{sample.audio_file!r} is listed {what}; first at {where}",
                file=sample.file,
                line=sample.line,
                fix="remove the repeated row",
            )
        )


def _is_windows_path(path: str) -> bool:
    return "\\" in path or bool(ntpath.splitdrive(path)[0])


def _column_finding(item: SampleResult) -> Finding:
    sample = item.sample
    if sample.text_missing:
        detail = "no text column: the dataset trains on the text 'None'"
    elif sample.columns < (sample.expected_columns or 0):
        detail = "the missing columns are read as None"
    else:
        detail = "extra '|' in the row: the columns after the header's are ignored"
    return make(
        "A133",
        f"row has {sample.columns} columns, the header has {sample.expected_columns}; {detail}",
        file=sample.file,
        line=sample.line,
        fix="write exactly audio_file|text|speaker_name (no '|' inside the text)",
    )
