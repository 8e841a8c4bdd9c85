"""``xtts-harness report``: the one-file HTML report (and a Markdown summary for a PR)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from harness.commands import common

if TYPE_CHECKING:
    from harness.report.document import ReportDocument


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        help="write the self-contained HTML report",
        description="One HTML page (plotly.js embedded, opens offline) with the verdict per "
        "candidate, the config diff, the hazards with their explanations, the LR schedule "
        "of every config, the dataset audit and the ablation study. Sections whose input is "
        "not given say so. Example: xtts-harness report --baseline gokhaneraslan-head "
        "experiments/amharic_bpe/before.toml experiments/amharic_bpe/after.toml "
        "--dataset experiments/amharic_bpe/data -o reports/amharic/index.html. A command "
        "line after -- is a candidate too: xtts-harness report -o r.html -- python "
        "examples/webui_fork/headlessXttsTrain.py --lang am",
    )
    parser.add_argument("candidates", nargs="+", metavar="CANDIDATE", help="configs to report on")
    parser.add_argument(
        "--baseline",
        default=None,
        metavar="NAME|PATH",
        help="reference config (default: gokhaneraslan-head; `none` for no reference)",
    )
    parser.add_argument(
        "-o", "--output", required=True, metavar="FILE", help="the HTML file to write"
    )
    parser.add_argument(
        "--markdown", metavar="FILE", help="also write the summary and findings as Markdown"
    )
    parser.add_argument("--title", default=None, help="page title")
    data = parser.add_argument_group("dataset audit (against the last candidate's limits)")
    data.add_argument("--dataset", metavar="PATH", help="dataset folder or metadata file")
    data.add_argument("--eval-dataset", metavar="PATH", help="separate eval metadata file")
    data.add_argument("--vocab", metavar="PATH", help="vocab.json the run will use")
    data.add_argument("--language", metavar="CODE", help="training language (e.g. am)")
    common.add_tokenizer(data)
    data.add_argument(
        "--formatter", choices=("coqui", "ljspeech"), help="metadata format (default: detected)"
    )
    trained = parser.add_argument_group("a training run against the prediction (check-run)")
    trained.add_argument(
        "--run", dest="run_dir", metavar="RUN_DIR", help="a Coqui Trainer run folder"
    )
    trained.add_argument(
        "--run-library", metavar="NAME", help="the coqui-tts the run used (check-run --library)"
    )
    study = parser.add_argument_group("ablation study")
    study.add_argument("--storage", metavar="URL", help="Optuna storage, e.g. sqlite:///a.db")
    study.add_argument("--study", metavar="NAME", help="study name (needed when several)")
    common.add_fail_on(parser)
    common.add_overrides(parser)
    common.add_library(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from harness.app import reports
    from harness.errors import HarnessError
    from harness.report.documents import report_document

    if args.study and not args.storage:
        raise HarnessError("--study needs --storage", fix="add --storage URL (e.g. sqlite:///a.db)")
    audit_options = (args.eval_dataset, args.vocab, args.language, args.formatter)
    if not args.dataset and any(audit_options):
        raise HarnessError(
            "--eval-dataset, --vocab, --language and --formatter describe a dataset audit",
            fix="add --dataset PATH",
        )
    result = reports.build_report(
        args.candidates,
        baseline=args.baseline,
        overrides=common.with_tokenizer(args),
        library=common.library_option(args),
        dataset=reports.DatasetOptions(
            args.dataset,
            args.eval_dataset,
            args.vocab,
            args.language,
            args.tokenizer,
            args.formatter,
        )
        if args.dataset
        else None,
        study=reports.StudyOptions(args.storage, args.study) if args.storage else None,
        run=reports.RunOptions(args.run_dir, args.run_library) if args.run_dir else None,
        fail_on=args.fail_on,
        outputs=[("-o", args.output), ("--markdown", args.markdown)],
    )
    return write_outputs(report_document(result), args.output, args.markdown, title=args.title)


def write_outputs(
    doc: ReportDocument, output: str, markdown: str | None, *, title: str | None = None
) -> int:
    """Write the HTML (and Markdown) files, say where in one line, return the exit code."""
    from harness.report.html import write_html
    from harness.report.summary import summary_markdown, verdict_lines
    from harness.report.terminal import wrap_lines

    common.refuse_if_read(output)
    if markdown:
        common.refuse_if_read(markdown, option="--markdown")
    path = write_html(doc, output, title=title)
    line = f"report written to {common.display_path(path)} ({path.stat().st_size / 1e6:.1f} MB)"
    if markdown:
        common.emit(
            summary_markdown(doc, html_path=common.display_path(path)),
            markdown,
            option="--markdown",
        )
        line += f"; summary in {common.display_path(markdown)}"
    print(wrap_lines([*verdict_lines(doc), line]))  # wrap_lines escapes untrusted text
    return doc.exit_code()
