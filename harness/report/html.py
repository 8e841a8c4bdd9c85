"""The one-file HTML report: every section on one page, plotly.js embedded once, offline.

``render_html(doc)`` reads a ``ReportDocument`` (plans, findings, diff, schedules) and two
optional extra sections, ``doc.extra["dataset_audit"]`` (the audit's ``to_dict()``) and
``doc.extra["ablation"]`` (``harness.ablate.stats.study_summary``). It computes nothing new.

Safety: all text is escaped (``htmlkit.esc``), script data is JSON with ``<>&`` escaped, and
a Content-Security-Policy allows exactly the page's two inline scripts (by hash) and no
fetch, image, font or frame from anywhere, so the page cannot make a network request and
markup smuggled in through data could not run even if escaping were missed.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from harness import __version__
from harness.errors import HarnessError
from harness.report import html_ablation, html_dataset, html_run, html_sections
from harness.report.document import ABLATION_KEY, AUDIT_KEY, RUN_KEY, ReportDocument
from harness.report.htmlkit import Figures, esc, script_json, tag

SCHEDULE_POINTS = 1500  # per config: plenty for a smooth curve, small for the file
TOC = (
    ("summary", "Summary"),
    ("diff", "Config diff"),
    ("hazards", "Hazards"),
    ("schedule", "LR schedule"),
    ("dataset", "Dataset audit"),
    ("ablation", "Ablation"),
    ("run", "Run against prediction"),
)


def render_html(doc: ReportDocument, *, title: str | None = None) -> str:
    """The whole report as one self-contained HTML page."""
    audit = doc.extra.get(AUDIT_KEY)
    ablation = doc.extra.get(ABLATION_KEY)
    page = Figures()
    schedules = [_schedule_dict(s) for s in doc.schedules if s is not None]
    reference = doc.baseline.name if doc.baseline is not None else None
    body = "\n".join(
        [
            html_sections.summary_section(doc, audit, ablation),
            html_sections.diff_section(doc),
            html_sections.hazards_section(doc),
            html_sections.schedule_section(page, schedules, reference),
            html_dataset.dataset_section(page, audit),
            html_ablation.ablation_section(page, ablation),
            html_run.run_section(page, doc.extra.get(RUN_KEY)),
        ]
    )
    return _page(
        title=title or "XTTS fine-tuning report",
        subtitle=_subtitle(doc),
        body=body,
        figures=page.items,
    )


def write_html(doc: ReportDocument, path: str | Path, *, title: str | None = None) -> Path:
    """Render and write the report; the folder is created. Returns the path written."""
    target = Path(path)
    text = render_html(doc, title=title)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8", errors="backslashreplace")
    except OSError as error:
        raise HarnessError(
            f"cannot write the report to {target}: {error.strerror}",
            fix="choose a writable -o/--output path",
        ) from None
    return target


def _schedule_dict(schedule: Any) -> dict[str, Any]:
    if isinstance(schedule, dict):
        return schedule
    return schedule.to_dict(max_points=SCHEDULE_POINTS)


def _subtitle(doc: ReportDocument) -> str:
    names = ", ".join(p.name for p in doc.plans) or "no candidates"
    if doc.baseline is None:
        return f"Candidates: {names}"
    return f"{doc.baseline.name} (reference) against {names}"


def _page(*, title: str, subtitle: str, body: str, figures: dict[str, Any]) -> str:
    plotly_js = plotly_source()
    app_js = _template("report.js")
    values = {
        "csp": content_security_policy(plotly_js, app_js),
        "generator": f"xtts-harness {__version__}",
        "title": esc(title),
        "subtitle": esc(subtitle),
        "toc": "".join(tag("a", esc(text), href=f"#{anchor}") for anchor, text in TOC),
        "body": body,
        "footer": esc(
            f"Written by xtts-harness {__version__}. One self-contained file: plotly.js "
            f"{_plotly_version()} is embedded and the page makes no network request."
        ),
        "figures": script_json(figures),
        "plotly": plotly_js,
        "app": app_js,
    }
    # One pass over the template: a value is never scanned again for {{markers}}.
    return re.sub(r"\{\{(\w+)\}\}", lambda m: values[m.group(1)], _template("page.html"))


def content_security_policy(*scripts: str) -> str:
    """No network of any kind; only these exact inline scripts may run."""
    hashes = " ".join(f"'sha256-{_sha256(s)}'" for s in scripts)
    return (
        "default-src 'none'; "
        f"script-src {hashes}; "
        "style-src 'unsafe-inline'; "
        "img-src data: blob:; font-src data:; connect-src 'none'; "
        "base-uri 'none'; form-action 'none'; frame-src 'none'; worker-src 'none'"
    )


def _sha256(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


@cache
def plotly_source() -> str:
    """plotly.js from the installed plotly package (imported here only: the report path)."""
    from plotly.offline import get_plotlyjs

    source = get_plotlyjs()
    if "</script" in source.lower():  # would end the inline script early
        raise RuntimeError("the installed plotly.js contains '</script'; cannot inline it")
    return source


def _plotly_version() -> str:
    from plotly.offline import get_plotlyjs_version

    return get_plotlyjs_version()


@cache
def _template(name: str) -> str:
    return resources.files("harness.report").joinpath("templates", name).read_text("utf-8")
