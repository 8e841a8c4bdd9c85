"""Terminal text at 80 columns: one block per finding as ruff prints them, tables only on a
wide terminal, nothing wider than the terminal."""

from __future__ import annotations

import re

import pytest
from test_report_formats import doc  # noqa: F401  (the shared report fixture)

from harness.report import render
from harness.report.terminal import TABLE_MIN_WIDTH, render_text, wrap_lines

HEADER = re.compile(r"^(\S.*: )?[A-Z]\d{3} [a-z0-9-]+ \[(error|warning|info)\]$")


def test_narrow_output_prints_one_block_per_finding(doc, monkeypatch):  # noqa: F811
    monkeypatch.setenv("COLUMNS", "80")
    lines = render(doc, "text", color=False).splitlines()
    assert max(len(line) for line in lines) <= 80
    headers = [line for line in lines if HEADER.match(line)]
    assert len(headers) == len(doc.findings)
    assert "experiments/after.toml:12: S101 milestones-never-fire [error]" in headers
    # The fix has its own line, indented under the block's header.
    assert any(line.startswith("  fix: set scheduler_after_epoch = false") for line in lines)
    assert not any(line.startswith(("┏", "│", "┃")) for line in lines)  # no table


def test_the_diff_is_one_block_per_key_when_narrow(doc, monkeypatch):  # noqa: F811
    monkeypatch.setenv("COLUMNS", "80")
    text = render(doc, "text", color=False)
    block = text[text.index("  lr_scheduler_params.milestones") :].splitlines()[:4]
    assert block[1].startswith("    reference (reference): [1, 2, 3]")
    assert block[2].startswith("    after: ≠ [50000, 150000, 300000]")


def test_a_wide_terminal_gets_tables(doc, monkeypatch):  # noqa: F811
    monkeypatch.setenv("COLUMNS", str(TABLE_MIN_WIDTH + 40))
    text = render_text(doc, color=False, tables=True)
    assert "┃ severity" in text and "┃ key" in text
    assert max(len(line) for line in text.splitlines()) <= TABLE_MIN_WIDTH + 40


def test_a_terminal_too_narrow_for_a_table_gets_blocks(doc, monkeypatch):  # noqa: F811
    monkeypatch.setenv("COLUMNS", "70")
    text = render_text(doc, color=False, tables=True)
    assert "    after: ≠ [50000, 150000, 300000]" in text  # the diff table would not fit
    assert "experiments/after.toml:12: S101 milestones-never-fire [error]" in text
    assert max(len(line) for line in text.splitlines()) <= 70


@pytest.mark.parametrize("width", [60, 80])
def test_plain_lines_wrap_with_a_hanging_indent(width, monkeypatch):
    monkeypatch.setenv("COLUMNS", str(width))
    words = " ".join(f"word{i}" for i in range(40))
    wrapped = wrap_lines([f"  {words}", "short"]).splitlines()
    assert max(len(line) for line in wrapped) <= width
    assert wrapped[0].startswith("  word0") and wrapped[1].startswith("    word")
    assert wrapped[-1] == "short"
    assert " ".join(line.strip() for line in wrapped[:-1]) == words
