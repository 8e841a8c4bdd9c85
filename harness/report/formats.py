"""Picks the renderer for an output format: text, json, md or sarif.

Each renderer module is imported only when its format is asked for (rich, for one, is
not needed for JSON). The renderers import the document; the document imports none of
them.
"""

from __future__ import annotations

from harness.errors import HarnessError
from harness.report.document import FORMATS, ReportDocument


def render(
    doc: ReportDocument, fmt: str, *, show_all: bool = False, color: bool | None = None
) -> str:
    """The document in one output format: text, json, md or sarif.

    ``color`` only affects text: None colors when stdout is a terminal (and NO_COLOR unset).
    """
    if fmt == "text":
        from harness.report.terminal import render_text

        return render_text(doc, show_all=show_all, color=color)
    if fmt == "json":
        from harness.report.jsonout import render_json

        return render_json(doc, show_all=show_all)
    if fmt == "md":
        from harness.report.markdown import render_markdown

        return render_markdown(doc, show_all=show_all)
    if fmt == "sarif":
        from harness.report.sarif import render_sarif

        return render_sarif(doc)
    raise HarnessError(f"unknown output format {fmt!r}", fix=f"use one of: {', '.join(FORMATS)}")
