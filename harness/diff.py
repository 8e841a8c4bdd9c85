"""Semantic diff of effective config values: one reference against several candidates.

Plans already carry library defaults, so a value set explicitly to its default is not a
change, and a default the candidate's library version changed is. Values are compared
with deepdiff plus one custom operator for numbers: ``5e-06 == 5e-6``, ``1 == 1.0``, floats
within a relative tolerance, lists elementwise (tuples equal lists), dicts by key; an
``Unknown`` only equals an ``Unknown`` with the same text; ``True`` is not ``1``.

deepdiff is imported inside the functions that use it: it costs 0.3 s and ``lint``
must not pay that.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from harness.jsonsafe import setting_json
from harness.plan.flatten import flatten
from harness.plan.model import Plan
from harness.plan.source import Setting
from harness.sections import is_noise, section_of, section_rank, section_title


@dataclass(frozen=True)
class DiffEntry:
    """One key across the reference and every candidate."""

    key: str
    section: str
    reference: Setting | None  # None: key absent on that side
    candidates: tuple[Setting | None, ...]  # one per candidate, same order as PlanDiff
    changed: tuple[bool, ...]  # per candidate: differs semantically from the reference
    noise: bool  # output paths, run names, logger settings...

    @property
    def any_changed(self) -> bool:
        return any(self.changed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "section": self.section,
            "noise": self.noise,
            "changed": list(self.changed),
            "reference": setting_json(self.reference),
            "candidates": [setting_json(s) for s in self.candidates],
        }


@dataclass
class PlanDiff:
    reference: str
    candidates: list[str]  # plan names
    entries: list[DiffEntry]  # all keys (changed or not), sorted by section order then key

    def changed_entries(self, show_all: bool = False) -> list[DiffEntry]:
        """Entries that differ in any candidate; noise keys only with ``show_all``."""
        return [e for e in self.entries if e.any_changed and (show_all or not e.noise)]

    def hidden_noise(self) -> int:
        """How many changed entries ``changed_entries()`` hides as noise."""
        return sum(1 for e in self.entries if e.any_changed and e.noise)

    def by_section(self, show_all: bool = False) -> dict[str, list[DiffEntry]]:
        """Changed entries grouped by section name, in section order."""
        out: dict[str, list[DiffEntry]] = {}
        for entry in self.changed_entries(show_all):
            out.setdefault(entry.section, []).append(entry)
        return out

    def to_dict(self, show_all: bool = False) -> dict[str, Any]:
        sections = self.by_section(show_all)
        return {
            "reference": self.reference,
            "candidates": list(self.candidates),
            "show_all": show_all,
            "changed_count": sum(len(entries) for entries in sections.values()),
            "hidden_noise_count": 0 if show_all else self.hidden_noise(),
            "sections": [{"name": name, "title": section_title(name)} for name in sections],
            "entries": [e.to_dict() for entries in sections.values() for e in entries],
        }


def diff_plans(
    reference: Plan, candidates: Sequence[Plan], float_rel_tol: float = 1e-9
) -> PlanDiff:
    """Compare every key of ``reference`` with each candidate's effective value."""
    ref = _flat_settings(reference)
    cands = [_flat_settings(plan) for plan in candidates]
    keys = set(ref).union(*cands)
    changed_by_candidate = [_changed_keys(ref, cand, float_rel_tol) for cand in cands]
    entries = []
    for key in sorted(keys, key=_sort_key):
        changed = tuple(
            key in changed_keys and not _absent_by_structure(key, ref, cand)
            for cand, changed_keys in zip(cands, changed_by_candidate, strict=True)
        )
        entries.append(
            DiffEntry(
                key=key,
                section=section_of(key),
                reference=ref.get(key),
                candidates=tuple(cand.get(key) for cand in cands),
                changed=changed,
                noise=is_noise(key),
            )
        )
    return PlanDiff(reference.name, [plan.name for plan in candidates], entries)


def values_equal(a: Any, b: Any, rel_tol: float = 1e-9) -> bool:
    """True when two config values mean the same thing (the diff's notion of equal)."""
    return not _changed_keys({"v": a}, {"v": b}, rel_tol)


class _NumbersClose:
    """deepdiff custom operator: ints and floats equal within a relative tolerance.

    Duck-typed (deepdiff only calls ``match`` and ``give_up_diffing``) so that this module
    does not import deepdiff. Booleans are excluded: ``True`` vs ``1`` stays a type change.
    """

    def __init__(self, rel_tol: float):
        self.rel_tol = rel_tol

    def match(self, level: Any) -> bool:
        return _is_number(level.t1) and _is_number(level.t2)

    def give_up_diffing(self, level: Any, diff_instance: Any) -> bool:
        a, b = level.t1, level.t2
        both_nan = isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)
        if not (both_nan or math.isclose(a, b, rel_tol=self.rel_tol)):
            diff_instance.custom_report_result("values_changed", level)
        return True  # handled: deepdiff must not compare types or digits itself


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _changed_keys(ref: dict[str, Any], cand: dict[str, Any], rel_tol: float) -> set[str]:
    """Top-level keys whose values differ (one deepdiff call for the whole plan)."""
    from deepdiff import DeepDiff

    t1 = {k: _lists(_value(v)) for k, v in ref.items()}
    t2 = {k: _lists(_value(v)) for k, v in cand.items()}
    # threshold_to_diff_deeper=0: never report the whole plan as one change, however many
    # keys differ (deepdiff >= 8 does by default when a third of the keys differ).
    tree = DeepDiff(
        t1,
        t2,
        view="tree",
        custom_operators=[_NumbersClose(rel_tol)],
        threshold_to_diff_deeper=0,
    )
    return {level.path(output_format="list")[0] for levels in tree.values() for level in levels}


def _value(item: Any) -> Any:
    return item.value if isinstance(item, Setting) else item


def _lists(value: Any) -> Any:
    """Tuples as lists, recursively: (0.9, 0.96) and [0.9, 0.96] are the same betas."""
    if isinstance(value, (list, tuple)):
        return [_lists(v) for v in value]
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    return value


def _flat_settings(plan: Plan) -> dict[str, Setting]:
    """The plan's settings with any dict-valued leaf split into dotted keys.

    Loaders may hand over ``optimizer_params`` as one dict or as dotted keys; splitting
    makes both compare key by key, each part keeping the source of the whole.
    """
    out: dict[str, Setting] = {}
    for key, setting in plan.settings.items():
        parts = flatten(setting.value, key)
        if len(parts) == 1 and key in parts:
            out[key] = setting
            continue
        for sub_key, value in parts.items():
            out[sub_key] = Setting(sub_key, value, setting.source)
    return out


def _absent_by_structure(key: str, ref: dict[str, Setting], cand: dict[str, Setting]) -> bool:
    """A key one side lacks for reasons no one chose; the row is then not a change.

    - A library default on one side that the other side's library version does not have
      (``speakers`` exists in coqui-tts 0.28, not in TTS 0.22): nobody set it.
    - An empty/None container on one side whose contents the other side lists as subkeys
      (``lr_scheduler_params = {}`` vs ``lr_scheduler_params.gamma``): the subkey rows
      carry the change, the container row would only repeat it.
    """
    if (key in ref) == (key in cand):
        return False
    present, other = (ref, cand) if key in ref else (cand, ref)
    if present[key].source.is_default:
        return True
    if present[key].value not in (None, {}, []):
        return False
    return any(k.startswith((key + ".", key + "[")) for k in other)


_NUMBER_RUN = re.compile(r"(\d+)")


def _sort_key(key: str) -> tuple[int, list[Any]]:
    """Section order, then natural key order (datasets[2] before datasets[10])."""
    parts = [int(p) if p.isdigit() else p for p in _NUMBER_RUN.split(key)]
    return section_rank(section_of(key)), [(isinstance(p, int), p) for p in parts]
