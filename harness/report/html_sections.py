"""The sections of the HTML report, each a function from report data to escaped markup.

Config sections read the ``ReportDocument`` (plans, findings, diff, schedules); the dataset
and ablation sections read the JSON-safe dicts the audit and the study statistics export.
A section whose input was not given says so in one line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from harness.findings import Finding, Severity
from harness.report import figures
from harness.report.caps import split_per_code
from harness.report.document import ReportDocument, display_setting, where
from harness.report.htmlkit import (
    Figures,
    esc,
    inline_html,
    markdown_html,
    number,
    table,
    tag,
)
from harness.report.summary import (
    DATASET,
    ablation_verdicts,
    dataset_line,
    explain_text,
    first_sentence,
    rank_findings,
    verdicts,
)
from harness.sections import section_title

MAX_PER_CODE = 12  # cards of one code (a dataset can give one finding per sample)
SEVERITY_TITLES = {Severity.ERROR: "Errors", Severity.WARNING: "Warnings", Severity.INFO: "Info"}


def section(anchor: str, title: str, body: str) -> str:
    return tag("section", tag("h2", esc(title)) + body, id=anchor)


def absent(text: str) -> str:
    return tag("p", esc(text), cls="absent")


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 or word == "info" else f"{count} {word}s"


def badge(text: str, kind: str) -> str:
    return tag("span", esc(text), cls=f"badge {kind}")


# ---- summary ------------------------------------------------------------------------------


def summary_section(
    doc: ReportDocument, audit: dict[str, Any] | None, ablation: dict[str, Any] | None
) -> str:
    body = [_reference_line(doc)]
    found = verdicts([p.name for p in doc.plans], doc.findings, fail_on=doc.fail_on)
    cards = [_verdict_card(v) for v in found]
    body.append(tag("div", "".join(cards), cls="cards"))
    body.append(tag("h3", "Ablation verdicts"))
    texts = ablation_verdicts(ablation)
    if texts:
        body.append(tag("ul", "".join(tag("li", esc(t)) for t in texts), cls="verdicts"))
    else:
        body.append(
            absent(
                "No ablation study given (--study/--storage)."
                if ablation is None
                else "The study has no verdicts yet (no complete arms)."
            )
        )
    body.append(tag("h3", "Dataset"))
    body.append(
        tag("p", esc(dataset_line(audit))) if audit else absent("No dataset given (--dataset).")
    )
    return section("summary", "Summary", "".join(body))


def _reference_line(doc: ReportDocument) -> str:
    if doc.baseline is None:
        return tag("p", "No reference config: candidates are checked on their own.", cls="note")
    ref = doc.baseline
    text = f"Reference {tag('b', esc(ref.name))}"
    if ref.path and ref.path != ref.name:
        text += f" ({tag('code', esc(ref.path))})"
    text += f", defaults of {esc(ref.library)}. Verdicts count findings at every severity; the "
    text += f"command exits 1 at or above <b>{esc(doc.fail_on.value)}</b>."
    return tag("p", text, cls="note")


def _verdict_card(verdict: Any) -> str:
    counts = " · ".join(
        plural(n, word)
        for n, word in (
            (verdict.errors, "error"),
            (verdict.warnings, "warning"),
            (verdict.infos, "info"),
        )
    )
    head = tag("h3", esc(verdict.plan) + badge(verdict.headline, verdict.status))
    items = "".join(
        tag(
            "li",
            badge(f.code, f.severity.value) + " " + esc(first_sentence(f.message)),
            title=f.message,
        )
        for f in verdict.top
    )
    top = tag("ol", items) if items else tag("p", "No findings.", cls="note")
    return tag(
        "div", head + tag("div", esc(counts), cls="counts") + top, cls=f"card {verdict.status}"
    )


# ---- config diff --------------------------------------------------------------------------


def diff_section(doc: ReportDocument) -> str:
    diff = doc.diff
    if diff is None:
        return section("diff", "Config diff", absent("No reference config, so nothing to diff."))
    names = [diff.reference, *diff.candidates]
    header = tag("th", "key") + tag("th", esc(diff.reference) + " <small>(reference)</small>")
    header += "".join(tag("th", esc(name)) for name in diff.candidates)
    rows: list[str] = []
    current = None
    changed_total = 0
    for entry in diff.entries:
        shown = entry.any_changed and not entry.noise
        changed_total += shown
        if entry.section != current:
            current = entry.section
            rows.append(_section_row(diff, current, len(names) + 1))
        rows.append(_diff_row(entry, shown))
    toolbar = tag(
        "div",
        tag("label", '<input type="checkbox" id="diff-only" checked> only keys that differ')
        + tag("span", esc(f"{changed_total} of {len(diff.entries)} keys differ"), id="diff-shown")
        + tag(
            "span",
            "Changed cells are highlighted; grey text says where each value came from. "
            "Noise keys (paths, run names, loggers) show only with every key.",
        ),
        cls="toolbar",
    )
    table = tag(
        "table",
        tag("thead", tag("tr", header)) + tag("tbody", "".join(rows)),
        id="diff-table",
        cls="diff-only",
    )
    return section("diff", "Config diff", toolbar + tag("div", table, cls="table-wrap"))


def _section_row(diff: Any, name: str, width: int) -> str:
    any_changed = any(e.any_changed and not e.noise for e in diff.entries if e.section == name)
    return tag(
        "tr",
        tag("td", esc(section_title(name)), colspan=width),
        cls="section-row",
        data_changed="1" if any_changed else "0",
    )


def _diff_row(entry: Any, shown: bool) -> str:
    key = tag("code", esc(entry.key))
    if entry.noise:
        key += tag("span", "noise", cls="noise-tag")
    cells = [tag("td", key, cls="key"), _value_cell(entry.reference, False)]
    cells += [_value_cell(s, c) for s, c in zip(entry.candidates, entry.changed, strict=True)]
    return tag("tr", "".join(cells), cls="key-row", data_changed="1" if shown else "0")


def _value_cell(setting: Any, changed: bool) -> str:
    value, source = display_setting(setting)
    content = tag("span", esc(value), cls="value mono")
    if source:
        content += tag("span", esc(source), cls="src")
    return tag("td", content, cls="changed" if changed else None)


# ---- hazards ------------------------------------------------------------------------------


def hazards_section(doc: ReportDocument) -> str:
    if not doc.findings:
        return section("hazards", "Hazards", absent("No findings: every config is clean."))
    docs: dict[str, str] = {}
    body = []
    for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO):
        group = rank_findings(f for f in doc.findings if f.severity is severity)
        if group:
            body.append(tag("h3", esc(f"{SEVERITY_TITLES[severity]} ({len(group)})")))
            shown, left_out = split_per_code(group, MAX_PER_CODE)
            body.extend(_finding_card(f, docs) for f in shown)
            body.extend(
                tag(
                    "p",
                    esc(
                        f"… and {n} more {code} findings (per sample or per row; "
                        "`--format json` of the command that made them lists all)."
                    ),
                    cls="note",
                )
                for code, n in left_out.items()
            )
    return section("hazards", "Hazards", "".join(body))


def _finding_card(finding: Finding, docs: dict[str, str]) -> str:
    head = badge(finding.severity.value, finding.severity.value)
    head += tag("span", esc(f"{finding.code} {finding.name}"), cls="code")
    head += tag("span", "in " + tag("b", esc(finding.plan or DATASET)))
    located = where(finding)
    if finding.key or located:
        detail = tag("code", esc(finding.key)) if finding.key else ""
        detail += (" at " + esc(located)) if located else ""
        head += tag("span", detail, cls="where")
    body = tag("div", head, cls="head") + tag("div", inline_html(finding.message), cls="message")
    if finding.fix:
        body += tag("div", "<b>Fix:</b> " + inline_html(finding.fix), cls="fix")
    explain = _rule_doc(finding.code, docs)
    if explain:
        body += tag("details", tag("summary", esc(f"Explain {finding.code}")) + explain)
    return tag("div", body, cls=f"finding {finding.severity.value}")


def _rule_doc(code: str, docs: dict[str, str]) -> str:
    if code not in docs:
        text = explain_text(code)
        docs[code] = tag("div", markdown_html(text), cls="doc") if text else ""
    return docs[code]


# ---- LR schedules -------------------------------------------------------------------------


def schedule_section(
    page: Figures, schedules: Sequence[dict[str, Any]], reference: str | None
) -> str:
    if not schedules:
        return section("schedule", "LR schedule", absent("No schedules were computed."))
    colors, index = [], 0
    for schedule in schedules:
        if schedule["plan"] == reference:
            colors.append(figures.REFERENCE_COLOR)
        else:
            colors.append(figures.color(index))
            index += 1
    body = [
        tag(
            "p",
            "The learning rate the optimizer really sees over each planned run, "
            "following the trainer's stepping unit (per epoch when "
            "scheduler_after_epoch is true). Log scale; dotted lines mark when a "
            "milestone fires.",
            cls="note",
        )
    ]
    body.append(_schedule_table(schedules))
    drawn = [(s, c) for s, c in zip(schedules, colors, strict=True) if s.get("lr")]
    if len(drawn) > 1:
        overlay = figures.schedules_overlay([s for s, _ in drawn], [c for _, c in drawn])
        body.append(page.add(overlay, height=380))
    for schedule, line_color in zip(schedules, colors, strict=True):
        if schedule.get("lr"):
            body.append(page.add(figures.schedule_figure(schedule, line_color), height=380))
        else:
            body.append(tag("h3", esc(f"{schedule['plan']}: no curve")))
        notes = [str(n) for n in schedule.get("undecided") or ()]
        if notes:
            body.append(tag("p", esc("Undecided: " + "; ".join(notes)), cls="note"))
        for note in schedule.get("notes") or ():  # trainer quirks, the library assumed
            body.append(tag("p", esc(f"Note: {note}"), cls="note"))
    return section("schedule", "LR schedule", "".join(body))


def _schedule_table(schedules: Sequence[dict[str, Any]]) -> str:
    columns = (
        "config",
        "scheduler",
        "stepped per",
        "#base LR",
        "#final LR",
        "#epochs",
        "#optimizer steps",
        "events",
    )
    rows = [
        (
            tag("b", esc(s["plan"])),
            esc(s.get("scheduler") or "constant"),
            esc(UNITS.get(str(s.get("unit") or ""), str(s.get("unit") or ""))),
            esc(number(s.get("base_lr"))),
            esc(number((s.get("lr") or [None])[-1])),
            esc(number(s.get("epochs"))),
            esc(number(s.get("total_steps"))),
            esc(_events_summary(s.get("events") or [])),
        )
        for s in schedules
    ]
    return table(columns, rows)


UNITS = {"epoch": "epoch", "optimizer_step": "optimizer step"}


def _events_summary(events: Sequence[dict[str, Any]]) -> str:
    """'1 of 3 fire', '3 of 3 fire, 1 undecided' (its unit's run length unknown), 'none'."""
    if not events:
        return "none"
    undecided = sum(1 for e in events if "fires" in e and e["fires"] is None)
    decided = len(events) - undecided
    fired = sum(1 for e in events if e.get("fires", e.get("fires_at_step") is not None))
    parts = [f"{fired} of {decided} fire"] if decided else []
    if undecided:
        parts.append(f"{undecided} undecided")
    return ", ".join(parts)
