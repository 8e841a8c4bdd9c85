"""``xtts-harness explain CODE``: a rule's documentation."""

from __future__ import annotations

import argparse

from harness.commands.common import emit


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "explain",
        help="explain a rule",
        description="Print a rule's documentation: what it does, why it is bad, an example, "
        "what to use instead, and the evidence. Example: xtts-harness explain S101",
    )
    parser.add_argument("code", metavar="CODE", help="rule or audit code or name, e.g. S101, A101")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from harness.app.catalogue import explain
    from harness.report.catalogue import render_explain

    emit(render_explain(explain(args.code)), None)
    return 0
