"""``fix``: the corrected config for every finding that has a safe fix.

``fix_plan(path, plan, findings)`` asks the fixer of each finding code
(``harness.fix.fixers.FIXERS``) for its edits, and applies them to the file's own text
(``text_formats`` for TOML/YAML/JSON, ``python_source`` for scripts). Nothing is written
here: the caller decides where the result goes. ``harness.app.fixes.fix_config`` lints a
file as ``lint`` does and calls it.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import HarnessError
from harness.findings import Finding
from harness.fix.edits import CannotFix, Edit
from harness.fix.fixers import FIXERS
from harness.plan import Plan

# apply_toml, apply_yaml, apply_json, apply_python: the text with the edits applied.
Writer = Callable[[str, list[Edit]], str]
WRITERS = {".toml": "apply_toml", ".yaml": "apply_yaml", ".yml": "apply_yaml",
           ".json": "apply_json", ".py": "apply_python"}  # fmt: skip


@dataclass
class FixResult:
    path: Path  # the file the fixes apply to
    original: str
    fixed: str
    edits: list[Edit] = field(default_factory=list)
    skipped: list[tuple[Finding, str]] = field(default_factory=list)  # finding, why not

    @property
    def fixed_codes(self) -> set[str]:
        return {edit.code for edit in self.edits}

    def diff(self) -> str:
        name = self.path.as_posix()
        old, new = (name, name) if self.path.is_absolute() else (f"a/{name}", f"b/{name}")
        lines = difflib.unified_diff(
            self.original.splitlines(keepends=True),
            self.fixed.splitlines(keepends=True),
            fromfile=old,
            tofile=new,
        )
        return "".join(lines)


def fix_plan(path: Path, plan: Plan, findings: Sequence[Finding]) -> FixResult:
    """The file at ``path`` (which ``plan`` was loaded from) with each finding's safe fix."""
    writer = writer_for(path)
    result = FixResult(path, path.read_text(encoding="utf-8"), "")
    taken: set[str] = set()
    text = result.original
    for finding in findings:
        fixer = FIXERS.get(finding.code)
        if fixer is None or finding.plan not in (None, plan.name):
            continue
        try:
            edits = [e for e in fixer(plan, finding) if e.key not in taken]
            text = _apply_together(writer, text, edits)
        except CannotFix as reason:
            result.skipped.append((finding, str(reason)))
            continue
        taken.update(edit.key for edit in edits)
        result.edits += edits
    result.fixed = text
    return result


def writer_for(path: Path) -> Writer:
    """The function that rewrites files like ``path``; a HarnessError for other kinds."""
    import importlib

    name = WRITERS.get(path.suffix.lower())
    if name is None:
        raise HarnessError(
            f"fix cannot rewrite {path.suffix or 'this'} files",
            where=str(path),
            fix="give a .toml, .yaml, .json or .py file",
        )
    module = "python_source" if name == "apply_python" else "text_formats"
    return getattr(importlib.import_module(f"harness.fix.{module}"), name)


def _apply_together(writer: Writer, text: str, edits: list[Edit]) -> str:
    """All of one finding's edits, or none (CannotFix): half a fix can be worse than none."""
    for edit in edits:
        text = writer(text, [edit])
    return text


__all__ = ["FixResult", "fix_plan", "writer_for"]
