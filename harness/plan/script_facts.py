"""Add what a script's repository shows (harness.plan.repository, harness.plan.library) to
what its loader read. A value the loader read stays; a fact only fills a gap or replaces an
Unknown (an EMA helper the loader saw inside an ``if`` it could not decide)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from harness.plan.build import RawConfig
from harness.plan.library import LibraryReading, apply_override, read_library, reading_notes
from harness.plan.loaders.repository import find_root
from harness.plan.repository import scan_repository
from harness.plan.source import Setting, Unknown


def add_script_facts(
    raw: RawConfig, script: Path, override: tuple[str, str] | None = None
) -> RawConfig:
    """``raw`` with the repository's facts merged in, and notes saying what was assumed."""
    if script.suffix.lower() != ".py":
        return _with_override(raw, override)
    root = find_root(script)
    meta = dict(raw.meta)
    try:
        reading = read_library(root, script.resolve().parent, override)
        facts = [*scan_repository(script, root), *reading.facts.values()]
    except (OSError, ValueError, RecursionError) as error:  # an odd tree: lint the config alone
        meta["notes"] = [*meta.get("notes", []), f"repository not read ({error})"]
        return replace(raw, meta=meta)
    settings = _merge(raw.settings, facts)
    meta["notes"] = [*meta.get("notes", []), *reading.notes]
    meta["library_notes"] = reading.notes
    meta["repository_root"] = root.name
    return replace(raw, settings=settings, meta=meta, library=raw.library or reading.table)


def _with_override(raw: RawConfig, override: tuple[str, str] | None) -> RawConfig:
    """A config file (not a script) takes only what ``--library NAME VERSION`` says."""
    if override is None:
        return raw
    reading = LibraryReading()
    apply_override(reading, *override)
    settings = [s for s in raw.settings if s.key not in reading.facts]
    meta = {**raw.meta, "library_notes": reading_notes(reading)}
    library = reading.table or raw.library
    return replace(raw, settings=[*settings, *reading.facts.values()], meta=meta, library=library)


def _merge(settings: list[Setting], facts: list[Setting]) -> list[Setting]:
    by_key = {s.key: s for s in settings}
    out = list(settings)
    for fact in facts:
        found = by_key.get(fact.key)
        if found is None:
            out.append(fact)
        elif isinstance(found.value, Unknown):
            out[out.index(found)] = fact
    return out
