"""``xtts-harness lint``: hazards of a candidate config, checked against a reference."""

from __future__ import annotations

import argparse

from harness.commands import common


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "lint",
        help="flag hazards in a training config",
        description="Load CANDIDATE (coqpit JSON, run folder, TOML/YAML, or a Python training "
        "script, read without running it), compare it with a reference baseline and report "
        "hazards. Example: xtts-harness lint experiments/amharic_bpe/after.toml. A command line "
        "after -- is read as it runs: xtts-harness lint -- python "
        "examples/webui_fork/headlessXttsTrain.py --lang am "
        "(a .sh launcher works too)",
    )
    parser.add_argument("candidates", nargs="+", metavar="CANDIDATE", help="config to check")
    parser.add_argument(
        "--baseline",
        default=None,
        metavar="NAME|PATH",
        help="reference config: a name from `xtts-harness baselines` or a path "
        "(default: gokhaneraslan-head; `none` for no reference)",
    )
    parser.add_argument("--select", default="", metavar="CODES", help="only these rule codes")
    parser.add_argument("--ignore", default="", metavar="CODES", help="skip these rule codes")
    common.add_tokenizer(parser)
    common.add_format(parser)
    common.add_fail_on(parser)
    common.add_overrides(parser)
    common.add_library(parser)
    common.add_output(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from harness.app.configs import lint
    from harness.report import render
    from harness.report.documents import lint_document

    result = lint(
        args.candidates,
        baseline=args.baseline,
        select=_codes(args.select),
        ignore=_codes(args.ignore),
        overrides=common.with_tokenizer(args),
        library=common.library_option(args),
        fail_on=args.fail_on,
        output=args.output,
    )
    doc = lint_document(result, args.format)
    common.emit(render(doc, args.format, color=common.color(args)), args.output)
    return result.exit_code


def _codes(text: str) -> list[str] | None:
    codes = [part.strip() for part in text.split(",") if part.strip()]
    return codes or None
