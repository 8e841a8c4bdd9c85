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
    from harness.findings import Severity
    from harness.lint import lint_plans, load_candidates, load_reference
    from harness.report import ReportDocument, render

    common.refuse_output_over_inputs(args.output, [*args.candidates, args.baseline])
    reference = load_reference(args.baseline)
    plans = load_candidates(
        args.candidates, common.with_tokenizer(args), common.library_option(args)
    )
    findings, schedules = lint_plans(
        plans, reference, select=_codes(args.select), ignore=_codes(args.ignore)
    )
    doc = ReportDocument(
        command="lint",
        baseline=reference,
        plans=plans,
        findings=common.cap_per_code(findings) if args.format in ("text", "md") else findings,
        schedules=schedules,
        fail_on=Severity.parse(args.fail_on),
    )
    common.emit(render(doc, args.format, color=common.color(args)), args.output)
    return doc.exit_code()


def _codes(text: str) -> list[str] | None:
    codes = [part.strip() for part in text.split(",") if part.strip()]
    return codes or None
