"""The files of a miniature release, laid out like the XTTS v2 release (no torch here).

model.pth, dvae.pth, mel_stats.pth, vocab.json and config.json as in the release, plus
``held_out/<language>/`` (eval clips of the base languages, for the forgetting
objective) and ``manifest.json`` (the generator's settings, their hash, each file's
hash, the learned-ness figure and the build time).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

MARKER = "harness_miniature"  # the config.json block that says "this is a miniature"
MANIFEST = "manifest.json"
FILES = ("model.pth", "dvae.pth", "mel_stats.pth", "vocab.json", "config.json")


def is_miniature(folder: Path) -> bool:
    config = folder / "config.json"
    if not config.is_file():
        return False
    try:
        return MARKER in json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False


def read_manifest(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def file_hashes(folder: Path) -> dict[str, str]:
    """sha256 of every file of the release (the held-out clips included), by relative path."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != MANIFEST:
            out[path.relative_to(folder).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def held_out_languages(folder: Path) -> list[str]:
    """The base languages with held-out clips, in the release's order (en first)."""
    base = folder / "held_out"
    if not base.is_dir():
        return []
    present = {p.name for p in base.iterdir() if p.is_dir()}
    try:
        order = json.loads((folder / "config.json").read_text(encoding="utf-8"))["languages"]
    except (OSError, ValueError, KeyError):
        order = []
    return [x for x in order if x in present] + sorted(present - set(order))
