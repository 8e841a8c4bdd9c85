"""The Rule type, the registry every family module adds to, and the context rules read.

A rule is one function decorated with ``@rule(code, name, severity, summary=..., doc=...)``
that yields ``Problem``s; the decorator turns each into a ``Finding`` with the rule's code,
name and severity, the file and line of the offending key, and the plan's name.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import re
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from harness.errors import HarnessError
from harness.findings import Finding, FindingCode, Severity, sort_findings
from harness.plan import Plan

if TYPE_CHECKING:
    from harness.schedule import Schedule

FAMILIES = {
    "S": "schedule",
    "O": "optimizer",
    "M": "model",
    "L": "language",
    "B": "bookkeeping",
    "X": "extras",
    "K": "keys",
    "C": "command-line",
    "E": "environment",
}
# The modules that register rules (the S family spans decay, warmup, cosine and stepping).
_MODULES = (
    "decay",
    "warmup",
    "cosine",
    "stepping",
    "optimizer",
    "model",
    "data",
    "bookkeeping",
    "extras",
    "script_effects",
    "keys",
    "values",
    "command_line",
    "environment",
)
DOC_SECTIONS = (
    "## What it does",
    "## Why is this bad?",
    "## Example",
    "## Use instead",
    "## Evidence",
)
# A trainer that steps a per-epoch scheduler, for what a config describes (described_schedule).
STEPPING_TRAINER = "coqui-tts-trainer 0.3.1"
_CODE = re.compile(rf"^[{''.join(FAMILIES)}]\d{{3}}$")
_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Problem:
    """What a rule function yields: the decorator adds code, name, file, line and plan."""

    message: str
    key: str | None
    fix: str | None = None
    severity: Severity | None = None  # None: the rule's severity (info when undecided, say)


@dataclass
class RuleContext:
    """What a rule sees: the plan, the reference it is compared with, and its schedule."""

    plan: Plan
    reference: Plan | None = None

    @cached_property
    def schedule(self) -> Schedule:
        """The LR the run really gets, under the plan's trainer version."""
        from harness.schedule import compute_schedule

        return compute_schedule(self.plan)

    @cached_property
    def described_schedule(self) -> Schedule:
        """The LR the config describes: as a trainer that steps its scheduler would run it.

        Differs from ``schedule`` only where the plan's trainer never steps a per-epoch
        scheduler (coqui-tts-trainer 0.4.0, rule S109).
        """
        if self.schedule.scheduler_stepped:
            return self.schedule
        from harness.schedule import compute_schedule

        return compute_schedule(self.plan, trainer=STEPPING_TRAINER)


@dataclass(frozen=True)
class Rule(FindingCode):
    """A config rule: a documented code and the check that produces its findings."""

    check: Callable[[RuleContext], Iterable[Finding]]


_REGISTRY: dict[str, Rule] = {}


def rule(
    code: str, name: str, severity: Severity, *, summary: str, doc: str | None = None
) -> Callable[[Callable[[RuleContext], Iterable[Problem]]], Rule]:
    """Register the decorated function as a rule; ``doc`` defaults to its docstring."""

    def register(func: Callable[[RuleContext], Iterable[Problem]]) -> Rule:
        if not _CODE.match(code) or not _NAME.match(name):
            raise ValueError(f"bad rule code or name: {code} {name}")
        if code in _REGISTRY:
            raise ValueError(f"rule code {code} registered twice")
        text = inspect.cleandoc(doc or func.__doc__ or "")

        def check(context: RuleContext) -> list[Finding]:
            return [_finding(made, problem, context.plan) for problem in func(context)]

        made = Rule(code, name, severity, FAMILIES[code[0]], summary, text, check)
        _REGISTRY[code] = made
        return made

    return register


def _finding(made: Rule, problem: Problem, plan: Plan) -> Finding:
    file, line = locate(plan, problem.key)
    return Finding(
        code=made.code,
        name=made.name,
        severity=problem.severity or made.severity,
        message=problem.message,
        key=problem.key,
        file=file,
        line=line,
        fix=problem.fix,
        plan=plan.name,
    )


def locate(plan: Plan, key: str | None) -> tuple[str | None, int | None]:
    """File and line of an explicit value (or of the first explicit value under ``key``).

    By name: this is how a finding's key (a view field's ``key``) becomes a file and line.
    """
    if key is not None:
        exact = plan.setting(key) or _unknown_index(plan).get(key)
        if exact is not None and not exact.source.is_default:  # no scan: many keys stay linear
            return exact.source.file or plan.path, exact.source.line
        settings = [plan.setting(key)] if plan.setting(key) is not None else []
        settings += [s for k, s in plan.settings.items() if k.startswith((key + ".", key + "["))]
        settings += [s for s in plan.unknown_keys if s.key == key]
        for setting in settings:
            if setting is not None and not setting.source.is_default:
                return setting.source.file or plan.path, setting.source.line
    return plan.path, None


_UNKNOWN_INDEX: list[tuple[Plan, dict[str, Any]]] = []  # the last plan's index only


def _unknown_index(plan: Plan) -> dict[str, Any]:
    """The plan's unknown keys by name, built once per plan (rules locate each of them)."""
    if not _UNKNOWN_INDEX or _UNKNOWN_INDEX[0][0] is not plan:
        index: dict[str, Any] = {}
        for setting in plan.unknown_keys:
            index.setdefault(setting.key, setting)
        _UNKNOWN_INDEX[:] = [(plan, index)]
    return _UNKNOWN_INDEX[0][1]


def _load_families() -> None:
    for module in _MODULES:
        importlib.import_module(f"harness.rules.{module}")


def all_rules() -> list[Rule]:
    """Every registered rule, sorted by code."""
    _load_families()
    return [_REGISTRY[code] for code in sorted(_REGISTRY)]


def get_rule(code_or_name: str) -> Rule:
    """A rule by code (``S101``, any case) or name; a one-line HarnessError otherwise."""
    rules = all_rules()
    wanted = code_or_name.strip()
    for candidate in rules:
        if wanted.upper() == candidate.code or wanted.lower() == candidate.name:
            return candidate
    labels = [r.code for r in rules] + [r.name for r in rules]
    close = difflib.get_close_matches(wanted, labels, n=3, cutoff=0.5)
    close += difflib.get_close_matches(wanted.upper(), labels, n=3, cutoff=0.5)
    hint = ", ".join(dict.fromkeys(close)) or f"{rules[0].code} ... {rules[-1].code}"
    raise HarnessError(
        f"no rule {code_or_name!r}",
        fix=f"closest: {hint}; `xtts-harness rules` lists them all",
    )


def choose_rules(select: Collection[str] | None, ignore: Collection[str] = ()) -> list[Rule]:
    """Rules picked by code or name; a code prefix such as ``S`` or ``S1`` picks a family.

    An unknown code or name in either list is a HarnessError, whatever else matches.
    """
    rules = all_rules()
    selected = _codes(select) if select else {r.code for r in rules}
    ignored = _codes(ignore)
    return [r for r in rules if r.code in selected and r.code not in ignored]


def _codes(patterns: Collection[str]) -> set[str]:
    codes: set[str] = set()
    for pattern in patterns:
        text = pattern.strip()
        if re.fullmatch(rf"[{''.join(FAMILIES)}]\d{{0,2}}", text.upper()):
            codes.update(r.code for r in all_rules() if r.code.startswith(text.upper()))
        else:
            codes.add(get_rule(text).code)
    return codes


def run_rules(
    plan: Plan,
    reference: Plan | None = None,
    select: Collection[str] | None = None,
    ignore: Collection[str] = (),
) -> list[Finding]:
    """Findings of the chosen rules on one plan, most severe first."""
    context = RuleContext(plan=plan, reference=reference)
    findings: list[Finding] = []
    for chosen in choose_rules(select, ignore):
        findings.extend(chosen.check(context))
    return sort_findings(findings)


# Small helpers the family modules share -------------------------------------------------


def number(value: Any) -> float | None:
    """A finite real number, or None (bools, Unknown, strings, None)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if value == value and abs(value) != float("inf") else None


SHOWN_CHARS = 60  # a value quoted in a message; the JSON output and the file have all of it


def fmt(value: Any) -> str:
    """Numbers as a user would write them: 5e-06, 0.01, 100000, [1, 2, 3]; long values cut."""
    text = _fmt(value)
    if len(text) > SHOWN_CHARS:
        return f"{text[: SHOWN_CHARS - 3]}..."
    return text


def _fmt(value: Any) -> str:
    if isinstance(value, (list, tuple)) and len(value) > SHOWN_CHARS:
        value = value[:SHOWN_CHARS]  # enough to fill the cut; a million items are not joined
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(fmt(v) for v in value) + "]"
    return str(value)


def iter_explicit(plan: Plan, prefix: str) -> Iterator[tuple[str, Any]]:
    """(key, value) of settings at or under ``prefix`` that the config set itself."""
    for key, setting in plan.settings.items():
        if (key == prefix or key.startswith(prefix + ".")) and not setting.source.is_default:
            yield key, setting.value
