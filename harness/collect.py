"""Gather everything the HTML report shows into one ``ReportDocument``.

It reads storages, lints and audits, so it lives outside ``harness.report``, which renders
only.

Each part comes from its own producer: plans and findings from the lint pipeline, the diff
from ``harness.diff``, schedules from ``harness.schedule``, the dataset audit from
``harness.audit`` and the ablation statistics from ``harness.ablate.stats``. Nothing here
computes a result of its own.

``doc.schedules`` holds the reference's schedule first (when there is a reference), then one
per candidate, so the report can draw every config's LR.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.findings import Finding, Severity, sort_findings
from harness.report.document import ABLATION_KEY, AUDIT_KEY, ReportDocument


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
class ReportRequest:
    """The inputs of one report, as the ``report`` command takes them."""

    candidates: Sequence[str]
    baseline: str | None = None  # name or path; None: the default baseline; "none": none
    overrides: Sequence[str] = ()
    library: tuple[str, str] | None = None  # --library NAME VERSION
    dataset: DatasetOptions | None = None
    study: StudyOptions | None = None
    fail_on: Severity = Severity.ERROR
    extra: dict[str, Any] = field(default_factory=dict)


def collect_report(request: ReportRequest) -> ReportDocument:
    """Load, lint, diff, schedule, audit and read the study: the report's whole input."""
    from harness.diff import diff_plans
    from harness.lint import lint_plans, load_candidates, load_reference

    reference = load_reference(request.baseline)
    plans = load_candidates(request.candidates, request.overrides, request.library)
    findings, schedules = lint_plans(plans, reference)
    if reference is not None:
        from harness.schedule import compute_schedule

        schedules = [compute_schedule(reference), *schedules]
    extra = dict(request.extra)
    if request.dataset is not None:
        audit_findings, extra[AUDIT_KEY] = audit_dataset(plans[-1], request.dataset)
        findings = sort_findings([*findings, *audit_findings])
    if request.study is not None:
        extra[ABLATION_KEY] = read_study(request.study)
    return ReportDocument(
        command="report",
        baseline=reference,
        plans=plans,
        findings=findings,
        diff=diff_plans(reference, plans) if reference is not None else None,
        schedules=schedules,
        extra=extra,
        fail_on=request.fail_on,
    )


def audit_dataset(plan: Any, options: DatasetOptions) -> tuple[list[Finding], dict[str, Any]]:
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


def read_study(options: StudyOptions) -> dict[str, Any]:
    """The study's trials and statistics (``harness.ablate.summary.study_summary``)."""
    from harness.ablate.storage import normalize_url, redact
    from harness.ablate.summary import load_study, study_summary

    url = normalize_url(options.storage)
    summary = study_summary(load_study(url, options.name))
    summary["storage"] = redact(url)
    return summary
