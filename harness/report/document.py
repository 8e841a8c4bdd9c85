"""The one object every output format renders, and the presentation helpers they share.

A report computes nothing new: commands fill a ``ReportDocument`` with plans, findings,
a diff, schedules and extra sections (dataset audit, vocab check, ablation statistics),
and ``harness.report.formats.render`` turns it into text, JSON, Markdown or SARIF.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from harness.findings import Finding, Severity, exit_code
from harness.plan.model import Plan
from harness.plan.source import Setting, Unknown

if TYPE_CHECKING:
    from harness.diff import PlanDiff
    from harness.schedule import Schedule

FORMATS = ("text", "json", "md", "sarif")
# Commands whose report is about findings: they say "clean" when there are none.
FINDING_COMMANDS = frozenset({"lint", "audit", "vocab-check", "check-run"})
GENERAL = "general"  # heading for findings that name no plan (e.g. a dataset audit)
# Sections of ``ReportDocument.extra`` the renderers know: the dataset audit, the study, a run.
AUDIT_KEY = "dataset_audit"
ABLATION_KEY = "ablation"
RUN_KEY = "run_check"  # a training run against the prediction (check-run, report --run)


@dataclass
class ReportDocument:
    command: str  # "lint" | "diff" | "schedule" | "audit" | ...
    baseline: Plan | None
    plans: list[Plan]  # candidates
    findings: list[Finding]
    diff: PlanDiff | None = None
    schedules: list[Schedule | None] = field(default_factory=list)  # None: not modelled
    extra: dict[str, Any] = field(default_factory=dict)  # section name -> JSON-safe data
    fail_on: Severity = Severity.ERROR

    def exit_code(self) -> int:
        """0 clean, 1 when a finding is at or above ``fail_on``."""
        return exit_code(self.findings, self.fail_on)

    def counts(self, plan: str | None = None) -> dict[str, int]:
        """Findings per severity, for one plan name or (``None``) for all of them."""
        chosen = [f for f in self.findings if plan is None or f.plan == plan]
        return {s.value: sum(1 for f in chosen if f.severity is s) for s in _MOST_SEVERE_FIRST}

    def findings_by_plan(self) -> dict[str, list[Finding]]:
        """Findings grouped under each candidate's name (in plan order), then the rest.

        Candidates without findings get an empty list so that a report can say "clean".
        """
        groups: dict[str, list[Finding]] = {plan.name: [] for plan in self.plans}
        for finding in self.findings:
            groups.setdefault(finding.plan or GENERAL, []).append(finding)
        return groups

    @property
    def reports_findings(self) -> bool:
        """True when verdicts belong in the report (a diff or schedule alone has none)."""
        return self.command in FINDING_COMMANDS or bool(self.findings)

    def fails(self, plan: str | None = None) -> bool:
        """True when the plan's findings (or all findings) reach ``fail_on``."""
        chosen = [f for f in self.findings if plan is None or f.plan == plan]
        return blocked(chosen, self.fail_on)


def blocked(findings: Iterable[Finding], fail_on: Severity) -> bool:
    """The one verdict rule every renderer follows: findings block (a config is "blocked",
    "fails") exactly when they make the command exit 1, at or above ``--fail-on``."""
    return exit_code(list(findings), fail_on) == 1


_MOST_SEVERE_FIRST = (Severity.ERROR, Severity.WARNING, Severity.INFO)


# Presentation helpers the text and Markdown renderers share ------------------------------


def display_value(value: Any) -> str:
    """A config value as a user would write it: 5e-06, 0.01, [1, 2, 3], "" for empty."""
    if isinstance(value, Unknown):
        return f"<unknown: {value.text}>"
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, float):
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        if value.is_integer() and abs(value) < 1e15:
            return f"{value:.1f}"
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(display_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {display_value(v)}" for k, v in value.items()) + "}"
    if value == "":
        return '""'
    return str(value)


def display_setting(setting: Setting | None) -> tuple[str, str]:
    """(value, where it came from) for one diff cell; an absent key reads "(absent)".

    Compact: the file's name without its folder (the column names the plan), and no key
    when it is the row's own: "after.toml:12", not "experiments/x/after.toml:12 (lr)".
    A fact read from [trainer] still says "after.toml (trainer.grad_accum_steps)".
    """
    if setting is None:
        return "(absent)", ""
    source = setting.source
    if not source.is_default:
        key = None if source.key == setting.key else source.key
        source = replace(source, key=key, file=PurePath(source.file).name if source.file else None)
    return display_value(setting.value), str(source)


def where(finding: Finding) -> str:
    """``file:line`` of a finding, or just the file, or ""."""
    if not finding.file:
        return ""
    return f"{finding.file}:{finding.line}" if finding.line is not None else finding.file


SCHEDULE_FRACTIONS = ((0.1, "10%"), (0.5, "50%"))


def schedule_lines(schedule: Schedule) -> tuple[str, list[str]]:
    """A compact schedule summary: a title and a few lines (text and Markdown share it).

    Scheduler and unit, run length, the LR at 10%, 50% and the end of the run, each event
    placed in the run, what stays undecided and the trainer quirks worth knowing.
    """
    unit = "per epoch" if schedule.unit == "epoch" else "per optimizer step"
    title = f"{schedule.plan_name}: {schedule.scheduler or 'constant LR'}, stepped {unit}"
    lines = [_run_length(schedule)]
    lr = _lr_points(schedule)
    if lr:
        lines.append(lr)
    lines += [
        f"{e.label}: {e.describe(schedule.epochs, schedule.total_steps)}" for e in schedule.events
    ]
    lines += [f"undecided: {text}" for text in schedule.undecided]
    lines += [f"note: {text}" for text in schedule.notes]
    return title, lines


def _run_length(schedule: Schedule) -> str:
    epochs = "? epochs" if schedule.epochs is None else f"{schedule.epochs:,} epochs"
    if schedule.steps_per_epoch is None:
        return f"run: {epochs}, optimizer steps per epoch unknown (needs dataset_size)"
    text = f"run: {epochs} x {schedule.steps_per_epoch:,} optimizer steps per epoch"
    if schedule.total_steps is not None:
        text += f" = {schedule.total_steps:,} optimizer steps"
    return text


def _lr_points(schedule: Schedule) -> str:
    values = schedule.lr_at_fractions([fraction for fraction, _ in SCHEDULE_FRACTIONS])
    if not values:
        return ""
    labels = ["start", *(label for _, label in SCHEDULE_FRACTIONS), "end"]
    points = [f"{label} {value:.3g}" for label, value in zip(labels, values, strict=True)]
    ratio = schedule.final_lr_ratio()
    tail = f" ({ratio:.3g}x the configured lr at the end)" if ratio is not None else ""
    return "LR: " + ", ".join(points) + tail


def plan_label(plan: Plan) -> str:
    return f"{plan.name} ({plan.path})" if plan.path and plan.path != plan.name else plan.name
