"""``--format text``: findings, diff, schedules and extra sections for a terminal.

Two layouts. Narrow (under ``TABLE_MIN_WIDTH`` columns, or output that is not a terminal:
a pipe, a file, CI logs) prints one block per finding the way ruff does::

    experiments/x/after.toml:12: S101 milestones-never-fire [error]
      The LR milestones ... (the message, wrapped to the width)
      fix: set scheduler_after_epoch = false ...

and the diff as one block per changed key. Wide terminals get tables, and a diff table only
when its natural width fits. rich is imported inside ``render_text`` so that importing the
report package stays cheap.
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
TABLE_MIN_WIDTH = 120  # below this a findings table squeezes its message column
INDENT = (0, 0, 0, 2)  # rich padding: top, right, bottom, left


def render_text(
    doc: ReportDocument,
    *,
    show_all: bool = False,
    color: bool | None = None,
    tables: bool | None = None,
) -> str:
    """The document as terminal text.

    ``color`` None colors when stdout is a terminal (and NO_COLOR unset). ``tables`` None
    allows tables on a terminal; an allowed findings table needs ``TABLE_MIN_WIDTH``
    columns, an allowed diff table its natural width; otherwise blocks.
    """
    from rich.console import Console

    is_tty = sys.stdout.isatty()
    if color is None:
        color = is_tty and "NO_COLOR" not in os.environ
    width = terminal_width()
    if tables is None:
        tables = is_tty
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=color,
        no_color=not color,
        color_system="auto" if color else None,
        highlight=False,
        emoji=False,
    )
    _header(console, doc)
    _findings(console, doc, tables and width >= TABLE_MIN_WIDTH)
    if doc.diff is not None:
        _diff(console, doc.diff, show_all, tables)
    _schedules(console, doc.schedules)
    for name, data in doc.extra.items():
        _extra(console, name, data)
    _summary(console, doc)
    text = buffer.getvalue()
    if not color:  # rich pads wrapped lines to the width; plain text needs no trailing blanks
        text = "\n".join(line.rstrip() for line in text.splitlines()) + "\n"
    return text


def terminal_width() -> int:
    """$COLUMNS, else the terminal's width, else 80 (a pipe or a CI log)."""
    return shutil.get_terminal_size((80, 24)).columns


def wrap_lines(lines: list[str], *, indent: int = 2) -> str:
    """Plain lines wrapped to the terminal width, continuation lines indented further.

    For outputs built as lines (``results``): no markup, no color.
    """
    import textwrap

    width = terminal_width()
    wrapped = []
    for line in map(safe_text, lines):  # config text must not reach the terminal raw
        lead = len(line) - len(line.lstrip(" "))
        pad = " " * (lead + indent)
        wrapped.append(
            textwrap.fill(
                line,
                width,
                subsequent_indent=pad,
                break_on_hyphens=False,
                break_long_words=False,  # a path stays whole, even if it overflows
            )
            if len(line) > width
            else line
        )
    return "\n".join(wrapped)


def _header(console: Any, doc: ReportDocument) -> None:
    line = f"[bold]xtts-harness {doc.command}[/bold]"
    if doc.baseline is not None:
        line += f"  reference: {_esc(plan_label(doc.baseline))} [dim]({doc.baseline.library})[/dim]"
    console.print(line)


def _findings(console: Any, doc: ReportDocument, tables: bool) -> None:
    if not doc.reports_findings:
        return  # a diff or a schedule alone has no verdict to give
    for name, findings in doc.findings_by_plan().items():
        console.print()
        if not findings:
            console.print(f"[bold]{_esc(name)}[/bold]: [green]clean[/green]")
            continue
        console.print(f"[bold]{_esc(name)}[/bold]: {_tally(findings)}")
        if tables:
            console.print(_findings_table(findings))
        else:
            for number, finding in enumerate(findings):
                if number:
                    console.print()  # a blank line between blocks, as ruff prints them
                _finding_block(console, finding)


def _finding_block(console: Any, finding: Finding) -> None:
    from rich.padding import Padding

    place = where(finding) or finding.key or ""
    head = f"{_esc(place)}: " if place else ""
    severity = f"[{STYLES[finding.severity]}]\\[{finding.severity.value}][/]"
    console.print(f"{head}[bold]{_esc(finding.code)}[/bold] {_esc(finding.name)} {severity}")
    if finding.key and where(finding) and finding.key not in finding.message:
        console.print(Padding(f"[dim]key:[/dim] {_esc(finding.key)}", INDENT, expand=False))
    console.print(Padding(_esc(finding.message), INDENT, expand=False))
    if finding.fix:
        console.print(Padding(f"[green]fix:[/green] {_esc(finding.fix)}", INDENT, expand=False))


def _findings_table(findings: list[Finding]) -> Any:
    from rich.table import Table

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
    return table


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


def _diff(console: Any, diff: PlanDiff, show_all: bool, tables: bool) -> None:
    from rich.measure import Measurement

    entries = diff.changed_entries(show_all)
    hidden = 0 if show_all else diff.hidden_noise()
    console.print()
    title = f"[bold]diff[/bold]: {len(entries)} changed keys against {_esc(diff.reference)}"
    if hidden:
        title += f" [dim]({hidden} noise keys hidden; --all shows them)[/dim]"
    console.print(title)
    if not entries:
        return
    if tables and console.width >= TABLE_MIN_WIDTH:
        table = _diff_table(diff, entries)
        # Fits: every column gets at least its longest word, so no word is split.
        if Measurement.get(console, console.options, table).minimum <= console.width:
            console.print(table)
            return
    _diff_blocks(console, diff, entries)


def _diff_blocks(console: Any, diff: PlanDiff, entries: list[Any]) -> None:
    """One block per changed key: the reference's value, then each candidate's."""
    from rich.padding import Padding

    names = [f"{diff.reference} (reference)", *diff.candidates]
    section = None
    for entry in entries:
        if entry.section != section:
            section = entry.section
            console.print()
            console.print(f"[bold underline]{_esc(section_title(section))}[/]")
        noise = " [dim](noise)[/dim]" if entry.noise else ""
        console.print(Padding(f"[bold]{_esc(entry.key)}[/bold]{noise}", INDENT, expand=False))
        settings = [entry.reference, *entry.candidates]
        changed = [False, *entry.changed]
        for name, setting, is_changed in zip(names, settings, changed, strict=True):
            value, source = display_setting(setting)
            text = f"[bold yellow]{CHANGED}{_esc(value)}[/]" if is_changed else _esc(value)
            origin = f"  [dim]({_esc(source)})[/dim]" if source else ""
            console.print(Padding(f"{_esc(name)}: {text}{origin}", (0, 0, 0, 4), expand=False))


def _diff_table(diff: PlanDiff, entries: list[Any]) -> Any:
    from rich.table import Table

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
    return table


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
            console.print(Padding(_esc(line), INDENT, expand=False))


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 300 else text[:297] + "..."


def _extra(console: Any, name: str, data: Any) -> None:
    from rich.padding import Padding

    console.print()
    console.print(f"[bold]{_esc(name.replace('_', ' '))}[/bold]")
    items = data.items() if isinstance(data, dict) else [(None, data)]
    for key, value in items:
        label = f"{_esc(str(key))}: " if key is not None else ""
        console.print(Padding(f"{label}{_esc(_short(value))}", INDENT, expand=False))


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
