"""The one catalogue of finding codes: config rules and dataset/vocab codes alike."""

from __future__ import annotations

import re

import pytest

from harness.catalog import all_entries, get_entry, lookup
from harness.errors import HarnessError
from harness.findings import FindingCode
from harness.rules import DOC_SECTIONS, Rule

# The sections every entry has; a config rule adds Example and Evidence between and after.
SHARED_SECTIONS = ("## What it does", "## Why is this bad?", "## Use instead")


def test_every_code_is_one_typed_entry_with_a_unique_code_and_name() -> None:
    entries = all_entries()
    assert all(isinstance(e, FindingCode) for e in entries)
    assert len({e.code for e in entries}) == len(entries)
    assert len({e.name for e in entries}) == len(entries)
    for entry in entries:
        assert re.fullmatch(r"[A-Z]\d{3}", entry.code), entry.code
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", entry.name), entry.name
        assert entry.family and entry.summary and "\n" not in entry.summary


@pytest.mark.parametrize("entry", all_entries(), ids=lambda e: e.code)
def test_every_doc_is_in_ruffs_sections(entry: FindingCode) -> None:
    sections = DOC_SECTIONS if isinstance(entry, Rule) else SHARED_SECTIONS
    positions = [entry.doc.find(section) for section in sections]
    assert -1 not in positions and positions == sorted(positions), (entry.code, positions)
    for section in SHARED_SECTIONS:
        body = entry.doc.split(section, 1)[1].split("\n## ", 1)[0]
        assert body.strip(), f"{entry.code}: {section} is empty"


def test_lookup_by_code_or_name_and_an_unknown_code_is_one_line() -> None:
    assert lookup("a102") is lookup("unk-characters") is get_entry("A102")
    assert lookup("S101") is get_entry("milestones-never-fire")
    with pytest.raises(HarnessError) as raised:
        get_entry("A10")
    assert "\n" not in str(raised.value)
