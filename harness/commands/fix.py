"""``xtts-harness fix``: the corrected config for every finding that has a safe fix."""

from __future__ import annotations

import argparse
import sys

from harness.commands import common


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "fix",
        help="write the corrected config for findings with a safe fix",
        description="Lint CANDIDATE and, for every finding with a safe fix (S101, S102, S109 "
        "milestones; M301 max_text_length; B502 save_step; K701 unknown key; O203 optimizer; "
        "O204 optimizer_params), change the value where the file sets it: TOML, YAML and JSON "
        "keep their comments and key order, a Python script gets the literal replaced at its "
        "source line. Without -o or --in-place the unified diff is printed and nothing is "
        "written. Example: xtts-harness fix experiments/amharic_bpe/after.toml "
        "--set dataset_size=12000 -o after.fixed.toml",
    )
    parser.add_argument("candidate", metavar="CANDIDATE", help="config or training script")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("-o", "--output", metavar="FILE", help="write the fixed file to FILE")
    where.add_argument("--diff", action="store_true", help="print the unified diff (the default)")
    where.add_argument("--in-place", action="store_true", help="rewrite CANDIDATE itself")
    parser.add_argument(
        "--baseline", default=None, metavar="NAME|PATH", help="reference config, as for lint"
    )
    common.add_overrides(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from harness.app.fixes import fix_config

    result = fix_config(args.candidate, args.overrides, args.baseline, output=args.output)
    for edit in result.edits:
        print(f"fixed {edit.describe()}", file=sys.stderr)
    for finding, reason in result.skipped:
        print(f"not fixed {finding.code} ({finding.key}): {reason}", file=sys.stderr)
    if args.output:
        common.emit(result.fixed, args.output)
    elif args.in_place:
        if result.edits:
            result.path.write_text(result.fixed, encoding="utf-8")
    else:
        diff = result.diff()
        if diff:
            sys.stdout.write(diff)
    if not result.edits:
        print("nothing to fix", file=sys.stderr)
    return 0
