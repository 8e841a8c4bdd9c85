"""``xtts-harness baselines``: the reference configs shipped with the harness."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "baselines",
        help="list the reference baselines",
        description="List the reference configs (name, source repository and commit). "
        "Use a name with --baseline or as diff's REFERENCE. Example: xtts-harness baselines",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from harness.baselines import DEFAULT_BASELINE, list_baselines

    for info in list_baselines():
        marker = " (default)" if info.name == DEFAULT_BASELINE else ""
        print(f"{info.name}{marker}\n    {info.title}\n    source: {info.source}\n")
    return 0
