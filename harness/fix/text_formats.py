"""Edits applied to TOML (tomlkit), YAML (ruamel.yaml round-trip) and JSON files.

tomlkit and ruamel.yaml parse into documents that keep comments, key order and layout, and
write back only what changed; JSON has no comments, and ``json`` keeps key order. A rename
rewrites the key on its own line, so the value, its comment and its place stay as they were.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

from harness.fix.edits import CannotFix, Edit


def apply_toml(text: str, edits: list[Edit]) -> str:
    import tomlkit

    text = _renames(text, [e for e in edits if e.rename_to])
    doc = tomlkit.parse(text)
    for edit in edits:
        if not edit.rename_to:
            _set(doc, _path(edit), edit.value, lambda v: tomlkit.item(v))
    return tomlkit.dumps(doc)


def apply_yaml(text: str, edits: list[Edit]) -> str:
    from ruamel.yaml import YAML

    yaml = YAML()  # round-trip: comments, order and flow style kept
    yaml.preserve_quotes = True
    text = _renames(text, [e for e in edits if e.rename_to])
    data = yaml.load(text)
    for edit in edits:
        if not edit.rename_to:
            _set(data, _path(edit), edit.value, _yaml_like)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def apply_json(text: str, edits: list[Edit]) -> str:
    text = _renames(text, [e for e in edits if e.rename_to])
    data = json.loads(text)
    for edit in edits:
        if not edit.rename_to:
            _set(data, _path(edit), edit.value, lambda v: v)
    indent = re.search(r"\n( +)\S", text)
    return json.dumps(data, indent=len(indent.group(1)) if indent else 4, ensure_ascii=False) + "\n"


def _path(edit: Edit) -> list[str]:
    return (edit.file_key or edit.key).split(".")


def _set(root: Any, path: list[str], value: Any, wrap: Any) -> None:
    node = root
    for part in path[:-1]:
        if part not in node:
            node[part] = {}
        node = node[part]
    old = node.get(path[-1]) if hasattr(node, "get") else None
    node[path[-1]] = _keep_style(old, wrap(value))


def _keep_style(old: Any, new: Any) -> Any:
    """A list written inline stays inline (ruamel: flow style)."""
    flow = getattr(getattr(old, "fa", None), "flow_style", None)
    if callable(flow) and flow() and hasattr(new, "fa"):
        new.fa.set_flow_style()
    return new


def _yaml_like(value: Any) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(value, list):
        seq = CommentedSeq(value)
        seq.fa.set_flow_style()
        return seq
    if isinstance(value, dict):
        mapped = CommentedMap(value)
        mapped.fa.set_flow_style()
        return mapped
    return value


def _renames(text: str, edits: list[Edit]) -> str:
    lines = text.splitlines(keepends=True)
    for edit in edits:
        old = (edit.file_key or edit.key).rsplit(".", 1)[-1]
        if edit.line is None or not 0 < edit.line <= len(lines):
            raise CannotFix(f"where {old} is set is unknown")
        pattern = re.compile(rf"^(\s*)([\"']?){re.escape(old)}\2(\s*[=:])")
        line = lines[edit.line - 1]
        if not pattern.search(line):
            raise CannotFix(f"line {edit.line} does not set {old}")
        lines[edit.line - 1] = pattern.sub(rf"\g<1>\g<2>{edit.rename_to}\g<2>\g<3>", line, 1)
    return "".join(lines)
