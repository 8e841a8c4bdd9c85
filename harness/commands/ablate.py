"""``xtts-harness ablate SPEC``: run a seeded ablation study on the real Coqui GPT trainer."""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.commands.common import add_format, add_output, emit, refuse_output_over_inputs

HELP = "run a seeded ablation (EMA, warmup, LR, weight decay) on the real Coqui GPT trainer"


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "ablate",
        help=HELP,
        description=HELP + ". Trials and results are stored by Optuna (SQLite file "
        "./.xtts-harness/studies.db unless the spec or --storage says otherwise).",
    )
    parser.add_argument(
        "spec", metavar="SPEC", help="ablation spec (.toml), see docs/ablation-spec.md"
    )
    parser.add_argument(
        "--storage",
        metavar="URL",
        help="Optuna storage: an RDB URL (postgresql://user:pw@host/db) or a SQLite file path",
    )
    parser.add_argument(
        "--workers", type=int, default=1, metavar="N", help="worker processes on this machine"
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue an existing study (after a crash or kill), or join it as another worker",
    )
    parser.add_argument(
        "--steps", type=int, metavar="N", help="optimizer steps per trial (quick run)"
    )
    parser.add_argument("--seeds", type=int, metavar="K", help="number of seeds (quick run)")
    add_format(parser, ("text", "json", "md"))
    add_output(parser)
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from harness.ablate.spec import default_storage, load_spec
    from harness.ablate.storage import normalize_url, redact
    from harness.ablate.study import run_study
    from harness.commands.results import render
    from harness.errors import HarnessError

    if args.workers < 1:
        raise HarnessError("--workers must be at least 1", fix="e.g. --workers 2")
    from harness.ablate.storage import sqlite_path

    refuse_output_over_inputs(args.output, [args.spec])
    spec = load_spec(Path(args.spec), steps=args.steps, seeds=args.seeds)
    url = normalize_url(args.storage) if args.storage else spec.storage or default_storage()
    # the study database is an input too: the trials already in it would be lost
    refuse_output_over_inputs(
        args.output,
        [spec.base, spec.data.vocab, spec.scale.checkpoint_dir, sqlite_path(url)],
    )
    _check_plan(spec)
    study = run_study(spec, url, workers=args.workers, resume=args.resume)
    from harness.ablate.summary import study_summary

    summary = study_summary(study)
    summary["storage"] = redact(url)
    emit(render(summary, args.format), args.output)
    return 1 if unresolved_failures(summary) else 0


def _check_plan(spec) -> None:
    """Refuse a base config whose training values the loader could not resolve."""
    from harness.ablate.build import plan_values
    from harness.errors import HarnessError

    try:
        plan_values(spec.plan)
    except ValueError as error:
        raise HarnessError(
            str(error),
            where=str(spec.base),
            fix="set these keys under [overrides] in the spec",
        ) from None


def unresolved_failures(summary: dict) -> list[dict]:
    """Failed trials that no retry (a trial with the same ``retry_of`` origin) completed."""
    done = {
        t["retry_of"] if t["retry_of"] is not None else t["number"]
        for t in summary["trials"]
        if t["state"] in ("COMPLETE", "PRUNED")
    }
    return [
        t
        for t in summary["trials"]
        if t["state"] == "FAIL"
        and (t["retry_of"] if t["retry_of"] is not None else t["number"]) not in done
    ]
