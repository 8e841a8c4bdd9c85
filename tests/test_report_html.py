"""The HTML report as a file: self-contained, inert data, every section, and the summary.

The browser test (test_report_browser.py) checks the same page where it runs; these tests
read the markup itself, so they run everywhere and fast.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from report_fixtures import PAYLOADS, PWNED_FLAG, demo_document

from harness.report.html import render_html
from harness.report.summary import BLOCKED, WARNINGS, rank_findings, summary_markdown, verdicts


class Markup(HTMLParser):
    """Every start tag with its attributes, and the text of every script element."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._in_script: dict[str, str | None] | None = None
        self._script_text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script, self._script_text = dict(attrs), []

    def handle_endtag(self, tag):
        if tag == "script" and self._in_script is not None:
            self.scripts.append((self._in_script, "".join(self._script_text)))
            self._in_script = None

    def handle_data(self, data):
        if self._in_script is not None:
            self._script_text.append(data)


@pytest.fixture(scope="module")
def page() -> str:
    return render_html(demo_document())


@pytest.fixture(scope="module")
def markup(page: str) -> Markup:
    return Markup(page)


def test_data_cannot_add_markup_or_scripts(page: str, markup: Markup) -> None:
    # Three script elements: the figure data, plotly.js and the report's own script.
    assert [attrs.get("type") for attrs, _ in markup.scripts] == ["application/json", None, None]
    assert not [t for t, _ in markup.tags if t in ("img", "iframe", "object", "embed", "link")]
    handlers = [(t, a) for t, attrs in markup.tags for a in attrs if a.startswith("on")]
    assert handlers == []
    for payload in PAYLOADS:
        assert payload not in page
    # The payloads are still there, as text a reader can see.
    assert "&lt;/script&gt;&lt;script&gt;window.__xttsPwned=1" in page
    assert "&quot;&gt;&lt;img src=x onerror=" in page


def test_script_data_is_strict_json_that_cannot_close_its_element(markup: Markup) -> None:
    data = markup.scripts[0][1]
    assert "<" not in data and ">" not in data and "&" not in data
    figures = json.loads(data)
    ids = {
        attrs["id"]
        for tag, attrs in markup.tags
        if tag == "div" and "plot" in (attrs.get("class") or "")
    }
    assert set(figures) == ids
    # The hostile arm name reached a figure, escaped for plotly's label parser.
    labels = json.dumps(figures)
    assert f"&quot;&gt;&lt;img src=x onerror=&quot;window.{PWNED_FLAG}" not in labels
    assert f'"&gt;&lt;img src=x onerror=\\"window.{PWNED_FLAG}' in labels


def test_one_file_with_plotly_once_and_nothing_fetched(page: str, markup: Markup) -> None:
    from plotly.offline import get_plotlyjs

    assert page.count(get_plotlyjs()) == 1
    fetching = [(t, a) for t, a in markup.tags if a.get("src") or (t == "link" and a.get("href"))]
    assert fetching == []
    csp = next(
        a["content"] for t, a in markup.tags if a.get("http-equiv") == "Content-Security-Policy"
    )
    assert "default-src 'none'" in csp and "connect-src 'none'" in csp
    # Exactly the two inline scripts may run: their hashes are the only script sources.
    allowed = set(re.findall(r"'sha256-([^']+)'", csp))
    inline = [text for attrs, text in markup.scripts if attrs.get("type") is None]
    digests = {base64.b64encode(hashlib.sha256(t.encode()).digest()).decode() for t in inline}
    assert allowed == digests


def test_every_section_is_there_and_missing_inputs_are_named() -> None:
    full = render_html(demo_document())
    for anchor in ("summary", "diff", "hazards", "schedule", "dataset", "ablation"):
        assert f'<section id="{anchor}">' in full
    bare = render_html(demo_document(audit=False, study=False))
    assert "No dataset given" in bare and "No ablation study given" in bare
    assert "No dataset given" not in full and "No ablation study given" not in full


def test_diff_rows_marked_changed_are_the_changed_keys(markup: Markup) -> None:
    doc = demo_document()
    expected = {e.key for e in doc.diff.entries if e.any_changed and not e.noise}
    rows = [a for t, a in markup.tags if t == "tr" and a.get("class") == "key-row"]
    assert len(rows) == len(doc.diff.entries)
    assert sum(a["data-changed"] == "1" for a in rows) == len(expected)
    assert {"lr", "lr_scheduler_params.milestones"} <= expected


def test_verdicts_rank_errors_first_and_say_blocked_or_warnings() -> None:
    doc = demo_document()
    by_plan = {v.plan: v for v in verdicts([p.name for p in doc.plans], doc.findings)}
    assert by_plan["after"].status == BLOCKED and by_plan["after"].headline == "blocked by 1 error"
    assert by_plan["before"].status == WARNINGS and by_plan["before"].headline == "2 warnings"
    assert [f.severity.value for f in by_plan["before"].top] == ["warning", "warning", "info"]
    ranked = rank_findings(doc.findings)
    # Same severity: the schedule family outranks bookkeeping.
    assert [f.code for f in ranked][:3] == ["S101", "S102", "B501"]


def test_markdown_summary_has_verdicts_findings_and_ablation() -> None:
    text = summary_markdown(demo_document(), html_path="reports/demo/index.html")
    assert "| **after** | ❌ blocked by 1 error | 1 | 0 | 0 |" in text
    assert "| **before** | ⚠️ 2 warnings | 0 | 2 | 1 |" in text
    assert "#### Ablation verdicts" in text and "EMA: no detectable effect" in text
    assert "eval samples left after filtering: 0" in text
    assert text.count("S101") >= 2  # among the most important, and in the table
    for payload in PAYLOADS:
        assert payload not in text  # no raw HTML reaches the PR comment


def test_plotly_is_imported_only_when_a_report_is_written() -> None:
    code = (
        "import sys, harness.cli as c; c.build_parser(); "
        "import harness.report.html, harness.report.collect; "
        "print('plotly' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
