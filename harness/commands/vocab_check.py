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
    from harness.audit.dataset import stock_languages
    from harness.audit.vocab_check import check_vocab
    from harness.findings import Severity, sort_findings
    from harness.report import ReportDocument, render

    common.refuse_output_over_inputs(
        args.output, [args.base, args.extended, args.dataset, args.eval_dataset]
    )
    check = check_vocab(
        args.base,
        args.extended,
        language=args.language,
        checkpoint_text_tokens=args.checkpoint_text_tokens,
        texts=_texts(args.dataset, args.eval_dataset) if args.dataset else None,
        tokenizer_mode=args.tokenizer,
        supported=stock_languages(),
    )
    doc = ReportDocument(
        command="vocab-check",
        baseline=None,
        plans=[],
        findings=sort_findings(check.findings),
        extra={"vocab_check": check.to_dict()} if args.format == "json" else {},
        fail_on=Severity.parse(args.fail_on),
    )
    common.emit(render(doc, args.format), args.output)
    return doc.exit_code()


def _texts(dataset: str, eval_dataset: str | None) -> list[str]:
    from harness.audit import readers

    source = readers.locate(dataset, eval_dataset)
    return [sample.text for meta in readers.read(source) for sample in meta.samples]


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {value}")
    return value
