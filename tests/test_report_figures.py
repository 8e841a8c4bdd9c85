"""The report's figures and cards never hide what matters: no stray points at the band
corners, no note box over the LR line, no line hidden under another, headlines whole."""

from __future__ import annotations

import json
import re

import pytest
from report_fixtures import demo_document

from harness.report.figures import NOTE, NOTE_LINE_PX
from harness.report.html import render_html
from harness.report.summary import first_sentence

SCRIPT = re.compile(r'<script type="application/json"[^>]*>(.*?)</script>', re.S)


@pytest.fixture(scope="module")
def page() -> str:
    return render_html(demo_document())


@pytest.fixture(scope="module")
def figures(page: str) -> list[dict]:
    return list(json.loads(SCRIPT.search(page).group(1)).values())


def _title(figure: dict) -> str:
    title = figure["layout"].get("title")
    return title.get("text", "") if isinstance(title, dict) else str(title or "")


def test_bands_are_drawn_as_areas_without_markers(figures: list[dict]) -> None:
    bands = [t for f in figures for t in f["data"] if t.get("fill") == "toself"]
    assert bands  # the ablation curves have one band per arm
    assert all(t["mode"] == "lines" for t in bands)


def test_schedule_notes_sit_under_the_plot_with_room_for_them(figures: list[dict]) -> None:
    with_notes = [f for f in figures if any(a.get("name") == NOTE for a in _notes(f))]
    assert with_notes  # "after" lists its milestones that never fire
    for figure in with_notes:
        notes = _notes(figure)
        assert all(a["yref"] == "paper" and a["y"] == 0 and a["yanchor"] == "top" for a in notes)
        assert all(a["yshift"] < 0 for a in notes)  # below the axis, never over the line
        tallest = max(a["text"].count("<br>") + 1 for a in notes)
        assert figure["layout"]["margin"]["b"] >= tallest * NOTE_LINE_PX
        if len(notes) == 2:  # side by side, not stacked
            assert {a["xanchor"] for a in notes} == {"left", "right"}


def _notes(figure: dict) -> list[dict]:
    return [a for a in figure["layout"].get("annotations", []) if a.get("name") == NOTE]


def test_a_line_under_another_stays_visible_on_the_overlay(figures: list[dict]) -> None:
    (overlay,) = [f for f in figures if _title(f).startswith("LR of every config")]
    lines = [trace["line"] for trace in overlay["data"]]
    widths = [line["width"] for line in lines]
    assert widths == sorted(widths, reverse=True) and len(set(widths)) == len(widths)
    assert lines[-1]["dash"] == "dash"  # the reference, drawn last, on top


def test_summary_cards_show_the_first_sentence_whole(page: str) -> None:
    doc = demo_document()
    items = re.findall(r'<li title="([^"]*)">(?:<span[^>]*>[^<]*</span>) ([^<]*)</li>', page)
    assert items
    for _, shown in items:
        assert not shown.endswith("…")
    messages = {f.message for f in doc.findings}
    assert all(any(first_sentence(m) == _unescape(s) for m in messages) for _, s in items)


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


@pytest.mark.parametrize(
    ("text", "first"),
    [
        (
            "The LR stays 5e-06 for the whole run. Set milestones.",
            "The LR stays 5e-06 for the whole run.",
        ),
        (
            "one sentence, e.g. with 1.5 s inside: none fires",
            "one sentence, e.g. with 1.5 s inside: none fires",
        ),
        ("ends here! `code` starts the next", "ends here!"),
    ],
)
def test_first_sentence(text: str, first: str) -> None:
    assert first_sentence(text) == first
