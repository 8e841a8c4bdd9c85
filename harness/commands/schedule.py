"""``xtts-harness schedule``: the LR the optimizer really sees over the planned run."""

from __future__ import annotations

import argparse

from harness.commands import common


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "schedule",
        help="show the LR schedule a config really produces",
        description="Follows the Coqui Trainer's stepping rules (scheduler_after_epoch, "
        "gradient accumulation, the forced optimizer step at each epoch end). Example: "
        "xtts-harness schedule experiments/amharic_bpe/before.toml --dataset-size 12000. Like "
        "lint, it reads a script, a .sh launcher or a command line after --: xtts-harness "
        "schedule --dataset-size 12000 -- python examples/webui_fork/headlessXttsTrain.py "
        "--epochs 3",
    )
    parser.add_argument("configs", nargs="+", metavar="CONFIG", help="configs to schedule")
    parser.add_argument(
        "--dataset-size",
        type=_positive_int,
        metavar="N",
        help="training samples (sets batches per epoch); same as --set dataset_size=N",
    )
    common.add_format(parser, choices=("text", "json"))
    common.add_overrides(parser)
    common.add_library(parser)
    common.add_output(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from harness.app.configs import schedule_configs
    from harness.report import render
    from harness.report.documents import schedule_document

    result = schedule_configs(
        args.configs,
        dataset_size=args.dataset_size,
        overrides=args.overrides,
        library=common.library_option(args),
        output=args.output,
    )
    doc = schedule_document(result)
    common.emit(render(doc, args.format, color=common.color(args)), args.output)
    return 0


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {value}")
    return value
