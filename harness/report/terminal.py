"""``--format text``: rich tables for a terminal (plain text when not one).

rich is imported inside ``render_text`` so that importing the report package stays cheap.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
from typing import Any

from harness.diff import PlanDiff
from harness.findings import Finding, Severity
from harness.report.document import (
    ReportDocument,
    display_setting,
    plan_label,
    schedule_lines,
    where,
)
from harness.report.safe_text import safe_text
from harness.sections import section_title

STYLES = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
CHANGED = "≠ "  # marks a changed diff cell even without color


def render_text(doc: ReportDocument, *, show_all: bool = False, color: bool | None = None) -> str:
    from rich.console import Console

    if color is None:
        color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=shutil.get_terminal_size((120, 24)).columns,
        force_terminal=color,
        no_color=not color,
        color_system="auto" if color else None,
        highlight=False,
        emoji=False,
    )
    _header(console, doc)
    _findings(console, doc)
    if doc.diff is not None:
        _diff(console, doc.diff, show_all)
    _schedules(console, doc.schedules)
    for name, data in doc.extra.items():
        _extra(console, name, data)
    _summary(console, doc)
    text = buffer.getvalue()
    if not color:  # rich pads wrapped lines to the width; plain text needs no trailing blanks
        text = "\n".join(line.rstrip() for line in text.splitlines()) + "\n"
    return text


def _header(console: Any, doc: ReportDocument) -> None:
    line = f"[bold]xtts-harness {doc.command}[/bold]"
    if doc.baseline is not None:
        line += f"  reference: {_esc(plan_label(doc.baseline))} [dim]({doc.baseline.library})[/dim]"
    console.print(line)


def _findings(console: Any, doc: ReportDocument) -> None:
    if not doc.reports_findings:
        return  # a diff or a schedule alone has no verdict to give
    from rich.table import Table

    for name, findings in doc.findings_by_plan().items():
        console.print()
        if not findings:
            console.print(f"[bold]{_esc(name)}[/bold]: [green]clean[/green]")
            continue
        console.print(f"[bold]{_esc(name)}[/bold]: {_tally(findings)}")
        table = Table(show_lines=True, expand=True)
        table.add_column("severity", no_wrap=True)
        table.add_column("code", max_width=24, overflow="fold")
        table.add_column("key / where", max_width=32, overflow="fold")
        table.add_column("message / fix", ratio=1, overflow="fold")
        for f in findings:
            table.add_row(
                f"[{STYLES[f.severity]}]{f.severity.value}[/]",
                f"{_esc(f.code)}\n[dim]{_esc(f.name)}[/dim]",
                _esc(f.key or "") + (f"\n[dim]{_esc(where(f))}[/dim]" if where(f) else ""),
                _message(f),
            )
        console.print(table)


def _message(finding: Finding) -> str:
    text = _esc(finding.message)
    return f"{text}\n[green]fix:[/green] {_esc(finding.fix)}" if finding.fix else text


def _tally(findings: list[Finding]) -> str:
    parts = []
    for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO):
        count = sum(1 for f in findings if f.severity is severity)
        if count:
            parts.append(f"[{STYLES[severity]}]{count} {severity.value}[/]")
    return ", ".join(parts)


def _diff(console: Any, diff: PlanDiff, show_all: bool) -> None:
    from rich.table import Table

    entries = diff.changed_entries(show_all)
    hidden = 0 if show_all else diff.hidden_noise()
    console.print()
    title = f"[bold]diff[/bold]: {len(entries)} changed keys against {_esc(diff.reference)}"
    if hidden:
        title += f" [dim]({hidden} noise keys hidden; --all shows them)[/dim]"
    console.print(title)
    if not entries:
        return
    table = Table(show_lines=False, expand=False)
    table.add_column("key", overflow="fold")
    table.add_column(f"{_esc(diff.reference)} (reference)", overflow="fold")
    for name in diff.candidates:
        table.add_column(_esc(name), overflow="fold")
    section = None
    for entry in entries:
        if entry.section != section:
            if section is not None:
                table.add_section()
            section = entry.section
            table.add_row(f"[bold underline]{_esc(section_title(section))}[/]")
        cells = [_cell(entry.reference, False)]
        cells += [_cell(s, c) for s, c in zip(entry.candidates, entry.changed, strict=True)]
        key = _esc(entry.key) + (" [dim](noise)[/dim]" if entry.noise else "")
        table.add_row(key, *cells)
    console.print(table)


def _cell(setting: Any, changed: bool) -> str:
    value, source = display_setting(setting)
    text = f"[bold yellow]{CHANGED}{_esc(value)}[/]" if changed else _esc(value)
    return f"{text}\n[dim]{_esc(source)}[/dim]" if source else text


def _schedules(console: Any, schedules: list[Any]) -> None:
    from rich.padding import Padding

    for schedule in schedules:
        if schedule is None:
            continue
        title, lines = schedule_lines(schedule)
        console.print()
        console.print(f"[bold]schedule[/bold]: {_esc(title)}")
        for line in lines:
            console.print(Padding(_esc(line), (0, 0, 0, 2), expand=False))


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 100 else text[:97] + "..."


def _extra(console: Any, name: str, data: Any) -> None:
    console.print()
    console.print(f"[bold]{_esc(name.replace('_', ' '))}[/bold]")
    if isinstance(data, dict):
        for key, value in data.items():
            console.print(f"  {_esc(str(key))}: {_esc(_short(value))}")
    else:
        console.print(f"  {_esc(_short(data))}")


def _summary(console: Any, doc: ReportDocument) -> None:
    if not doc.reports_findings:
        return
    counts = doc.counts()
    console.print()
    verdict = "[bold red]FAIL[/]" if doc.exit_code() else "[bold green]OK[/]"
    console.print(
        f"{verdict}: {counts['error']} error, {counts['warning']} warning, "
        f"{counts['info']} info (fail on {doc.fail_on.value}, exit {doc.exit_code()})"
    )


def _esc(text: str) -> str:
    """Config text must not be read as rich markup ("[bold]" in a run name...), nor reach
    the terminal as control or bidi characters (safe_text)."""
    from rich.markup import escape

    return escape(safe_text(text))
