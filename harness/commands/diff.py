"""``xtts-harness diff``: what changed between a reference and candidates, by section."""

from __future__ import annotations

import argparse

from harness.commands import common


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "diff",
        help="compare configs against a reference",
        description="Semantic diff of effective values (defaults filled in): 5e-06 == 5e-6, "
        "1 == 1.0; grouped by section; output paths, run names and logger settings hidden "
        "unless --all. Example: xtts-harness diff gokhaneraslan-head "
        "experiments/amharic_bpe/before.toml experiments/amharic_bpe/after.toml. A command "
        "line after -- is a candidate too: xtts-harness diff gokhaneraslan-head -- python "
        "examples/webui_fork/headlessXttsTrain.py --lang am",
    )
    parser.add_argument("reference", metavar="REFERENCE", help="baseline name or config path")
    parser.add_argument("candidates", nargs="+", metavar="CANDIDATE", help="configs to compare")
    parser.add_argument(
        "--all",
        action="store_true",
        help="also show changed noise keys (output paths, run names, logger settings)",
    )
    common.add_format(parser)
    common.add_overrides(parser)
    common.add_library(parser)
    common.add_output(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from harness.app.configs import diff_configs
    from harness.report import render
    from harness.report.documents import diff_document

    result = diff_configs(
        args.reference,
        args.candidates,
        overrides=args.overrides,
        library=common.library_option(args),
        output=args.output,
    )
    text = render(diff_document(result), args.format, show_all=args.all, color=common.color(args))
    common.emit(text, args.output)
    return 0
