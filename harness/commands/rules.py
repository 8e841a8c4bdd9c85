"""``xtts-harness rules``: every rule with its code, name, severity and summary."""

from __future__ import annotations

import argparse

from harness.commands import common


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "rules",
        help="list the hazard rules",
        description="List every rule. Example: xtts-harness rules --format md",
    )
    common.add_format(parser, choices=("text", "json", "md"))
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from harness.app.catalogue import list_rules
    from harness.report.catalogue import render_rules

    common.emit(render_rules(list_rules(), args.format), None)
    return 0
