"""``xtts-harness ablate SPEC``: run a seeded ablation study on the real Coqui GPT trainer."""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.commands.common import add_format, add_output, emit, refuse_output_over_inputs

HELP = "run a seeded ablation (EMA, warmup, LR, weight decay) on the real Coqui GPT trainer"
EXAMPLES = """examples:
  xtts-harness ablate experiments/amharic_bpe/ablation.toml --dry-run
  xtts-harness ablate experiments/amharic_bpe/ablation.toml --workers 2
  xtts-harness ablate build-base --out .xtts-harness/miniature
"""


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "ablate",
        help=HELP,
        description=HELP + ". Trials and results are stored by Optuna (SQLite file "
        "./.xtts-harness/studies.db unless the spec or --storage says otherwise). "
        "`ablate build-base` builds the miniature release fine-tune trials start from.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "spec",
        metavar="SPEC",
        help="ablation spec (.toml), see docs/ablation-spec.md; or build-base",
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
    parser.add_argument(
        "--devices",
        metavar="IDS",
        help="GPUs to use, one worker each (e.g. 0,1,2,3); each worker sees only its GPU",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="run a 5-step warm-up and print trials, s/step, wall time per device, memory",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="show library warnings and logs"
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        default=".xtts-harness/miniature",
        help="build-base: the folder of the miniature release (reused when up to date)",
    )
    parser.add_argument("--force", action="store_true", help="build-base: rebuild even if cached")
    add_format(parser, ("text", "json", "md"))
    add_output(parser)
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from harness.ablate.quiet import quiet_libraries, set_verbose
    from harness.ablate.spec import default_storage, load_spec
    from harness.ablate.storage import normalize_url, redact
    from harness.ablate.study import run_study
    from harness.commands.results import render
    from harness.errors import HarnessError

    set_verbose(args.verbose)
    quiet_libraries()
    if args.spec == "build-base":
        return _build_base(args)
    if args.workers < 1:
        raise HarnessError("--workers must be at least 1", fix="e.g. --workers 2")
    from harness.ablate.storage import sqlite_path

    devices = _devices(args.devices)
    refuse_output_over_inputs(args.output, [args.spec])
    spec = load_spec(Path(args.spec), steps=args.steps, seeds=args.seeds)
    url = normalize_url(args.storage) if args.storage else spec.storage or default_storage()
    # the study database is an input too: the trials already in it would be lost
    refuse_output_over_inputs(
        args.output,
        [spec.base, spec.data.vocab, spec.scale.checkpoint_dir, sqlite_path(url)],
    )
    _check_plan(spec)
    if args.dry_run:
        from harness.ablate import dryrun

        figures = dryrun.dry_run(spec, max(len(devices), args.workers if not devices else 1))
        emit(dryrun.render(figures) if args.format == "text" else _json(figures), args.output)
        return 0
    study = run_study(spec, url, workers=args.workers, resume=args.resume, devices=devices)
    from harness.ablate.summary import study_summary

    summary = study_summary(study)
    summary["storage"] = redact(url)
    emit(render(summary, args.format), args.output)
    return 1 if unresolved_failures(summary) else 0


def _devices(text: str | None) -> tuple[str, ...]:
    from harness.errors import HarnessError

    if not text:
        return ()
    ids = tuple(part.strip() for part in text.split(",") if part.strip())
    if not ids or not all(i.isdigit() for i in ids) or len(set(ids)) != len(ids):
        raise HarnessError(
            f"--devices {text!r} is not a list of distinct GPU indices", fix="e.g. --devices 0,1"
        )
    import torch

    count = torch.cuda.device_count()
    if max(int(i) for i in ids) >= count:
        raise HarnessError(
            f"--devices {text} names a GPU this machine lacks (torch sees {count})",
            fix="list GPUs from 0 to the count minus one, or leave --devices out (CPU)",
        )
    return ids


def _build_base(args: argparse.Namespace) -> int:
    from harness.ablate.miniature.release import build_release

    result = build_release(Path(args.out), force=args.force)
    learned = result.manifest["learned"]
    state = "up to date" if result.reused else f"built in {result.manifest['build_seconds']} s"
    text = (
        f"miniature release {result.folder}: {state}\n"
        f"  {learned['objective']}: untrained {learned['untrained']:.3f}, "
        f"pretrained {learned['pretrained']:.3f} ({learned['reduction']:.0%} lower)"
    )
    emit(text if args.format == "text" else _json(result.manifest), args.output)
    return 0


def _json(value: dict) -> str:
    import json

    return json.dumps(value, indent=2, allow_nan=False)


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
