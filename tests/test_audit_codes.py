"""Every dataset and vocab code, documented like the config rules and tested like them: the
doc's Example reports the code and its Use instead does not, and each code's fixture file
tests/fixtures/audit/<CODE>.yaml holds a failing and a passing case, run as a user runs the
command (tiny datasets and vocabs generated in tmp_path, see audit_cases)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from audit_cases import doc_case, run_case

from harness.audit.codes import CODES
from harness.rules import DOC_SECTIONS

FIXTURES = Path(__file__).with_name("fixtures") / "audit"


def _section(doc: str, title: str) -> str:
    return doc.split(title, 1)[1].split("\n## ", 1)[0]


@pytest.mark.parametrize("code", sorted(CODES))
def test_doc_sections_example_reports_the_code_and_use_instead_does_not(
    code: str, tmp_path: Path, monkeypatch
) -> None:
    doc = CODES[code].doc
    positions = [doc.find(section) for section in DOC_SECTIONS]
    assert -1 not in positions and positions == sorted(positions), (code, positions)
    command, files = doc_case(_section(doc, "## Example"))
    assert command, f"{code}: the Example needs a console line"
    assert code in run_case(tmp_path / "example", command, files, monkeypatch), code
    instead = _section(doc, "## Use instead")
    if CODES[code].severity.value == "info" and "```" not in instead:
        return  # a report of what the trainer will see: nothing to change, it always reports
    changed, instead_files = doc_case(instead, files)
    found = run_case(tmp_path / "instead", changed or command, instead_files, monkeypatch)
    assert code not in found, f"{code}: Use instead still reports it: {found[code]}"


def _cases() -> list:
    params = []
    for path in sorted(FIXTURES.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in data["cases"]:
            params.append(pytest.param(data["code"], case, id=f"{path.stem}-{case['name']}"))
    return params


@pytest.mark.parametrize(("code", "case"), _cases())
def test_audit_code_case(code: str, case: dict, tmp_path: Path, monkeypatch) -> None:
    found = run_case(tmp_path, case["command"], case["files"], monkeypatch)
    if case["expect"] == "pass":
        assert code not in found, found.get(code)
        return
    assert case["expect"] == "fail"
    assert code in found, f"{code} not reported: {sorted(found)}"
    finding = found[code][0]
    assert finding["severity"] == case.get("severity", CODES[code].severity.value)
    assert finding["name"] == CODES[code].name
    assert case.get("message_contains", "") in finding["message"]


def test_every_audit_code_has_passing_and_failing_fixtures() -> None:
    kinds: dict[str, set[str]] = {}
    for path in sorted(FIXTURES.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert data["code"] == path.stem, path.name
        kinds[data["code"]] = {case["expect"] for case in data["cases"]}
    assert sorted(kinds) == sorted(CODES), "one fixture file per code, named <CODE>.yaml"
    reports = {c for c in CODES if CODES[c].severity.value == "info" and c != "A122"}
    for code, found in kinds.items():
        assert found == ({"fail"} if code in reports else {"pass", "fail"}), code
