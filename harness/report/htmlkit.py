"""Small, safe building blocks for the HTML report: escaping, script data, rule docs.

Every string that reaches markup goes through ``esc`` (``html.escape`` with quotes), and
every value that reaches a ``<script>`` block goes through ``script_json``, which escapes
``<``, ``>`` and ``&`` so that no data, whatever it holds, can close the script element.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from harness.jsonsafe import json_value


def esc(text: Any) -> str:
    """Text for HTML content or a quoted attribute value."""
    return html.escape("" if text is None else str(text), quote=True)


def tag(name: str, content: str = "", **attrs: Any) -> str:
    """``<name attrs>content</name>``; ``content`` must already be markup (escape text first).

    Attribute values are escaped; ``cls`` stands for ``class``; None or False leaves it out.
    """
    parts = [name]
    for key, value in attrs.items():
        if value is None or value is False:
            continue
        attr = "class" if key == "cls" else key.replace("_", "-")
        parts.append(attr if value is True else f'{attr}="{esc(value)}"')
    return f"<{' '.join(parts)}>{content}</{name}>"


def script_json(data: Any) -> str:
    """JSON for a ``<script type="application/json">`` block: strict, and inert as markup."""
    text = json.dumps(
        _finite(json_value(data)), ensure_ascii=False, allow_nan=False, separators=(",", ":")
    )
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _finite(value: Any) -> Any:
    """Non-finite numbers as null: plotly draws a gap where JSON has no number to give."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def number(value: Any, digits: int = 4) -> str:
    """A number for a table cell: thousands separated, floats to ``digits`` significant."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value.is_integer() and abs(value) < 1e12:
            return f"{int(value):,}"
        return f"{value:.{digits}g}"
    return str(value)


def duration(hours: Any) -> str:
    """Audio length for a reader: 2.31 h, 1.6 min or 12.0 s."""
    if not isinstance(hours, (int, float)) or not math.isfinite(hours):
        return "–"
    if hours >= 1:
        return f"{hours:,.2f} h"
    if hours * 60 >= 1:
        return f"{hours * 60:.1f} min"
    return f"{hours * 3600:.1f} s"


# ---- rule docs (the ruff-style Markdown of harness.rules) --------------------------------

_INLINE = re.compile(r"`([^`]+)`|(https?://[^\s<>()]+[^\s<>().,;:])|\*\*([^*]+)\*\*")


@cache
def _markdown() -> Any:
    """CommonMark with raw HTML off (so input text can never become markup) and bare URLs
    as links; markdown-it-py comes with rich."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "linkify": True}).enable("linkify")


def markdown_html(text: str) -> str:
    """Rule and code docs (ruff-style Markdown) as HTML; their headings become ``<h4>``."""
    md = _markdown()
    tokens = md.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = "h4"
        if token.type == "inline":
            for child in token.children or ():
                if child.type == "link_open":
                    child.attrSet("rel", "noopener noreferrer")
    return md.renderer.render(tokens, md.options, {})


def inline_html(text: str) -> str:
    """Escape, then turn `code`, **bold** and bare http(s) URLs into markup."""
    pieces = []
    last = 0
    for match in _INLINE.finditer(text):
        pieces.append(esc(text[last : match.start()]))
        code, url, bold = match.groups()
        if code is not None:
            pieces.append(f"<code>{esc(code)}</code>")
        elif url is not None:
            pieces.append(f'<a href="{esc(url)}" rel="noopener noreferrer">{esc(url)}</a>')
        else:
            pieces.append(f"<b>{esc(bold)}</b>")
        last = match.end()
    pieces.append(esc(text[last:]))
    return "".join(pieces)


class Figures:
    """The figures of one page: each gets a placeholder div now and is drawn by the page's
    script from one JSON block, so plotly.js is embedded once whatever the count."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}

    def add(self, figure: dict[str, Any], height: int = 380) -> str:
        figure_id = f"figure-{len(self.items) + 1}"
        height = int(figure["layout"].get("height") or height)
        figure["layout"]["height"] = height
        self.items[figure_id] = figure
        return tag("div", "", cls="plot", id=figure_id, style=f"height:{height}px")


Cell = str | tuple[str, str]  # markup, or (markup, extra class)


def table(
    columns: Sequence[str], rows: Iterable[Sequence[Cell]], *, wrap: str = "table-wrap"
) -> str:
    """A table in its scrolling wrapper. A column title starting with '#' is numeric
    (right-aligned; the '#' is dropped). Titles and cells are markup: escape text first."""
    numeric = [title.startswith("#") for title in columns]
    head = "".join(
        tag("th", title.lstrip("#"), cls="num" if num else None)
        for title, num in zip(columns, numeric, strict=True)
    )
    body = "".join(
        tag("tr", "".join(_cell(cell, num) for cell, num in zip(row, numeric, strict=True)))
        for row in rows
    )
    return tag("div", tag("table", tag("thead", tag("tr", head)) + tag("tbody", body)), cls=wrap)


def _cell(cell: Cell, numeric: bool) -> str:
    content, extra = cell if isinstance(cell, tuple) else (cell, None)
    classes = " ".join(c for c in ("num" if numeric else None, extra) if c)
    return tag("td", content, cls=classes or None)
