"""``xtts-harness audit``: what the XTTS trainer will silently drop from a dataset."""

from __future__ import annotations

import argparse
from collections import Counter
from typing import TYPE_CHECKING, Any, TextIO

from harness.commands import common

if TYPE_CHECKING:
    from harness.audit.result import AuditResult, SampleResult
    from harness.findings import Finding

ROWS_SHOWN = 10  # per-row findings of one code shown in text and md; json has them all


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "audit",
        help="predict which samples the trainer will drop, and why",
        description="Read a dataset (coqui CSV as xtts-finetune-webui writes it, or LJSpeech) "
        "and judge every sample as XTTSDataset will: kept, or dropped for an unsupported "
        "language, [UNK] characters, text over max_text_length tokens, audio over "
        "max_wav_length or under 0.5 s, empty text, missing or unreadable audio. Limits come "
        "from CONFIG. Example: xtts-harness audit experiments/amharic_bpe/after.toml "
        "--dataset experiments/amharic_bpe/data --vocab experiments/amharic_bpe/vocab_am.json "
        "--language am --tokenizer passthrough",
    )
    parser.add_argument(
        "config",
        metavar="CONFIG",
        help="training config (any file `lint` reads, or a baseline name) giving the limits",
    )
    parser.add_argument(
        "--dataset",
        metavar="PATH",
        help="dataset folder (metadata_train.csv [+ metadata_eval.csv], or metadata.csv) or "
        "a metadata file (default: the config's datasets[0])",
    )
    parser.add_argument(
        "--eval-dataset", metavar="PATH", help="eval metadata file (or a folder holding one)"
    )
    parser.add_argument(
        "--vocab",
        metavar="FILE",
        help="vocab.json to tokenize with (default: the config's model_args.tokenizer_file, "
        "else the XTTS v2 release vocab that comes with xtts-harness)",
    )
    parser.add_argument(
        "--language",
        metavar="CODE",
        help="training language (default: the config's language or datasets[0].language)",
    )
    common.add_tokenizer(parser)
    parser.add_argument(
        "--formatter",
        choices=("coqui", "ljspeech"),
        help="metadata format (default: the config's datasets[0].formatter, else detected "
        "from the first line)",
    )
    parser.add_argument(
        "--all-rows",
        action="store_true",
        help=f"text/md: list every per-row finding, not the first {ROWS_SHOWN} of each code",
    )
    parser.add_argument(
        "--samples-out",
        metavar="FILE",
        help="write every row's record (the objects of --format json's 'samples') to FILE "
        "as JSON Lines, one row at a time: json lists all rows of a small dataset but only "
        "the first and the dropped or flagged ones of a large one. Example: "
        "xtts-harness audit after.toml --dataset data --samples-out rows.jsonl",
    )
    common.add_format(parser)
    common.add_fail_on(parser)
    common.add_overrides(parser)
    common.add_output(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from harness.audit.plan_audit import audit_dataset
    from harness.findings import Severity, exit_code, sort_findings
    from harness.plan.load import load_plan
    from harness.report import ReportDocument, render

    inputs = [args.config, args.dataset, args.eval_dataset, args.vocab]
    common.refuse_output_over_inputs(args.output, inputs)
    common.refuse_output_over_inputs(args.samples_out, inputs, option="--samples-out")
    plan = load_plan(args.config, overrides=common.with_tokenizer(args))
    with SamplesOut(args, plan) as samples_out:
        result = audit_dataset(
            plan,
            args.dataset,
            eval_dataset=args.eval_dataset,
            vocab=args.vocab,
            language=args.language,
            formatter=args.formatter,
            on_sample=samples_out.write if args.samples_out else None,
        )
    fail_on = Severity.parse(args.fail_on)
    findings = sort_findings(result.findings)
    full = args.format in ("json", "sarif")
    doc = ReportDocument(
        command="audit",
        baseline=None,
        plans=[],
        findings=findings if full or args.all_rows else cap_rows(findings, ROWS_SHOWN),
        extra={"dataset_audit": result.to_dict()} if full else summary_sections(result),
        fail_on=fail_on,
    )
    common.emit(render(doc, args.format), args.output)
    return exit_code(findings, fail_on)


class SamplesOut:
    """``--samples-out``: one JSON object a line, written as the audit streams, so that
    memory does not grow with the rows. Never over an input: the metadata files are
    located (first line only) and checked before the file is opened."""

    def __init__(self, args: argparse.Namespace, plan: Any) -> None:
        self._path = args.samples_out
        self._handle: TextIO | None = None
        if self._path:
            from harness.audit.plan_audit import dataset_source

            source = dataset_source(plan, args.dataset, args.eval_dataset, args.formatter)
            files = [path for _, path in source.files]
            common.refuse_output_over_inputs(self._path, files, option="--samples-out")

    def __enter__(self) -> SamplesOut:
        if self._path:
            from harness.errors import HarnessError

            try:
                self._handle = open(self._path, "w", encoding="utf-8", errors="backslashreplace")
            except OSError as error:
                raise HarnessError(
                    f"cannot write {self._path}: {error.strerror}",
                    fix="choose a writable --samples-out path",
                ) from None
        return self

    def write(self, item: SampleResult) -> None:
        import json

        assert self._handle is not None
        self._handle.write(json.dumps(item.to_dict(), ensure_ascii=False) + "\n")

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            self._handle.close()


def cap_rows(findings: list[Finding], limit: int) -> list[Finding]:
    """Keep the first ``limit`` per-row findings of each code, and say how many were left out.

    Every code keeps at least one finding, so the exit code and the severities shown stay
    those of the full list.
    """
    from harness.findings import Finding, Severity

    seen: Counter[str] = Counter()
    kept = []
    for finding in findings:
        per_row = finding.line is not None
        seen[finding.code] += 1
        if not per_row or seen[finding.code] <= limit:
            kept.append(finding)
    for code, count in seen.items():
        if count > limit and any(f.code == code and f.line is not None for f in findings):
            first = next(f for f in findings if f.code == code)
            kept.append(
                Finding(
                    code=code,
                    name=first.name,
                    severity=Severity.INFO,
                    message=f"... and {count - limit} more {code} rows "
                    "(--all-rows or --format json lists them)",
                )
            )
    return kept


def summary_sections(result: AuditResult) -> dict[str, Any]:
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
