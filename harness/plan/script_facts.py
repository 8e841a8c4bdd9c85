"""Add what a script's repository shows (harness.plan.repository, harness.plan.library) to
what its loader read. A value the loader read stays; a fact only fills a gap or replaces an
Unknown (an EMA helper the loader saw inside an ``if`` it could not decide).

The repository is read once per load (``read_script_facts``) and merged into each of the
script's paths (``merge_script_facts``): its facts do not depend on the path."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from harness.plan.build import RawConfig
from harness.plan.library import LibraryReading, apply_override, read_library, reading_notes
from harness.plan.loaders.parse_cache import ParseCache
from harness.plan.loaders.repository import find_root
from harness.plan.repository import scan_repository
from harness.plan.source import Setting, Unknown


@dataclass(frozen=True)
class ScriptFacts:
    """What a script's repository shows, read once per load and merged into each path."""

    facts: list[Setting]
    notes: list[str]
    library_notes: list[str] | None = None  # None: the repository could not be read
    root_name: str | None = None
    table: str | None = None


def add_script_facts(
    raw: RawConfig,
    script: Path,
    override: tuple[str, str] | None = None,
    cache: ParseCache | None = None,
) -> RawConfig:
    """``raw`` with the repository's facts merged in, and notes saying what was assumed."""
    return script_facts_merger(script, override, cache)(raw)


def script_facts_merger(
    script: Path, override: tuple[str, str] | None = None, cache: ParseCache | None = None
) -> Callable[[RawConfig], RawConfig]:
    """Reads ``script``'s repository now, once; the function returned merges what it found
    into each RawConfig read from the script (one per path)."""
    if script.suffix.lower() != ".py":
        return lambda raw: _with_override(raw, override)
    facts = read_script_facts(script, override, cache)
    return lambda raw: merge_script_facts(raw, facts)


def read_script_facts(
    script: Path, override: tuple[str, str] | None = None, cache: ParseCache | None = None
) -> ScriptFacts:
    """The facts of ``script``'s repository (``cache``: the load's parsed files)."""
    root = find_root(script)
    try:
        reading = read_library(root, script.resolve().parent, override)
        facts = [*scan_repository(script, root, cache), *reading.facts.values()]
    except (OSError, ValueError, RecursionError) as error:  # an odd tree: lint the config alone
        return ScriptFacts([], [f"repository not read ({error})"])
    return ScriptFacts(facts, reading.notes, reading.notes, root.name, reading.table)


def merge_script_facts(raw: RawConfig, facts: ScriptFacts) -> RawConfig:
    """``raw`` (one path of a script) with its repository's facts."""
    meta = dict(raw.meta)
    meta["notes"] = [*meta.get("notes", []), *facts.notes]
    if facts.library_notes is None:
        return replace(raw, meta=meta)
    meta["library_notes"] = facts.library_notes
    meta["repository_root"] = facts.root_name
    settings = _merge(raw.settings, facts.facts)
    return replace(raw, settings=settings, meta=meta, library=raw.library or facts.table)


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
