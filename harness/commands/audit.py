"""``xtts-harness audit``: what the XTTS trainer will silently drop from a dataset."""

from __future__ import annotations

import argparse

from harness.commands import common
from harness.report.caps import ROWS_SHOWN


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "audit",
        help="predict which samples the trainer will drop, and why",
        description="Read a dataset (coqui CSV as xtts-finetune-webui writes it, or LJSpeech) "
        "and judge every sample as XTTSDataset will: kept, or dropped for an unsupported "
        "language, [UNK] characters, text over max_text_length tokens, audio over "
        "max_wav_length or under 0.5 s, empty text, missing or unreadable audio. Limits come "
        "from CONFIG. Example: xtts-harness audit experiments/amharic_bpe/after.toml "
        "--dataset experiments/amharic_bpe/data --vocab experiments/amharic_bpe/vocab_am.json "
        "--language am --tokenizer passthrough",
    )
    parser.add_argument(
        "config",
        metavar="CONFIG",
        help="training config (any file `lint` reads, or a baseline name) giving the limits",
    )
    parser.add_argument(
        "--dataset",
        metavar="PATH",
        help="dataset folder (metadata_train.csv [+ metadata_eval.csv], or metadata.csv) or "
        "a metadata file (default: the config's datasets[0])",
    )
    parser.add_argument(
        "--eval-dataset", metavar="PATH", help="eval metadata file (or a folder holding one)"
    )
    parser.add_argument(
        "--vocab",
        metavar="FILE",
        help="vocab.json to tokenize with (default: the config's model_args.tokenizer_file, "
        "else the XTTS v2 release vocab that comes with xtts-harness)",
    )
    parser.add_argument(
        "--language",
        metavar="CODE",
        help="training language (default: the config's language or datasets[0].language)",
    )
    common.add_tokenizer(parser)
    parser.add_argument(
        "--formatter",
        choices=("coqui", "ljspeech"),
        help="metadata format (default: the config's datasets[0].formatter, else detected "
        "from the first line)",
    )
    parser.add_argument(
        "--all-rows",
        action="store_true",
        help=f"text/md: list every per-row finding, not the first {ROWS_SHOWN} of each code",
    )
    parser.add_argument(
        "--samples-out",
        metavar="FILE",
        help="write every row's record (the objects of --format json's 'samples') to FILE "
        "as JSON Lines, one row at a time: json lists all rows of a small dataset but only "
        "the first and the dropped or flagged ones of a large one. Example: "
        "xtts-harness audit after.toml --dataset data --samples-out rows.jsonl",
    )
    common.add_format(parser)
    common.add_fail_on(parser)
    common.add_overrides(parser)
    common.add_output(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from harness.app.datasets import audit_dataset
    from harness.report import render
    from harness.report.documents import audit_document

    result = audit_dataset(
        args.config,
        args.dataset,
        eval_dataset=args.eval_dataset,
        vocab=args.vocab,
        language=args.language,
        formatter=args.formatter,
        overrides=common.with_tokenizer(args),
        samples_out=args.samples_out,
        fail_on=args.fail_on,
        output=args.output,
    )
    doc = audit_document(result, args.format, all_rows=args.all_rows)
    common.emit(render(doc, args.format), args.output)
    return result.exit_code
