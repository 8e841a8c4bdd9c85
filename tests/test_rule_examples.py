"""A rule's documented Example triggers it and its Use instead does not (the rules whose
snippets are complete configs in the project's TOML format)."""

from __future__ import annotations

import re
import tomllib

import pytest

from harness.plan.build import build_plan
from harness.plan.mapping import raw_from_mapping
from harness.rules import get_rule, run_rules

CODES = ("E801", "E802", "E803", "X606", "X607")


def _snippet(doc: str, section: str) -> dict:
    body = doc.split(f"## {section}")[1]
    return tomllib.loads(re.search(r"```toml\n(.*?)```", body, re.S).group(1))


@pytest.mark.parametrize("code", CODES)
def test_example_triggers_and_use_instead_does_not(code: str) -> None:
    doc = get_rule(code).doc
    for section, expected in (("Example", True), ("Use instead", False)):
        plan = build_plan(raw_from_mapping(_snippet(doc, section), name=code, path="doc.toml"))
        found = [f for f in run_rules(plan, select=[code])]
        assert bool(found) is expected, (code, section, [f.message for f in found])
