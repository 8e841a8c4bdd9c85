"""``xtts-harness ablate SPEC``: run a seeded ablation study on the real Coqui GPT trainer."""

from __future__ import annotations

import argparse

from harness.commands.common import add_format, add_output, emit

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
    from harness.app import studies
    from harness.report.study import render_base_build, render_dry_run, render_study

    if args.spec == "build-base":
        build = studies.build_base(args.out, force=args.force, verbose=args.verbose)
        emit(render_base_build(build, args.format), args.output)
        return 0
    options = {
        "storage": args.storage,
        "workers": args.workers,
        "steps": args.steps,
        "seeds": args.seeds,
        "devices": args.devices,
        "verbose": args.verbose,
        "output": args.output,
    }
    if args.dry_run:
        estimate = studies.dry_run(args.spec, **options)
        emit(render_dry_run(estimate.figures, args.format), args.output)
        return 0
    result = studies.run_ablation(args.spec, resume=args.resume, **options)
    emit(render_study(result.summary, args.format), args.output)
    return result.exit_code
