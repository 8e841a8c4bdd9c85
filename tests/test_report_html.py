"""The HTML report as a file: self-contained, inert data, every section, and the summary.

The page is written by ``xtts-harness report`` itself, from the real producers (loaders,
rules, diff, schedule, dataset audit, study summary) on inputs that carry script and markup
payloads in a config name and values, a dataset text, a factor level and a trial's failure
reason. test_report_browser.py opens the same kind of page in chromium; these tests read the
markup, so they run everywhere.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from report_fixtures import AMHARIC, PAYLOADS, PWNED_FLAG, demo_document, write_payload_report

from harness.cli import main
from harness.report.html import render_html
from harness.report.htmlkit import inline_html, markdown_html
from harness.report.summary import BLOCKED, WARNINGS, rank_findings, summary_markdown, verdicts


class Markup(HTMLParser):
    """Every start tag with its attributes, and the text of every script element."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._script: dict[str, str | None] | None = None
        self._text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script, self._text = dict(attrs), []

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._text)))
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            self._text.append(data)

    def with_class(self, tag: str, cls: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag and cls in (a.get("class") or "").split()]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path, Path]:
    return write_payload_report(tmp_path_factory.mktemp("payload"))


@pytest.fixture(scope="module")
def page(written: tuple[int, Path, Path]) -> str:
    return written[1].read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def markup(page: str) -> Markup:
    return Markup(page)


def test_the_command_writes_both_files_and_exits_1_on_errors(written) -> None:
    code, html, markdown = written
    assert code == 1  # the candidates have error findings; the report is still written
    assert html.stat().st_size > 1_000_000 and markdown.read_text().startswith("### ")


def test_data_cannot_add_markup_or_scripts(page: str, markup: Markup) -> None:
    # Three script elements: the figure data, plotly.js and the report's own script.
    assert [attrs.get("type") for attrs, _ in markup.scripts] == ["application/json", None, None]
    assert not [t for t, _ in markup.tags if t in ("img", "iframe", "object", "embed", "link")]
    assert [(t, a) for t, attrs in markup.tags for a in attrs if a.startswith("on")] == []
    for payload in PAYLOADS:
        assert payload not in page
    # Each payload is still there, as text a reader sees, from each kind of input.
    shown = "&lt;/script&gt;&lt;script&gt;window.__xttsPwned=1;alert(1)&lt;/script&gt;"
    assert page.count(shown) >= 4  # config value, dataset text, failure reason, ...
    assert "&quot;&gt;&lt;img src=x onerror=&quot;window.__xttsPwned=2" in page


def test_script_data_is_strict_json_that_cannot_close_its_element(markup: Markup) -> None:
    data = markup.scripts[0][1]
    assert "<" not in data and ">" not in data and "&" not in data
    figures = json.loads(data)
    assert set(figures) == {a["id"] for a in markup.with_class("div", "plot")}
    # Plotly parses tags in labels: the payload config's name reaches its traces escaped.
    names = [trace.get("name", "") for fig in figures.values() for trace in fig["data"]]
    assert any(f'"&gt;&lt;img src=x onerror="window.{PWNED_FLAG}' in n for n in names)
    assert not any("<img" in n for n in names)


def test_one_file_with_plotly_once_and_nothing_to_fetch(page: str, markup: Markup) -> None:
    from plotly.offline import get_plotlyjs

    assert page.count(get_plotlyjs()) == 1
    assert [(t, a) for t, a in markup.tags if "src" in a or (t == "link")] == []
    csp = next(
        a["content"] for _, a in markup.tags if a.get("http-equiv") == "Content-Security-Policy"
    )
    assert "default-src 'none'" in csp and "connect-src 'none'" in csp
    # Only the two inline scripts may run: their hashes are the only script sources.
    allowed = set(re.findall(r"'sha256-([^']+)'", csp))
    inline = [text for attrs, text in markup.scripts if attrs.get("type") is None]
    assert allowed == {
        base64.b64encode(hashlib.sha256(t.encode()).digest()).decode() for t in inline
    }


def test_every_section_has_its_content(page: str, markup: Markup) -> None:
    for anchor in ("summary", "diff", "hazards", "schedule", "dataset", "ablation"):
        assert f'<section id="{anchor}">' in page
    assert len(markup.with_class("div", "card")) == 3  # two candidates and the dataset
    assert "milestones-never-fire" in page and "Explain S101" in page
    assert "never fires" in page  # the after candidate's milestones, on its plot
    assert "Why samples are dropped" in page and "Trials (12)" in page
    # A plot per schedule (reference + 2) and the overlay, 2 histograms, 3 ablation figures.
    assert len(markup.with_class("div", "plot")) == 9


def test_sections_without_input_say_so() -> None:
    bare = render_html(demo_document(audit=False, study=False))
    assert "No dataset given" in bare and "No ablation study given" in bare


def test_diff_rows_marked_changed_are_the_changed_keys() -> None:
    doc = demo_document()
    markup = Markup(render_html(doc))
    expected = {e.key for e in doc.diff.entries if e.any_changed and not e.noise}
    rows = markup.with_class("tr", "key-row")
    assert len(rows) == len(doc.diff.entries)
    assert sum(a["data-changed"] == "1" for a in rows) == len(expected)
    assert {"lr", "lr_scheduler_params.milestones"} <= expected


def test_verdicts_rank_errors_first_and_say_blocked_or_warnings() -> None:
    doc = demo_document()
    by_plan = {
        v.plan: v for v in verdicts([p.name for p in doc.plans], doc.findings, fail_on=doc.fail_on)
    }
    assert by_plan["after"].status == BLOCKED and by_plan["after"].headline == "blocked by 1 error"
    assert by_plan["before"].status == WARNINGS and by_plan["before"].headline == "2 warnings"
    assert [f.severity.value for f in by_plan["before"].top] == ["warning", "warning", "info"]
    # Same severity: the schedule family outranks bookkeeping.
    assert [f.code for f in rank_findings(doc.findings)][:3] == ["S101", "S102", "B501"]


def test_markdown_summary_has_verdicts_findings_and_ablation(written) -> None:
    text = written[2].read_text(encoding="utf-8")
    # The report audits with the passthrough tokenizer: the configs train with it too, so
    # L401 is an info note there and "before" is not blocked while the dataset is clean.
    assert "| **amharic-bpe-before** | ⚠️ 3 warnings | 0 | 3 |" in text
    assert "#### Most important findings" in text and "`S102`" in text
    assert "#### Ablation verdicts" in text and "- ema (on vs off): no difference detected" in text
    assert "eval samples left after filtering" in text
    for payload in PAYLOADS:
        assert payload not in text  # no raw HTML reaches the PR comment
    offline = summary_markdown(demo_document(), html_path="reports/demo/index.html")
    assert "| **after** | ❌ blocked by 1 error | 1 | 0 | 0 |" in offline


def test_rule_docs_and_messages_keep_only_their_own_markup() -> None:
    hostile = f'`{PAYLOADS[0]}` **{PAYLOADS[1]}** https://x.org/"onmouseover=alert(1)'
    for html in (
        inline_html(hostile),
        markdown_html(f"## {hostile}\n\n- {hostile}\n```\n{hostile}\n```"),
    ):
        markup = Markup(f"<div>{html}</div>")
        allowed = {"div", "code", "b", "strong", "em", "a", "h4", "p", "ul", "li", "pre"}
        assert {t for t, _ in markup.tags} <= allowed
        assert [a for _, attrs in markup.tags for a in attrs if a not in ("href", "rel")] == []


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, capsys) -> None:
    after = str(AMHARIC / "after.toml")
    assert main(["report", after, "--study", "x", "-o", str(tmp_path / "r.html")]) == 2
    assert main(["report", after, "-o", after]) == 2  # would overwrite an input
    data = str(AMHARIC / "data")
    assert main(["report", after, "--dataset", data, "-o", f"{data}/r.html"]) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 3 and all(line.startswith("xtts-harness: error:") for line in errors)
    assert not (AMHARIC / "data" / "r.html").exists()


def test_plotly_is_imported_only_when_a_report_is_written() -> None:
    code = (
        "import sys, harness.cli as c; c.build_parser(); "
        "import harness.report.html, harness.app.reports; "
        "print('plotly' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
