"""One ``ReportDocument`` per use-case result of ``harness.app``: what each command shows.

Presentation choices live here: text and Markdown cap long finding lists (``caps``), the
dataset audit shows summary lines in text and Markdown and its whole result in JSON, the
vocab check adds its data to JSON only. Nothing is computed: every value comes from the
result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from harness.report.caps import ROWS_SHOWN, cap_per_code, cap_rows
from harness.report.document import ABLATION_KEY, AUDIT_KEY, RUN_KEY, ReportDocument

if TYPE_CHECKING:
    from harness.app.configs import DiffResult, LintResult, ScheduleResult
    from harness.app.datasets import DatasetAudit, VocabCheckResult
    from harness.app.reports import ReportResult
    from harness.app.runs import RunCheckResult
    from harness.audit.result import AuditResult

READ_BY_PEOPLE = ("text", "md")  # formats whose long lists are capped
FULL = ("json", "sarif")  # formats that carry every finding and the whole audit


def lint_document(result: LintResult, fmt: str) -> ReportDocument:
    findings = list(result.findings)
    return ReportDocument(
        command="lint",
        baseline=result.reference,
        plans=list(result.plans),
        findings=cap_per_code(findings) if fmt in READ_BY_PEOPLE else findings,
        schedules=list(result.schedules),
        fail_on=result.fail_on,
    )


def diff_document(result: DiffResult) -> ReportDocument:
    return ReportDocument(
        command="diff",
        baseline=result.reference,
        plans=list(result.plans),
        findings=[],
        diff=result.diff,
    )


def schedule_document(result: ScheduleResult) -> ReportDocument:
    return ReportDocument(
        command="schedule",
        baseline=None,
        plans=list(result.plans),
        findings=[],
        schedules=list(result.schedules),
    )


def audit_document(result: DatasetAudit, fmt: str, *, all_rows: bool = False) -> ReportDocument:
    findings = list(result.findings)
    full = fmt in FULL
    audit = result.result
    return ReportDocument(
        command="audit",
        baseline=None,
        plans=[],
        findings=findings if full or all_rows else cap_rows(findings, ROWS_SHOWN),
        extra={AUDIT_KEY: audit.to_dict()} if full else audit_summary_sections(audit),
        fail_on=result.fail_on,
    )


def vocab_check_document(result: VocabCheckResult, fmt: str) -> ReportDocument:
    return ReportDocument(
        command="vocab-check",
        baseline=None,
        plans=[],
        findings=list(result.findings),
        extra={"vocab_check": result.check.to_dict()} if fmt == "json" else {},
        fail_on=result.fail_on,
    )


def check_run_document(result: RunCheckResult) -> ReportDocument:
    return ReportDocument(
        command="check-run",
        baseline=None,
        plans=[result.run.plan],
        findings=list(result.findings),
        extra={"run_against_prediction": result.run.summary()},
        fail_on=result.fail_on,
    )


def report_document(result: ReportResult) -> ReportDocument:
    """The HTML report's document; its sections read ``extra`` under their keys."""
    extra: dict[str, Any] = {}
    if result.audit is not None:
        extra[AUDIT_KEY] = result.audit
    if result.study is not None:
        extra[ABLATION_KEY] = result.study
    if result.run is not None:
        extra[RUN_KEY] = result.run
    return ReportDocument(
        command="report",
        baseline=result.reference,
        plans=list(result.plans),
        findings=list(result.findings),
        diff=result.diff,
        schedules=list(result.schedules),
        extra=extra,
        fail_on=result.fail_on,
    )


def audit_summary_sections(result: AuditResult) -> dict[str, Any]:
    """Short lines for the text and Markdown outputs (JSON carries the full result)."""
    from harness.audit.durations import format_hours

    limits, totals = result.limits, result.totals
    lines = {
        "dataset": f"{result.source.root} ({result.source.formatter}; eval: {result.eval_source})",
        "max_text_length": f"{limits.max_text_tokens} tokens",
        "max_wav_length": f"{limits.max_wav_samples} samples = {limits.max_wav_seconds:.2f} s "
        f"at {limits.sample_rate} Hz (min {limits.min_seconds} s)",
        "vocab": result.vocab_path,
        "tokenizer": f"{result.tokenizer_mode}, language {result.language} "
        f"(tag {result.language_tag})",
        "kept": f"{totals.count(kept=True)} of {_samples(totals.count())}, "
        f"{format_hours(totals.hours(kept=True))} of {format_hours(totals.hours())}",
        "eval samples left": str(result.eval_samples_left),
    }
    table = {
        row["reason"]: f"{_samples(row['count'])} ({row['share']:.1%}), "
        f"{format_hours(row['hours'])} ({row['hours_share']:.1%}); train {row['train']}, "
        f"eval {row['eval']}"
        for row in result.drop_table()
    }
    return {"dataset audit": lines, "drop table (first reason the trainer hits)": table}


def _samples(count: int) -> str:
    return f"{count} sample" if count == 1 else f"{count} samples"
