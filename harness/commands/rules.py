"""``xtts-harness rules``: every rule with its code, name, severity and summary."""

from __future__ import annotations

import argparse
import json

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
    from harness.rules import all_rules

    rules = all_rules()
    if args.format == "json":
        rows = [
            {
                "code": r.code,
                "name": r.name,
                "severity": r.severity.value,
                "family": r.family,
                "summary": r.summary,
            }
            for r in rules
        ]
        print(json.dumps(rows, indent=2))
    elif args.format == "md":
        print("| code | name | severity | family | summary |\n|---|---|---|---|---|")
        for r in rules:
            print(f"| {r.code} | {r.name} | {r.severity.value} | {r.family} | {r.summary} |")
    else:
        width = max(len(r.name) for r in rules)
        for r in rules:
            print(f"{r.code:<6} {r.name:<{width}}  {r.severity.value:<7}  {r.summary}")
    return 0
