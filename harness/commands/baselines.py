"""``xtts-harness baselines``: the reference configs shipped with the harness."""

from __future__ import annotations

import argparse

from harness.commands.common import emit


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "baselines",
        help="list the reference baselines",
        description="List the reference configs (name, source repository and commit). "
        "Use a name with --baseline or as diff's REFERENCE. Example: xtts-harness baselines",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from harness.app.catalogue import list_baselines
    from harness.report.catalogue import render_baselines

    emit(render_baselines(list_baselines()), None)
    return 0
