"""The ``xtts-harness`` command line: a thin layer over the library.

Each command lives in ``harness/commands/<name>.py`` with ``add_parser(subparsers)`` and
``run(args) -> int``: ``run`` makes one call into the application layer (``harness.app``)
and renders its result through ``harness.report``. Command modules import both inside
``run`` so that ``xtts-harness lint`` stays fast (no torch, TTS, trainer, deepdiff or
plotly).

Exit codes: 0 clean, 1 findings at or above ``--fail-on``, 2 bad input (one line).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from collections.abc import Sequence

from harness import __version__
from harness.errors import HarnessError
from harness.output_guard import watch_reads
from harness.report.safe_text import safe_text

COMMANDS = (
    "lint",
    "diff",
    "schedule",
    "audit",
    "vocab_check",
    "ablate",
    "results",
    "report",
    "explain",
    "rules",
    "baselines",
    "check_run",
    "fix",
)


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 2 like every other bad input."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} -- fix: see `{self.prog} --help`\n")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; ``only``: just that command's parser (what ``main`` builds
    when the command is named first: the others' modules and options are not needed)."""
    parser = OneLineParser(
        prog="xtts-harness",
        description="Audit XTTS v2 GPT fine-tuning configs, datasets and ablations.",
        epilog="Exit codes: 0 clean, 1 findings at or above --fail-on, 2 bad input.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in [only] if only in COMMANDS else COMMANDS:
        module = _command_module(name)
        if module is not None:
            module.add_parser(subparsers)
    return parser


def _command_module(name: str):
    try:
        return importlib.import_module(f"harness.commands.{name}")
    except ModuleNotFoundError as error:
        if error.name == f"harness.commands.{name}":
            return None  # command not built yet
        raise


def _command_name(word: str) -> str | None:
    """``vocab-check`` -> ``vocab_check``; None when ``word`` is not a command as typed."""
    name = word.replace("-", "_")
    return name if name in COMMANDS and "_" not in word else None


def main(argv: Sequence[str] | None = None) -> int:
    # A lint holds a repository's syntax trees until it exits, and CPython's default
    # thresholds walk them in ~100 young collections for nothing (about a tenth of a cold
    # lint of a 60 KB script repository). Collect less often, as mypy does; cyclic garbage
    # is still collected.
    gc.set_threshold(200_000, 30, 30)
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_command_name(words[0]) if words else None)
    args = parser.parse_args(words)
    outputs = {"-o": getattr(args, "output", None), "--markdown": getattr(args, "markdown", None)}
    try:
        with watch_reads(outputs):
            return int(args.run(args))
    except HarnessError as error:
        print(f"xtts-harness: error: {safe_text(error.one_line())}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("xtts-harness: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
