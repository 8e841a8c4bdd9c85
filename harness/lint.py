"""The lint pipeline: load plans, run the rules, compute the schedules they are judged by."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from harness.findings import Finding, sort_findings
from harness.plan import Plan


def load_reference(name_or_path: str | None) -> Plan | None:
    """The reference plan; ``None``/"none" means lint without one."""
    from harness.baselines import DEFAULT_BASELINE
    from harness.plan.load import load_plan

    if name_or_path is not None and name_or_path.lower() == "none":
        return None
    return load_plan(name_or_path or DEFAULT_BASELINE)


def load_candidates(
    targets: Sequence[str],
    overrides: Sequence[str] = (),
    library: tuple[str, str] | None = None,
) -> list[Plan]:
    """Plans of each target; a target list starting with ``python`` is one command line
    (``lint -- python train.py --lang am``), and a script gives one plan per path.
    ``library``: ``--library NAME VERSION``, the package that runs the candidates."""
    from harness.plan.load import load_plans
    from harness.plan.loaders.command_line import from_tokens, is_command

    if is_command(targets):
        return load_plans(from_tokens(targets), overrides=overrides, library_override=library)
    plans: list[Plan] = []
    for target in targets:
        plans += load_plans(target, overrides=overrides, library_override=library)
    return plans


def lint_plans(
    plans: Sequence[Plan],
    reference: Plan | None,
    *,
    select: Collection[str] | None = None,
    ignore: Collection[str] | None = None,
) -> tuple[list[Finding], list]:
    """Findings for every plan (sorted, most severe first) and each plan's schedule."""
    from harness.rules import RuleContext, choose_rules

    findings: list[Finding] = []
    schedules = []
    chosen = choose_rules(select, ignore or ())
    for plan in plans:
        context = RuleContext(plan=plan, reference=reference)
        for rule in chosen:
            findings.extend(rule.check(context))
        schedules.append(context.schedule)
    return sort_findings(findings), schedules
