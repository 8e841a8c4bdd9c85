"""Every command example the project documents: README.md, docs/, experiments/, baselines/
and the ``Example:`` of each command's ``--help``.

An example is a line that starts with ``xtts-harness`` in a fenced code block, an inline
code span with at least one argument, a ``#   xtts-harness ...`` comment of a TOML file, or
each ``xtts-harness ...`` after "Example:" (or a later colon) in a command's description.
Usage synopses (``[--format ...]``, ``CANDIDATE``, ``NAME|PATH``) are not examples and are
left out.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROGRAM = "xtts-harness"
# Placeholders of a synopsis: an optional part, alternatives, or an all-caps metavariable.
PLACEHOLDER = re.compile(r"\[|\||\.\.\.|\b[A-Z][A-Z_]{2,}\b")
FENCE = re.compile(r"^(```|~~~)")
INLINE = re.compile(r"`(xtts-harness [^`]+)`")
# Starts after "Example:" or a later colon; ends at " (", at ". " and a capital, or the end.
EXAMPLE = re.compile(r"(?:Example|[a-z-]): (xtts-harness .+?)(?: \((?=[a-z])|\. (?=[A-Z])|$)")


@dataclass(frozen=True)
class CommandExample:
    where: str  # file:line, or "--help of CMD"
    argv: tuple[str, ...]  # the arguments after "xtts-harness"

    @property
    def text(self) -> str:
        return " ".join([PROGRAM, *self.argv])


def collect_examples() -> list[CommandExample]:
    """All examples, in a stable order, without duplicates (first place wins)."""
    found: dict[tuple[str, ...], CommandExample] = {}
    for example in [*_from_documents(), *_from_help()]:
        found.setdefault(example.argv, example)
    return list(found.values())


def _documents() -> list[Path]:
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    docs += sorted((ROOT / "experiments").glob("**/*.md"))
    return docs + sorted(
        [*(ROOT / "experiments").glob("**/*.toml"), *(ROOT / "baselines").glob("*.toml")]
    )


def _from_documents() -> list[CommandExample]:
    examples = []
    for path in _documents():
        name = str(path.relative_to(ROOT))
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, text in _candidate_lines(lines, toml=path.suffix == ".toml"):
            example = _parse(text, f"{name}:{number}")
            if example is not None:
                examples.append(example)
    return examples


def _candidate_lines(lines: list[str], *, toml: bool) -> list[tuple[int, str]]:
    """(line number, command text) of each example line, continuation lines joined."""
    out: list[tuple[int, str]] = []
    fenced = False
    index = 0
    while index < len(lines):
        line = lines[index].strip()
        start = index + 1
        if FENCE.match(line):
            fenced = not fenced
        elif toml and line.startswith("#"):
            line = line.lstrip("#").strip()
        if (fenced or toml) and line.startswith(PROGRAM + " "):
            while line.endswith("\\") and index + 1 < len(lines):
                index += 1
                line = line[:-1] + " " + lines[index].strip().lstrip("#").strip()
            out.append((start, line))
        elif not fenced and not toml:
            out += [(start, span) for span in INLINE.findall(line) if len(span.split()) > 2]
        index += 1
    return out


def _parse(text: str, where: str) -> CommandExample | None:
    words = shlex.split(text, comments=True)
    if not words or words[0] != PROGRAM or len(words) < 2:
        return None
    if PLACEHOLDER.search(" ".join(words)):
        return None
    return CommandExample(where, tuple(words[1:]))


def _from_help() -> list[CommandExample]:
    from harness.cli import build_parser

    parser = build_parser()
    examples = []
    for action in parser._subparsers._group_actions:  # argparse keeps subparsers only here
        for name, sub in action.choices.items():
            description = " ".join((sub.description or "").split())
            for match in EXAMPLE.finditer(description):
                example = _parse(match.group(1).rstrip("."), f"--help of {name}")
                if example is not None:
                    examples.append(example)
    return examples
