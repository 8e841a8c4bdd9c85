"""The catalogue for a reader: a code's documentation, the rule list, the baselines."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from harness.app.catalogue import Baselines
    from harness.findings import FindingCode


def render_explain(entry: FindingCode) -> str:
    """What ``xtts-harness explain CODE`` prints: a heading, the summary, the doc."""
    return (
        f"# {entry.code} {entry.name} ({entry.severity.value}, {entry.family})\n\n"
        f"{entry.summary}\n\n{entry.doc.strip()}"
    )


def render_rules(rules: Sequence[FindingCode], fmt: str) -> str:
    """Every rule's code, name, severity, family and summary: text, json or md."""
    if fmt == "json":
        rows = [
            {
                "code": r.code,
                "name": r.name,
                "severity": r.severity.value,
                "family": r.family,
                "summary": r.summary,
            }
            for r in rules
        ]
        return json.dumps(rows, indent=2)
    if fmt == "md":
        lines = ["| code | name | severity | family | summary |\n|---|---|---|---|---|"]
        lines += [
            f"| {r.code} | {r.name} | {r.severity.value} | {r.family} | {r.summary} |"
            for r in rules
        ]
        return "\n".join(lines)
    width = max(len(r.name) for r in rules)
    return "\n".join(
        f"{r.code:<6} {r.name:<{width}}  {r.severity.value:<7}  {r.summary}" for r in rules
    )


def render_baselines(baselines: Baselines) -> str:
    """Each shipped baseline: its name (marked when it is the default), title and source."""
    blocks = []
    for info in baselines.entries:
        marker = " (default)" if info.name == baselines.default else ""
        blocks.append(f"{info.name}{marker}\n    {info.title}\n    source: {info.source}\n\n")
    return "".join(blocks)
