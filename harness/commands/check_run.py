"""``xtts-harness check-run``: a Trainer run folder against the harness's prediction."""

from __future__ import annotations

import argparse
import sys

from harness.commands import common


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check-run",
        help="check a training run's logged LR and losses against the prediction",
        description="Read a Coqui Trainer run folder (config.json, trainer_0_log.txt, "
        "TensorBoard events), compare the logged learning rate with the schedule the "
        "harness predicts for that config and trainer version, and flag post-hoc hazards "
        "(R1xx). Example: xtts-harness check-run runs/GPT_XTTS-December-01-2026 "
        "--library 'coqui-tts 0.28.0'",
    )
    parser.add_argument("run_dir", metavar="RUN_DIR", help="the folder the Trainer wrote")
    parser.add_argument(
        "--library",
        default=None,
        metavar="NAME",
        help="the coqui-tts the run trained with, which decides how its trainer steps the "
        "scheduler (default: coqui-tts 0.28.0, trainer 0.4.0)",
    )
    parser.add_argument(
        "--follow",
        action="store_true",
        help="watch a live run: poll it and print findings as they appear (Ctrl-C stops)",
    )
    parser.add_argument("--interval", type=float, default=10.0, metavar="S",
                        help="--follow: seconds between polls (default: 10)")  # fmt: skip
    parser.add_argument("--timeout", type=float, default=3600.0, metavar="S",
                        help="--follow: stop after S seconds (default: 3600)")  # fmt: skip
    parser.add_argument("--idle", type=float, default=600.0, metavar="S",
                        help="--follow: stop when nothing new is logged for S seconds "
                        "(default: 600)")  # fmt: skip
    common.add_format(parser)
    common.add_fail_on(parser)
    common.add_overrides(parser)
    common.add_output(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from harness.runcheck import check_run

    follow = args.follow
    result = _follow(args) if follow else check_run(args.run_dir, args.overrides, args.library)
    doc = document(result, args.fail_on)
    common.emit(render_doc(doc, args), args.output)
    return doc.exit_code()


def document(result, fail_on: str):  # type: ignore[no-untyped-def]
    from harness.findings import Severity
    from harness.report.document import ReportDocument

    return ReportDocument(
        command="check-run",
        baseline=None,
        plans=[result.plan],
        findings=result.findings,
        extra={"run_against_prediction": result.summary()},
        fail_on=Severity.parse(fail_on),
    )


def render_doc(doc, args: argparse.Namespace) -> str:  # type: ignore[no-untyped-def]
    from harness.report.formats import render

    return render(doc, args.format, color=common.color(args))


def _follow(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from harness.runcheck.follow import follow

    def on_new(findings) -> None:  # type: ignore[no-untyped-def]
        for finding in findings:
            print(f"{finding.code} [{finding.severity.value}] {finding.message}",
                  file=sys.stderr, flush=True)  # fmt: skip

    return follow(
        args.run_dir,
        on_new,
        overrides=args.overrides,
        library=args.library,
        interval=args.interval,
        timeout=args.timeout,
        idle=args.idle,
    )
