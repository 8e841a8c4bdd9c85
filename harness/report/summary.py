"""What a reader sees first: a verdict per candidate and its most important findings.

Presentation only: it ranks and counts findings the rules and the audit already produced,
and passes the ablation verdicts through. Shared by the HTML report and the Markdown summary.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from harness.catalog import lookup
from harness.findings import Finding, Severity
from harness.report.document import ABLATION_KEY, AUDIT_KEY, blocked, where
from harness.report.htmlkit import duration, number
from harness.report.markdown import ICONS, code, escape

# Families in the order a reader should meet them: a schedule that never fires or a model
# limit that indexes past an embedding wastes the whole run; bookkeeping costs less.
FAMILY_ORDER = (
    "schedule",
    "model",
    "language",
    "data",
    "optimizer",
    "extras",
    "keys",
    "bookkeeping",
)

BLOCKED, WARNINGS, CLEAN = "blocked", "warnings", "clean"
# Findings that name no config come from the dataset audit in a report.
DATASET = "dataset"


@dataclass(frozen=True)
class Verdict:
    """The verdict on one config (or on the dataset): blocked, warnings or clean."""

    plan: str
    status: str  # BLOCKED, WARNINGS or CLEAN
    errors: int
    warnings: int
    infos: int
    top: tuple[Finding, ...]  # the most important findings, most important first
    fail_on: Severity = Severity.ERROR  # what blocks: the command's --fail-on

    @property
    def headline(self) -> str:
        if self.status == BLOCKED:
            counts = (
                (self.errors, Severity.ERROR),
                (self.warnings, Severity.WARNING),
                (self.infos, Severity.INFO),
            )
            blocking = [_plural(n, s.value) for n, s in counts if n and s.rank >= self.fail_on.rank]
            return f"blocked by {', '.join(blocking)}"
        if self.status == WARNINGS:
            return _plural(self.warnings, "warning")
        return "clean"


def rank_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Most important first: severity, then the family's weight, then code and key."""
    return sorted(findings, key=_importance)


def verdicts(
    plan_names: Sequence[str],
    findings: Sequence[Finding],
    *,
    fail_on: Severity,
    top: int = 3,
) -> list[Verdict]:
    """One verdict per named plan, then one per other ``plan`` the findings name.

    A plan is blocked exactly when its findings make the command exit 1 (``fail_on``:
    ``harness.report.document.blocked``, the one rule every renderer follows).
    """
    names = list(plan_names)
    names += sorted({f.plan or DATASET for f in findings} - set(names))
    return [
        _verdict(name, [f for f in findings if (f.plan or DATASET) == name], top, fail_on)
        for name in names
    ]


def ablation_verdicts(summary: dict[str, Any] | None) -> list[str]:
    """The plain-language verdicts of a study summary, as the statistics wrote them."""
    if not summary:
        return []
    return [
        str(v.get("text", v)) if isinstance(v, dict) else str(v) for v in _verdict_list(summary)
    ]


def _verdict_list(summary: dict[str, Any]) -> list[Any]:
    found = summary.get("verdicts") or []
    return list(found.values()) if isinstance(found, dict) else list(found)


def _verdict(name: str, findings: list[Finding], top: int, fail_on: Severity) -> Verdict:
    counts = {s: sum(1 for f in findings if f.severity is s) for s in Severity}
    if blocked(findings, fail_on):
        status = BLOCKED
    elif counts[Severity.WARNING]:
        status = WARNINGS
    else:
        status = CLEAN
    return Verdict(
        plan=name,
        status=status,
        errors=counts[Severity.ERROR],
        warnings=counts[Severity.WARNING],
        infos=counts[Severity.INFO],
        top=tuple(rank_findings(findings)[:top]),
        fail_on=fail_on,
    )


def _importance(finding: Finding) -> tuple[int, int, str, str]:
    return (-finding.severity.rank, _family_rank(finding.code), finding.code, finding.key or "")


def _family_rank(code: str) -> int:
    family = rule_family(code)
    return FAMILY_ORDER.index(family) if family in FAMILY_ORDER else len(FAMILY_ORDER)


def rule_family(code: str) -> str | None:
    """The family of a config rule, "data" for a dataset-audit code, None when unknown."""
    entry = lookup(code)
    return None if entry is None else entry.family


def explain_text(code: str) -> str | None:
    """What ``xtts-harness explain CODE`` says (Markdown), for a rule or an audit code."""
    entry = lookup(code)
    return None if entry is None else entry.doc


def dataset_line(audit: dict[str, Any]) -> str:
    """One sentence on the audit: what is kept, and how many eval samples are left."""
    total = audit.get("samples_total")
    kept = audit.get("samples_kept")
    parts = []
    if total is not None and kept is not None:
        parts.append(f"{number(kept)} of {number(total)} samples kept")
    hours, kept_hours = audit.get("hours_total"), audit.get("hours_kept")
    if hours is not None and kept_hours is not None:
        parts.append(f"{duration(kept_hours)} of {duration(hours)} of audio")
    if audit.get("eval_samples_left") is not None:
        parts.append(f"eval samples left after filtering: {number(audit['eval_samples_left'])}")
    return "; ".join(parts) + "." if parts else "Dataset audited."


SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`\[(])")


def first_sentence(text: str) -> str:
    """The message's first sentence, whole: a card never cuts a headline mid-sentence."""
    return SENTENCE_END.split(text.strip(), maxsplit=1)[0]


def verdict_lines(doc: Any) -> list[str]:
    """The report's verdict for a terminal: per config its status and its top errors and
    warnings (info notes stay in the report), then the ablation verdicts: what ``report``
    prints after writing the files."""
    lines = ["verdict:"]
    for v in verdicts([p.name for p in doc.plans], doc.findings, fail_on=doc.fail_on):
        lines.append(f"  {v.plan}: {v.headline}")
        shown = [f for f in v.top if f.severity is not Severity.INFO]
        lines += [f"    {f.code} {f.name}: {first_sentence(f.message)}" for f in shown]
    ablation = doc.extra.get(ABLATION_KEY)
    if ablation is not None:
        lines.append("  ablation:")
        texts = ablation_verdicts(ablation) or ["no verdicts yet (no complete arms)"]
        lines += [f"    {text}" for text in texts]
    return lines


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


# ---- Markdown summary (a PR comment) --------------------------------------------------------

STATUS_ICONS = {BLOCKED: "❌", WARNINGS: "⚠️", CLEAN: "✅"}
MAX_MD_FINDINGS = 150  # keeps the comment under GitHub's 65,536 characters


def summary_markdown(doc: Any, *, html_path: str | None = None) -> str:
    """The report's summary, its findings and the verdicts as GitHub Markdown."""
    found = verdicts([p.name for p in doc.plans], doc.findings, fail_on=doc.fail_on)
    parts = [_md_title(doc), _md_verdict_table(found), _md_top(found)]
    ablation = doc.extra.get(ABLATION_KEY)
    if ablation is not None:
        texts = ablation_verdicts(ablation) or ["no verdicts yet (no complete arms)"]
        parts.append("#### Ablation verdicts\n\n" + "\n".join(f"- {escape(t)}" for t in texts))
    audit = doc.extra.get(AUDIT_KEY)
    if audit is not None:
        parts.append(f"#### Dataset\n\n{escape(dataset_line(audit))}")
    parts.append(_md_findings(doc.findings))
    if html_path:
        parts.append(f"Full report: `{html_path}` (one self-contained HTML file).")
    return "\n\n".join(p for p in parts if p) + "\n"


def _md_title(doc: Any) -> str:
    names = ", ".join(escape(p.name) for p in doc.plans)
    if doc.baseline is None:
        return f"### xtts-harness report: {names}"
    return f"### xtts-harness report: {names} against {escape(doc.baseline.name)}"


def _md_verdict_table(found: list[Verdict]) -> str:
    rows = ["| config | verdict | errors | warnings | info |", "|---|---|---:|---:|---:|"]
    for v in found:
        rows.append(
            f"| **{escape(v.plan)}** | {STATUS_ICONS[v.status]} {v.headline} "
            f"| {v.errors} | {v.warnings} | {v.infos} |"
        )
    return "\n".join(rows)


def _md_top(found: list[Verdict]) -> str:
    lines = []
    for v in found:
        for f in v.top:
            fix = f" **Fix:** {escape(f.fix)}" if f.fix else ""
            lines.append(
                f"- **{escape(v.plan)}** {ICONS[f.severity]} {code(f.code)} "
                f"{escape(f.name)}: {escape(f.message)}{fix}"
            )
    return "#### Most important findings\n\n" + "\n".join(lines) if lines else ""


def _md_findings(findings: Sequence[Finding]) -> str:
    if not findings:
        return "#### Findings\n\nNone: every config is clean."
    rows = ["| severity | code | config | key | message | where |", "|---|---|---|---|---|---|"]
    ranked = rank_findings(findings)
    for f in ranked[:MAX_MD_FINDINGS]:
        rows.append(
            f"| {ICONS[f.severity]} {f.severity.value} | {code(f.code)} {escape(f.name)} "
            f"| {escape(f.plan or DATASET)} | {code(f.key) if f.key else ''} | {escape(f.message)} "
            f"| {code(where(f)) if where(f) else ''} |"
        )
    if len(ranked) > MAX_MD_FINDINGS:
        rows.append(f"\n*… {len(ranked) - MAX_MD_FINDINGS} more in the HTML report*")
    body = "\n".join(rows)
    return f"<details><summary>All findings ({len(findings)})</summary>\n\n{body}\n\n</details>"
