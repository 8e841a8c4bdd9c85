"""Arguments and steps several commands share."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.errors import HarnessError
from harness.output_guard import refuse_if_read

__all__ = ["emit", "refuse_if_read"]

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


LIBRARY_NAMES = ("coqui-tts", "TTS", "coqui-tts-trainer", "trainer", "torch", "torchaudio")


def add_library(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--library",
        nargs=2,
        metavar=("NAME", "VERSION"),
        help="the library that runs the candidates, instead of what the repository's pins and "
        "vendored copies say: coqui-tts, TTS, coqui-tts-trainer, trainer, torch or "
        "torchaudio, e.g. --library coqui-tts-trainer 0.1.4 (the stepping rules follow it)",
    )


def library_option(args: argparse.Namespace) -> tuple[str, str] | None:
    """``--library NAME VERSION`` checked: a known package name and a version."""
    from harness.errors import HarnessError

    if not getattr(args, "library", None):
        return None
    name, version = args.library
    known = {n.lower(): n for n in LIBRARY_NAMES}
    if name.lower() not in known or not version[:1].isdigit():
        raise HarnessError(
            f"--library {name} {version}: not a library and version",
            fix=f"name one of {', '.join(LIBRARY_NAMES)} and a version, "
            "e.g. --library coqui-tts-trainer 0.1.4",
        )
    return known[name.lower()], version


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


def emit(text: str, output: str | None, *, option: str = "-o") -> None:
    """Print to stdout, or write to a file the user named (never over one of their inputs)."""
    text = text if text.endswith("\n") else text + "\n"
    if not output:
        # a file name that is not UTF-8 arrives as lone surrogates: show them escaped
        # (\udcff) rather than fail on a strict UTF-8 stdout
        encoding = sys.stdout.encoding or "utf-8"
        safe = text.encode(encoding, "backslashreplace")
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is None:  # a StringIO stands in for stdout
            sys.stdout.write(safe.decode(encoding))
            return
        sys.stdout.flush()
        buffer.write(safe)
        buffer.flush()
        return
    refuse_if_read(output, option=option)
    path = Path(output)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", errors="backslashreplace")
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
