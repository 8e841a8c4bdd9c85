"""``xtts-harness check-run``: a Trainer run folder against the harness's prediction."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from harness.commands import common

if TYPE_CHECKING:
    from harness.findings import Finding


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
    from harness.app.runs import Follow, check_run
    from harness.report import render
    from harness.report.documents import check_run_document

    follow = Follow(_print_new, args.interval, args.timeout, args.idle) if args.follow else None
    result = check_run(
        args.run_dir,
        overrides=args.overrides,
        library=args.library,
        follow=follow,
        fail_on=args.fail_on,
    )
    doc = check_run_document(result)
    common.emit(render(doc, args.format, color=common.color(args)), args.output)
    return result.exit_code


def _print_new(findings: list[Finding]) -> None:
    """--follow: each new finding as one line on stderr, as it appears."""
    for finding in findings:
        print(f"{finding.code} [{finding.severity.value}] {finding.message}",
              file=sys.stderr, flush=True)  # fmt: skip
