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


def color(args: argparse.Namespace) -> bool | None:
    """No ANSI colour in a file; on stdout, colour when it is a terminal (NO_COLOR respected)."""
    return False if getattr(args, "output", None) else None


def refuse_output_over_inputs(output: str | Path, inputs: list[str | Path]) -> None:
    """A HarnessError when ``output`` is (or links to) one of the files the command reads."""
    target = Path(output).resolve()
    for given in inputs:
        path = Path(given)
        if path.exists() and path.resolve() == target:
            raise HarnessError(
                f"--output {output} would overwrite the input {given}",
                fix="write to another file (fix: --in-place rewrites the candidate itself)",
            )
