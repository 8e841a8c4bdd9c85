"""Config use cases: lint, diff and schedule, and the lint pipeline they share.

Load the reference and the candidates (one plan per feasible path of a script), run the
rules, compute the schedules the rules judge by, diff against the reference.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from harness.findings import Finding, Severity, exit_code, sort_findings
from harness.output_guard import refuse_output_over_inputs
from harness.plan import Plan

if TYPE_CHECKING:
    from harness.diff import PlanDiff
    from harness.schedule import Schedule

Library = tuple[str, str]  # --library NAME VERSION


@dataclass(frozen=True)
class LintResult:
    """The findings of every candidate (most severe first) and the schedule of each plan."""

    reference: Plan | None
    plans: tuple[Plan, ...]
    findings: tuple[Finding, ...]
    schedules: tuple[Schedule | None, ...]
    fail_on: Severity = Severity.ERROR

    @property
    def exit_code(self) -> int:
        """0 clean, 1 when a finding is at or above ``fail_on``."""
        return exit_code(list(self.findings), self.fail_on)


@dataclass(frozen=True)
class DiffResult:
    """The semantic diff of the candidates against the reference."""

    reference: Plan
    plans: tuple[Plan, ...]
    diff: PlanDiff


@dataclass(frozen=True)
class ScheduleResult:
    """The LR schedule each config really produces over its planned run."""

    plans: tuple[Plan, ...]
    schedules: tuple[Schedule, ...]


def lint(
    candidates: Sequence[str],
    *,
    baseline: str | None = None,
    select: Collection[str] | None = None,
    ignore: Collection[str] | None = None,
    overrides: Sequence[str] = (),
    library: Library | None = None,
    fail_on: Severity | str = Severity.ERROR,
    output: str | None = None,
) -> LintResult:
    """Hazards of each candidate against a reference (``baseline``: a name or path; None,
    the default baseline; "none", no reference). ``output``: a file the caller will write,
    refused when it is one of the inputs."""
    refuse_output_over_inputs(output, [*candidates, baseline])
    reference = load_reference(baseline)
    plans = load_candidates(candidates, overrides, library)
    findings, schedules = lint_plans(plans, reference, select=select, ignore=ignore)
    return LintResult(reference, tuple(plans), tuple(findings), tuple(schedules), severity(fail_on))


def diff_configs(
    reference: str,
    candidates: Sequence[str],
    *,
    overrides: Sequence[str] = (),
    library: Library | None = None,
    output: str | None = None,
) -> DiffResult:
    """What changed between ``reference`` (a baseline name or a path) and the candidates."""
    from harness.diff import diff_plans
    from harness.plan.load import load_plan

    refuse_output_over_inputs(output, [reference, *candidates])
    base = load_plan(reference)
    plans = load_candidates(candidates, overrides, library)
    return DiffResult(base, tuple(plans), diff_plans(base, plans))


def schedule_configs(
    configs: Sequence[str],
    *,
    dataset_size: int | None = None,
    overrides: Sequence[str] = (),
    library: Library | None = None,
    output: str | None = None,
) -> ScheduleResult:
    """The LR the optimizer really sees over each config's planned run."""
    from harness.schedule import compute_schedule

    refuse_output_over_inputs(output, configs)
    extra = [f"dataset_size={dataset_size}"] if dataset_size is not None else []
    plans = load_candidates(configs, [*overrides, *extra], library)
    return ScheduleResult(tuple(plans), tuple(compute_schedule(plan) for plan in plans))


def load_reference(name_or_path: str | None) -> Plan | None:
    """The reference plan; ``None`` means the default baseline, "none" lint without one."""
    from harness.baselines import DEFAULT_BASELINE
    from harness.plan.load import load_plan

    if name_or_path is not None and name_or_path.lower() == "none":
        return None
    return load_plan(name_or_path or DEFAULT_BASELINE)


def load_candidates(
    targets: Sequence[str],
    overrides: Sequence[str] = (),
    library: Library | None = None,
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


def severity(fail_on: Severity | str) -> Severity:
    """``fail_on`` as every use case takes it: a Severity or its name ("warning")."""
    return fail_on if isinstance(fail_on, Severity) else Severity.parse(fail_on)
