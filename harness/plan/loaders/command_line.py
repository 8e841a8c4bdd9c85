"""Command lines that run a training script: ``python SCRIPT ARGS...`` and shell launchers.

A target given after ``--`` (``lint -- python train.py --lang am``) is one command line. A
``.sh`` launcher is read for its ``python ...`` lines: ``\\`` continuations are joined,
simple variables (``EPOCHS=10`` then ``$EPOCHS`` / ``${EPOCHS}``) substituted, leading
``VAR=value`` environment assignments and ``exec`` / ``nohup`` / ``time`` dropped. Nothing
is run: the line is only split as a shell would split it (``shlex``).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.errors import HarnessError

_PYTHON = re.compile(r"^(?:.*/)?python(?:\d+(?:\.\d+)?)?(?:\.exe)?$")
_LAUNCHERS = {"torchrun", "accelerate", "deepspeed"}  # `torchrun ... train.py ARGS`
_PREFIXES = {"exec", "nohup", "time", "env", "command"}
# Patterns as text: re compiles (and caches) them on first use, not at every import.
_ASSIGN = r"^([A-Za-z_]\w*)=(.*)$"
_VARIABLE = r"\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))"
# python options that take a value (python -X importtime -W ignore train.py)
_OPTIONS_WITH_VALUE = {"-X", "-W", "-Q"}


@dataclass(frozen=True)
class CommandLine:
    """One run of a script: the script file, its arguments, and where the line was read."""

    script: Path
    args: tuple[str, ...]
    text: str  # the command as written, for display
    where: str = "command line"


def is_command(tokens: Sequence[str]) -> bool:
    """True when the tokens start like a command that runs Python."""
    return bool(tokens) and (_PYTHON.match(tokens[0]) is not None or tokens[0] in _LAUNCHERS)


def from_tokens(tokens: Sequence[str], where: str = "command line", base: Path | None = None):
    """``python [OPTIONS] SCRIPT ARGS`` or ``python -m MODULE ARGS`` -> CommandLine."""
    text = shlex.join(tokens)
    rest = list(tokens[1:])
    if tokens and tokens[0] in _LAUNCHERS:
        scripts = [i for i, t in enumerate(rest) if t.endswith(".py")]
        if not scripts:
            raise _no_script(text, where)
        return CommandLine(
            _locate(rest[scripts[0]], base), tuple(rest[scripts[0] + 1 :]), text, where
        )
    while rest and rest[0].startswith("-") and rest[0] != "-m":
        option = rest.pop(0)
        if option in _OPTIONS_WITH_VALUE and rest:
            rest.pop(0)
    if not rest:
        raise _no_script(text, where)
    if rest[0] == "-m":
        if len(rest) < 2:
            raise _no_script(text, where)
        return CommandLine(_module_file(rest[1], base, text, where), tuple(rest[2:]), text, where)
    return CommandLine(_locate(rest[0], base), tuple(rest[1:]), text, where)


def read_launcher(path: Path, display: str) -> list[CommandLine]:
    """The python command lines of a shell script, in order."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise HarnessError(f"cannot read the file: {error.strerror}", where=display) from None
    variables: dict[str, str] = {}
    found: list[CommandLine] = []
    for number, line in _logical_lines(text):
        try:
            tokens = shlex.split(_substitute(line, variables), comments=True)
        except ValueError:
            continue  # unbalanced quotes: not a line we can read
        tokens = [t for t in tokens if t not in ("$@", "$*")]
        assigned = tokens[1:] if tokens[:1] == ["export"] else tokens  # export NAME=VALUE
        if len(assigned) == 1 and (assign := re.match(_ASSIGN, assigned[0])):
            name, value = assign.groups()
            variables[name] = value
            continue
        while tokens and (re.match(_ASSIGN, tokens[0]) or tokens[0] in _PREFIXES):
            tokens.pop(0)
        if is_command(tokens):
            found.append(from_tokens(tokens, f"{display}:{number}", path.parent))
    if not found:
        raise HarnessError(
            "no python command found in the launcher",
            where=display,
            fix="give the command itself: xtts-harness lint -- python train.py ARGS",
        )
    return found


def _logical_lines(text: str) -> list[tuple[int, str]]:
    lines: list[tuple[int, str]] = []
    pending, start = "", 0
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        lines.append((start, pending + line))
        pending = ""
    if pending:
        lines.append((start, pending))
    return lines


def _substitute(line: str, variables: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return shlex.quote(variables[name]) if name in variables else match.group(0)

    return re.sub(_VARIABLE, value, line)


def _locate(script: str, base: Path | None) -> Path:
    """A script as the shell would find it: from the working folder, else the launcher's."""
    path = Path(script)
    if base is not None and not path.is_absolute() and not path.exists():
        beside = base / path
        if beside.exists():
            return beside
    return path


def _module_file(module: str, base: Path | None, text: str, where: str) -> Path:
    for folder in [Path.cwd()] + ([base] if base else []):
        path = folder.joinpath(*module.split("."))
        for candidate in (path.with_suffix(".py"), path / "__main__.py"):
            if candidate.is_file():
                return candidate
    raise HarnessError(
        f"module {module} not found from the working folder",
        where=where,
        fix=f"run from the folder `python -m {module}` runs from, or give the script's path",
    )


def _no_script(text: str, where: str) -> HarnessError:
    return HarnessError(
        f"no script in {text!r}",
        where=where,
        fix="write the command as it is run: python train.py ARGS",
    )
