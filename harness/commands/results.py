"""``xtts-harness results [STUDY]``: arms, paired effects and verdicts of an ablation study."""

from __future__ import annotations

import argparse

from harness.commands.common import add_format, add_output, emit

HELP = "show an ablation study: arms, paired effects, verdicts (text, json or md)"


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("results", help=HELP, description=HELP)
    parser.add_argument(
        "study",
        metavar="STUDY",
        nargs="?",
        help="study name, or the spec (.toml) that ran it; may be left out when the "
        "storage holds one study",
    )
    parser.add_argument(
        "--storage",
        metavar="URL",
        help="Optuna storage (default: the spec's, else ./.xtts-harness/studies.db)",
    )
    add_format(parser, ("text", "json", "md"))
    add_output(parser)
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from harness.app.studies import study_results
    from harness.report.study import render_study

    result = study_results(args.study, storage=args.storage, output=args.output)
    emit(render_study(result.summary, args.format), args.output)
    return 0
