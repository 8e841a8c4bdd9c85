"""Arguments and steps several commands share."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.errors import HarnessError

FORMATS = ("text", "json", "md", "sarif")


def add_format(parser: argparse.ArgumentParser, choices: tuple[str, ...] = FORMATS) -> None:
    parser.add_argument(
        "--format", choices=choices, default="text", help="output format (default: text)"
    )


def add_output(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-o", "--output", metavar="FILE", help="write the output to FILE instead of stdout"
    )


def add_overrides(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a value, e.g. model_args.max_text_length=300, grad_accum_steps=128, "
        "dataset_size=12000 (repeatable; applies to every candidate)",
    )


def add_tokenizer(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    parser.add_argument(
        "--tokenizer",
        choices=("stock", "passthrough"),
        default=None,
        help="the tokenizer the run trains with, as the plan fact `tokenizer` ([meta] tokenizer "
        "in a project file): stock, VoiceBpeTokenizer as released (rejects languages it does "
        "not know, e.g. am); passthrough, a fork that accepts any language and only lowercases "
        "and collapses whitespace, as Amharic forks patch it (default: the config's, else stock)",
    )


def with_tokenizer(args: argparse.Namespace) -> list[str]:
    """--set overrides plus the --tokenizer choice as the plan fact it stands for."""
    extra = [f"tokenizer={args.tokenizer}"] if getattr(args, "tokenizer", None) else []
    return [*args.overrides, *extra]


def add_fail_on(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--fail-on",
        choices=("info", "warning", "error"),
        default="error",
        help="exit 1 when a finding is at or above this severity (default: error)",
    )


def emit(text: str, output: str | None) -> None:
    """Print to stdout, or write to a file the user named (never over one of their inputs)."""
    if not output:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    path = Path(output)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise HarnessError(
            f"cannot write {path}: {error.strerror}", fix="choose a writable --output path"
        ) from None


def display_path(path: str | Path) -> str:
    """A path as the user would type it: relative to the working directory when under it."""
    absolute = Path(path).resolve()
    try:
        return str(absolute.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def color(args: argparse.Namespace) -> bool | None:
    """No ANSI colour in a file; on stdout, colour when it is a terminal (NO_COLOR respected)."""
    return False if getattr(args, "output", None) else None
