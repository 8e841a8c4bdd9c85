"""``--format sarif``: SARIF 2.1.0 for code-scanning UIs (GitHub, GitLab, VS Code viewers).

Each finding is a result pointing into the candidate file (``region.startLine`` where the
loader knew the line). Rules come from the rule registry; codes it does not know (the
dataset audit's, say) get a rule entry made from the finding itself.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from harness import __version__
from harness.findings import Finding, FindingCode, Severity
from harness.report.document import ReportDocument

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render_sarif(doc: ReportDocument) -> str:
    return json.dumps(sarif_log(doc), indent=2, allow_nan=False) + "\n"


def sarif_log(doc: ReportDocument, cwd: Path | None = None) -> dict[str, Any]:
    """The SARIF log object: one run, the rules the findings use, one result per finding."""
    cwd = cwd or Path.cwd()
    codes = list(dict.fromkeys(f.code for f in doc.findings))
    rules = [_rule(code, doc.findings) for code in codes]
    index = {code: i for i, code in enumerate(codes)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "xtts-harness",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {"SRCROOT": {"uri": cwd.resolve().as_uri() + "/"}},
                "results": [_result(f, index[f.code], cwd) for f in doc.findings],
                "properties": {"command": doc.command},
            }
        ],
    }


def _rule(code: str, findings: list[Finding]) -> dict[str, Any]:
    first = next(f for f in findings if f.code == code)
    known = _registered(code)
    name = known.name if known else first.name
    summary = known.summary if known else first.name.replace("-", " ")
    doc = known.doc if known else None
    severity = known.severity if known else first.severity
    rule: dict[str, Any] = {
        "id": code,
        "name": name,
        "shortDescription": {"text": summary},
        "defaultConfiguration": {"level": LEVELS[Severity(severity)]},
    }
    if doc:
        rule["fullDescription"] = {"text": _first_paragraph(doc) or summary}
        rule["help"] = {"text": doc, "markdown": doc}
    if known:
        rule["properties"] = {"tags": [known.family]}
    return rule


def _registered(code: str) -> FindingCode | None:
    """The documented rule or audit code, or None for codes nothing documents."""
    from harness.catalog import lookup

    return lookup(code)


def _first_paragraph(doc: str) -> str:
    """The text under the first heading (ruff style: "## What it does")."""
    for block in doc.strip().split("\n\n"):
        lines = [line for line in block.splitlines() if not line.lstrip().startswith("#")]
        text = " ".join(" ".join(lines).split())
        if text:
            return text
    return ""


def _result(finding: Finding, rule_index: int, cwd: Path) -> dict[str, Any]:
    text = finding.message
    if finding.fix:
        text = f"{text} Fix: {finding.fix}"
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": text},
        "partialFingerprints": {"xttsHarnessFinding/v1": _fingerprint(finding)},
    }
    properties = {"key": finding.key, "plan": finding.plan, "fix": finding.fix}
    if any(v is not None for v in properties.values()):
        result["properties"] = {k: v for k, v in properties.items() if v is not None}
    location = _location(finding, cwd)
    if location:
        result["locations"] = [location]
    return result


def _location(finding: Finding, cwd: Path) -> dict[str, Any] | None:
    logical = (
        [{"fullyQualifiedName": finding.key, "kind": "member"}] if finding.key is not None else []
    )
    if not finding.file:
        return {"logicalLocations": logical} if logical else None
    physical: dict[str, Any] = {"artifactLocation": _artifact(finding.file, cwd)}
    if finding.line is not None and finding.line >= 1:
        physical["region"] = {"startLine": finding.line}
    location: dict[str, Any] = {"physicalLocation": physical}
    if logical:
        location["logicalLocations"] = logical
    return location


def _artifact(file: str, cwd: Path) -> dict[str, Any]:
    """A URI relative to the working directory where possible (what code scanning wants)."""
    path = Path(file)
    absolute = path if path.is_absolute() else (cwd / path)
    try:
        relative = Path(os.path.relpath(absolute.resolve(), cwd.resolve()))
    except ValueError:  # another drive on Windows
        relative = None
    if relative is not None and relative.parts[:1] != ("..",):
        raw = relative.as_posix().encode("utf-8", "surrogateescape")  # the name's own bytes
        return {"uri": quote(raw), "uriBaseId": "SRCROOT"}
    return {"uri": absolute.resolve().as_uri()}


def _fingerprint(finding: Finding) -> str:
    """Stable across line moves: the same hazard on the same key of the same config."""
    text = "\0".join([finding.code, finding.plan or "", finding.key or "", finding.file or ""])
    # surrogateescape: a file name that is not UTF-8 hashes as its own bytes
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:32]
