"""The report use case: everything the HTML report shows, gathered in one ``ReportResult``.

Plans and findings come from the lint pipeline, the diff from ``harness.diff``, schedules
from ``harness.schedule``, the dataset audit from ``harness.audit``, a training run from
``harness.runcheck`` and the ablation statistics from ``harness.ablate.summary``. Nothing
here computes a result of its own; ``harness.report`` renders the result.

``schedules`` holds the reference's schedule first (when there is a reference), then one
per candidate, so the report can draw every config's LR.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.app.configs import Library, lint_plans, load_candidates, load_reference, severity
from harness.errors import HarnessError
from harness.findings import Finding, Severity, exit_code, sort_findings
from harness.output_guard import refuse_output_over_inputs, same_file
from harness.plan import Plan

if TYPE_CHECKING:
    from harness.diff import PlanDiff
    from harness.schedule import Schedule


@dataclass(frozen=True)
class DatasetOptions:
    """What ``xtts-harness audit`` takes besides the config (see harness.audit)."""

    path: str
    eval_path: str | None = None
    vocab: str | None = None
    language: str | None = None
    tokenizer: str | None = None  # "stock" | "passthrough"; None: the plan's fact, else stock
    formatter: str | None = None  # "coqui" or "ljspeech"; None: detected


@dataclass(frozen=True)
class StudyOptions:
    """Which Optuna study to read: a storage URL and, when it holds several, a name."""

    storage: str
    name: str | None = None


@dataclass(frozen=True)
class RunOptions:
    """A Trainer run folder to check against the prediction, and the coqui-tts it used."""

    folder: str
    library: str | None = None


@dataclass(frozen=True)
class ReportResult:
    """The report's whole input: configs, findings (lint, audit and run together, most
    severe first), the diff, the schedules, and the audit, run and study sections as the
    JSON-safe dicts their producers export (None: not given)."""

    reference: Plan | None
    plans: tuple[Plan, ...]
    findings: tuple[Finding, ...]
    diff: PlanDiff | None
    schedules: tuple[Schedule | None, ...]
    audit: dict[str, Any] | None = None
    run: dict[str, Any] | None = None  # {"summary": ..., "curves": ...}
    study: dict[str, Any] | None = None
    fail_on: Severity = Severity.ERROR

    @property
    def exit_code(self) -> int:
        return exit_code(list(self.findings), self.fail_on)


def build_report(
    candidates: Sequence[str],
    *,
    baseline: str | None = None,
    overrides: Sequence[str] = (),
    library: Library | None = None,
    dataset: DatasetOptions | None = None,
    study: StudyOptions | None = None,
    run: RunOptions | None = None,
    fail_on: Severity | str = Severity.ERROR,
    outputs: Sequence[tuple[str, str | None]] = (),
) -> ReportResult:
    """Load, lint, diff, schedule, audit, check the run and read the study. ``outputs``:
    (option, file) the caller will write, refused over any input or inside the dataset."""
    from harness.diff import diff_plans
    from harness.schedule import compute_schedule

    _refuse_outputs(outputs, candidates, baseline, dataset, study, run)
    reference = load_reference(baseline)
    plans = load_candidates(candidates, overrides, library)
    findings, schedules = lint_plans(plans, reference)
    if reference is not None:
        schedules = [compute_schedule(reference), *schedules]
    audit = run_data = None
    if dataset is not None:
        audit_findings, audit = audit_section(plans[-1], dataset)
        findings = sort_findings([*findings, *audit_findings])
    if run is not None:
        run_findings, run_data = run_section(run)
        findings = sort_findings([*findings, *run_findings])
    return ReportResult(
        reference=reference,
        plans=tuple(plans),
        findings=tuple(findings),
        diff=diff_plans(reference, plans) if reference is not None else None,
        schedules=tuple(schedules),
        audit=audit,
        run=run_data,
        study=study_section(study) if study is not None else None,
        fail_on=severity(fail_on),
    )


def audit_section(plan: Plan, options: DatasetOptions) -> tuple[list[Finding], dict[str, Any]]:
    """The dataset audit against ``plan``'s limits: its findings and its JSON-safe dict."""
    from harness.audit import audit_dataset as run_audit

    result = run_audit(
        plan,
        options.path,
        eval_dataset=options.eval_path,
        vocab=options.vocab,
        language=options.language,
        tokenizer=options.tokenizer,
        formatter=options.formatter,
    )
    return list(result.findings), result.to_dict()


def run_section(options: RunOptions) -> tuple[list[Finding], dict[str, Any]]:
    """check-run's findings, and its summary and curves for the report's run section."""
    from harness.runcheck import check_run

    checked = check_run(options.folder, (), options.library)  # --set is for the candidates
    return list(checked.findings), {"summary": checked.summary(), "curves": checked.curves()}


def study_section(options: StudyOptions) -> dict[str, Any]:
    """The study's trials and statistics (``harness.ablate.summary.study_summary``)."""
    from harness.app.studies import read_study

    return read_study(options.storage, options.name)


def _refuse_outputs(
    outputs: Sequence[tuple[str, str | None]],
    candidates: Sequence[str],
    baseline: str | None,
    dataset: DatasetOptions | None,
    study: StudyOptions | None,
    run: RunOptions | None,
) -> None:
    """The report never lands on a config, or inside the dataset the user gave."""
    storage = _storage_file(study.storage) if study is not None else None
    run_config = str(Path(run.folder) / "config.json") if run is not None else None
    given = [(option, target) for option, target in outputs if target]
    vocab, eval_path = (dataset.vocab, dataset.eval_path) if dataset is not None else (None, None)
    inputs = [*candidates, baseline, vocab, eval_path, storage, run_config]
    for option, target in given:
        refuse_output_over_inputs(target, inputs, option=option)
    for (first, a), (second, b) in pairwise(given):
        if same_file(a, b):
            raise HarnessError(
                f"{first} and {second} name the same file",
                fix="give the Markdown file its own name",
            )
    folder = Path(dataset.path).resolve() if dataset is not None else None
    if folder is not None and folder.is_file():
        folder = folder.parent  # a metadata file: its folder holds the dataset
    for option, target in given:
        path = Path(target).resolve()
        if folder is not None and (path == folder or folder in path.parents):
            raise HarnessError(
                f"{option} {target} would overwrite an input of the report",
                fix="write the report elsewhere, e.g. -o reports/NAME/index.html",
            )


def _storage_file(storage: str) -> Path | None:
    from harness.ablate.storage import normalize_url, sqlite_path

    return sqlite_path(normalize_url(storage))
