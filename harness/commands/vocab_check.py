"""``xtts-harness vocab-check``: is a vocab extension safe to fine-tune the checkpoint with?"""

from __future__ import annotations

import argparse

from harness.commands import common


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "vocab-check",
        help="check a vocab.json extension against its base",
        description="Compare an extended vocab.json with its base: append-only ids, the "
        "[lang] tag as an added token, merges (and added tokens the BPE encoder can never "
        "produce), and the new gpt_number_text_tokens against the checkpoint's text "
        "embedding rows. Example: xtts-harness vocab-check harness/data/xtts_v2/vocab.json "
        "experiments/amharic_bpe/vocab_am.json --dataset experiments/amharic_bpe/data "
        "(harness/data/xtts_v2/vocab.json is the XTTS v2 release vocab, in every clone)",
    )
    parser.add_argument("base", metavar="BASE_VOCAB", help="the checkpoint's vocab.json")
    parser.add_argument("extended", metavar="EXTENDED_VOCAB", help="the extended vocab.json")
    parser.add_argument(
        "--dataset",
        metavar="PATH",
        help="dataset folder or metadata file whose texts to encode (which added tokens occur)",
    )
    parser.add_argument(
        "--eval-dataset", metavar="PATH", help="eval metadata file whose texts to encode too"
    )
    parser.add_argument(
        "--language", default="am", metavar="CODE", help="the new language (default: am)"
    )
    parser.add_argument(
        "--tokenizer",
        choices=("stock", "passthrough"),
        default="passthrough",
        help="text cleaning for --dataset (default: passthrough, as a fork for a new language)",
    )
    parser.add_argument(
        "--checkpoint-text-tokens",
        type=_positive_int,
        default=6681,
        metavar="N",
        help="rows of gpt.text_embedding in the checkpoint to fine-tune (default: 6681, "
        "the XTTS v2 release)",
    )
    common.add_format(parser)
    common.add_fail_on(parser)
    common.add_output(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from harness.app.datasets import vocab_check
    from harness.report import render
    from harness.report.documents import vocab_check_document

    result = vocab_check(
        args.base,
        args.extended,
        dataset=args.dataset,
        eval_dataset=args.eval_dataset,
        language=args.language,
        tokenizer=args.tokenizer,
        checkpoint_text_tokens=args.checkpoint_text_tokens,
        fail_on=args.fail_on,
        output=args.output,
    )
    common.emit(render(vocab_check_document(result, args.format), args.format), args.output)
    return result.exit_code


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {value}")
    return value
