"""``--format md``: a GitHub pull-request comment.

A verdict line per candidate, a findings table, and the diff and schedules folded in
``<details>`` blocks. Values are escaped so a ``|`` or a backtick in a config cannot break
the table. Long reports are cut row-wise to stay under GitHub's 65,536-character limit.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from harness.diff import PlanDiff
from harness.findings import Finding, Severity
from harness.report.document import (
    ReportDocument,
    blocked,
    display_setting,
    schedule_lines,
    where,
)
from harness.sections import section_title

ICONS = {Severity.ERROR: "🔴", Severity.WARNING: "🟠", Severity.INFO: "🔵"}
MAX_FINDING_ROWS = 150
MAX_DIFF_ROWS = 200
MAX_CHARS = 65_000  # GitHub rejects comments over 65,536 characters
_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def render_markdown(doc: ReportDocument, *, show_all: bool = False) -> str:
    parts = [
        _title(doc),
        _verdicts(doc) if doc.reports_findings else "",
        _findings(doc.findings),
        _diff(doc.diff, show_all) if doc.diff is not None else "",
        _schedules(doc.schedules),
        *(_extra(name, data) for name, data in doc.extra.items()),
    ]
    text = "\n\n".join(part for part in parts if part) + "\n"
    if len(text) > MAX_CHARS:  # the row caps were not enough (very long values)
        cut = text[: MAX_CHARS - 200].rsplit("\n", 1)[0]
        if cut.count("```") % 2:  # close what the cut left open
            cut += "\n```"
        cut += "\n\n</details>" * (cut.count("<details>") - cut.count("</details>"))
        text = cut + "\n\n*(report cut to fit a PR comment; use `--format json` for all of it)*\n"
    return text


def escape(text: Any) -> str:
    """Plain text safe inside a Markdown table cell (no markup, no cell breaks)."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def code(text: Any) -> str:
    """An inline code span; pipes escaped for tables, backticks fenced by a longer run."""
    value = " ".join(str(text).split()).replace("|", "\\|")
    fence = "`" * (_longest_backtick_run(value) + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def _longest_backtick_run(text: str) -> int:
    return max((len(m) for m in re.findall(r"`+", text)), default=0)


def _title(doc: ReportDocument) -> str:
    line = f"### xtts-harness {escape(doc.command)}"
    if doc.baseline is not None:
        line += f"\n\nReference: **{escape(doc.baseline.name)}** ({escape(doc.baseline.library)})"
    return line


def _verdicts(doc: ReportDocument) -> str:
    lines = []
    for name, findings in doc.findings_by_plan().items():
        counts = {s: sum(1 for f in findings if f.severity is s) for s in Severity}
        tally = ", ".join(
            f"{counts[s]} {s.value}" for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)
        )
        if blocked(findings, doc.fail_on):
            mark = f"❌ fails `--fail-on {doc.fail_on.value}`"
        elif findings:
            mark = "⚠️ passes"
        else:
            mark = "✅ clean"
        lines.append(f"- **{escape(name)}**: {mark} ({tally})")
    return "\n".join(lines)


def _findings(findings: list[Finding]) -> str:
    if not findings:
        return ""
    rows = [
        "| severity | code | plan | key | message | fix | where |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in findings[:MAX_FINDING_ROWS]:
        rows.append(
            "| "
            + " | ".join(
                [
                    f"{ICONS[f.severity]} {f.severity.value}",
                    f"{escape(f.code)} {escape(f.name)}",
                    escape(f.plan or ""),
                    code(f.key) if f.key else "",
                    escape(f.message),
                    escape(f.fix or ""),
                    code(where(f)) if where(f) else "",
                ]
            )
            + " |"
        )
    rows += _more(len(findings) - MAX_FINDING_ROWS, "findings")
    return "#### Findings\n\n" + "\n".join(rows)


def _diff(diff: PlanDiff, show_all: bool) -> str:
    entries = diff.changed_entries(show_all)
    hidden = 0 if show_all else diff.hidden_noise()
    summary = f"Config diff: {len(entries)} changed keys against {html.escape(diff.reference)}"
    if hidden:
        summary += f" ({hidden} noise keys hidden; --all shows them)"
    if not entries:
        return summary
    header = ["key", f"{escape(diff.reference)} (reference)", *map(escape, diff.candidates)]
    rows = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    section = None
    for entry in entries[:MAX_DIFF_ROWS]:
        if entry.section != section:
            section = entry.section
            rows.append(f"| **{escape(section_title(section))}** |" + " |" * (len(header) - 1))
        cells = [code(entry.key), _cell(entry.reference, False)]
        cells += [_cell(s, c) for s, c in zip(entry.candidates, entry.changed, strict=True)]
        rows.append("| " + " | ".join(cells) + " |")
    rows += _more(len(entries) - MAX_DIFF_ROWS, "changed keys")
    return _details(summary, "\n".join(rows))


def _cell(setting: Any, changed: bool) -> str:
    value, source = display_setting(setting)
    text = f"**{escape(value)}**" if changed else escape(value)
    return f"{text}<br><sub>{escape(source)}</sub>" if source else text


def _schedules(schedules: list[Any]) -> str:
    blocks = []
    for schedule in schedules:
        if schedule is None:
            continue
        title, lines = schedule_lines(schedule)
        blocks.append(f"**{escape(title)}**\n\n" + "\n".join(f"- {escape(x)}" for x in lines))
    return _details("LR schedules", "\n\n".join(blocks)) if blocks else ""


def _extra(name: str, data: Any) -> str:
    body = "```json\n" + json.dumps(data, indent=2, default=str).replace("```", "`\u200b``")
    return _details(html.escape(name.replace("_", " ")), body + "\n```")


def _details(summary: str, body: str) -> str:
    """A folded block; ``summary`` is HTML (escape it), ``body`` Markdown."""
    return f"<details><summary>{summary}</summary>\n\n{body}\n\n</details>"


def _more(count: int, what: str) -> list[str]:
    return [f"\n*… {count} more {what}; use `--format json` for all of them*"] if count > 0 else []
