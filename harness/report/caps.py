"""Row caps for the outputs a person reads (text and Markdown); JSON and SARIF have all.

Thousands of unknown keys, or one finding per dataset row, would otherwise be thousands of
lines on a terminal. Each cap keeps the most severe findings first and says in one info
line how many more there are, so the exit code and the severities shown stay those of
the full list.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from harness.findings import Finding, Severity

SHOWN_PER_CODE = 50  # lint: findings of one code per config
ROWS_SHOWN = 10  # audit: per-row findings of one code


def cap_per_code(findings: Sequence[Finding], limit: int = SHOWN_PER_CODE) -> list[Finding]:
    """The first ``limit`` findings of each code and config, and a line saying the rest."""
    seen: Counter[tuple[str | None, str]] = Counter()
    kept = []
    for finding in findings:
        seen[finding.plan, finding.code] += 1
        if seen[finding.plan, finding.code] <= limit:
            kept.append(finding)
    for (plan, code), count in seen.items():
        if count > limit:
            first = next(f for f in findings if f.code == code and f.plan == plan)
            kept.append(
                Finding(
                    code=code,
                    name=first.name,
                    severity=Severity.INFO,
                    message=f"... and {count - limit} more {code} findings "
                    "(--format json lists them)",
                    plan=plan,
                )
            )
    return kept


def cap_rows(findings: Sequence[Finding], limit: int = ROWS_SHOWN) -> list[Finding]:
    """The first ``limit`` per-row findings of each code, and a line saying the rest.

    Every code keeps at least one finding.
    """
    seen: Counter[str] = Counter()
    kept = []
    for finding in findings:
        per_row = finding.line is not None
        seen[finding.code] += 1
        if not per_row or seen[finding.code] <= limit:
            kept.append(finding)
    for code, count in seen.items():
        if count > limit and any(f.code == code and f.line is not None for f in findings):
            first = next(f for f in findings if f.code == code)
            kept.append(
                Finding(
                    code=code,
                    name=first.name,
                    severity=Severity.INFO,
                    message=f"... and {count - limit} more {code} rows "
                    "(--all-rows or --format json lists them)",
                )
            )
    return kept


def split_per_code(findings: Sequence[Finding], limit: int) -> tuple[list[Finding], dict[str, int]]:
    """The first ``limit`` findings of each code, and how many of each code were left out
    (the HTML report's cards say so in a note of their own)."""
    shown: list[Finding] = []
    seen: Counter[str] = Counter()
    for finding in findings:
        seen[finding.code] += 1
        if seen[finding.code] <= limit:
            shown.append(finding)
    return shown, {code: n - limit for code, n in seen.items() if n > limit}
