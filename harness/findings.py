"""Findings: what every check (config rules, dataset audit, vocab check) reports."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass
from typing import Any


class Severity(enum.StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls(text.lower())
        except ValueError:
            from harness.errors import HarnessError

            raise HarnessError(
                f"unknown severity {text!r}", fix="use one of: info, warning, error"
            ) from None


@dataclass(frozen=True)
class FindingCode:
    """A documented finding code: a config rule (S, O, M, L, B, X, K...) or an audit code (A,
    V). ``harness.catalog`` looks every one up; ``explain``, SARIF and the report read these
    fields, whatever produced the finding."""

    code: str  # "S101", "A102"
    name: str  # kebab-case, "milestones-never-fire"
    severity: Severity  # the default; a finding may say otherwise (info when undecided)
    family: str  # "schedule", "optimizer", ..., "data" for the dataset and vocab codes
    summary: str  # one line
    doc: str  # Markdown in ruff's sections (harness.catalog.DOC_SECTIONS)

    def finding(self, message: str, *, severity: Severity | None = None, **where: Any) -> Finding:
        """A Finding of this code; ``where`` is key, file, line, fix and plan."""
        return Finding(
            code=self.code,
            name=self.name,
            severity=severity or self.severity,
            message=message,
            **where,
        )


_RANKS = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


@dataclass(frozen=True)
class Finding:
    """One problem, pointing at the config key (and file line) that causes it.

    ``plan`` names the config the finding is about (a candidate's display name),
    so one list can carry findings for several candidates.
    """

    code: str
    name: str
    severity: Severity
    message: str
    key: str | None = None
    file: str | None = None
    line: int | None = None
    fix: str | None = None
    plan: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = self.severity.value
        return data


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Most severe first, then by code, so output order is stable."""
    return sorted(findings, key=lambda f: (-f.severity.rank, f.plan or "", f.code, f.key or ""))


def exit_code(findings: list[Finding], fail_on: Severity) -> int:
    """0 when clean, 1 when any finding is at or above ``fail_on``."""
    return 1 if any(f.severity.rank >= fail_on.rank for f in findings) else 0
