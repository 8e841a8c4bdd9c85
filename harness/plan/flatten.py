"""Nested config values <-> flat dotted keys (``model_args.x``, ``datasets[0].path``)."""

from __future__ import annotations

import re
from typing import Any

_ROOT = re.compile(r"^[^.\[]+")


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Flatten dicts (and lists of dicts) into dotted keys; other values are leaves.

    An empty dict stays a leaf so that ``lr_scheduler_params = {}`` is still visible.
    """
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for name, item in value.items():
            out.update(flatten(item, f"{prefix}.{name}" if prefix else str(name)))
        return out
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        out = {}
        for index, item in enumerate(value):
            out.update(flatten(item, f"{prefix}[{index}]"))
        return out
    return {prefix: value}


def root_of(key: str) -> str:
    """The top-level field of a dotted key: ``model_args.gpt_layers`` -> ``model_args``."""
    match = _ROOT.match(key)
    return match.group(0) if match else key


def parent_keys(key: str) -> list[str]:
    """Every proper prefix of a dotted key, longest first."""
    parents = []
    for index in range(len(key) - 1, 0, -1):
        if key[index] in ".[":
            parents.append(key[:index])
    return parents
