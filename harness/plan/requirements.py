"""The packages a repository says it installs: requirements*.txt, pyproject.toml, setup.py.

Read as text (``tomllib`` for pyproject.toml, ``ast`` for setup.py's ``install_requires``);
nothing is run. Each requirement is parsed with ``packaging`` (the parser pip itself uses), so
``coqui-tts[languages]==0.24.2``, environment markers and ``~=`` read as pip reads them.
Only files inside the repository root are read (``-r other.txt`` outside it is skipped);
lines are split as pip splits them (continuations, comments, per-requirement options).

The commonest lines, a bare name or ``name[extras]==1.2.3``, are split by one regular
expression (PEP 508's name rule) and only their version clause goes to ``packaging``: its
requirement parser brings in its marker grammar and platform tags, half the cost of a
lint's imports of ``packaging``. A test holds the split equal to ``packaging``'s reading.
"""

from __future__ import annotations

import ast
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from packaging.specifiers import SpecifierSet

# PEP 508: a name (or extra) starts and ends with a letter or digit.
_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
# A line packaging would read as just these parts: no spaces, markers, URLs or ranges
# (text: re compiles it on first use, not at every import).
SIMPLE_REQUIREMENT = (
    rf"({_NAME})(?:\[({_NAME}(?:,{_NAME})*)\])?"  # name, extras
    r"(==[0-9]+(?:\.[0-9]+)*)?"  # one exact release
)


@dataclass(frozen=True)
class Pin:
    """One requirement line, read as pip reads it, and where it was written."""

    written_name: str  # as written: ``Coqui_TTS``
    extras: frozenset[str]
    specifier: SpecifierSet
    text: str  # the requirement as packaging prints it: ``coqui-tts[languages]==0.24.2``
    file: Path
    line: int | None

    @property
    def name(self) -> str:
        """The canonical name (PEP 503): runs of ``-_.`` are one ``-``, lower case."""
        return re.sub(r"[-_.]+", "-", self.written_name).lower()


def decode_source(data: bytes) -> str:
    """Text of a requirements or TOML file: UTF-8, a byte-order mark dropped."""
    return data.decode("utf-8-sig", errors="replace")


def read_pins(root: Path) -> list[Pin]:
    """Every requirement the repository's own files declare, in file order."""
    pins: list[Pin] = []
    seen: set[Path] = set()
    for path in sorted(root.glob("requirements*.txt")):
        pins += _requirements_txt(path, root, seen)
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        pins += _pyproject(pyproject)
    setup = root / "setup.py"
    if setup.is_file():
        pins += _setup_py(setup)
    return pins


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _requirements_txt(path: Path, root: Path, seen: set[Path]) -> list[Pin]:
    if path.resolve() in seen or not _inside(path, root) or not path.is_file():
        return []
    seen.add(path.resolve())
    pins: list[Pin] = []
    for number, line in _logical_lines(decode_source(path.read_bytes())):
        included = re.match(r"(?:-r|--requirement)(?:\s*=\s*|\s*)(\S+)$", line)
        if included:
            pins += _requirements_txt(path.parent / included.group(1), root, seen)
            continue
        pin = parse_line(_requirement_part(line), path, number)
        if pin is not None:
            pins.append(pin)
    return pins


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(first line number, line) as pip's requirements-file reader sees them: a trailing
    backslash joins the next line, and ``#`` at the start or after whitespace starts a
    comment."""
    lines: list[tuple[int, str]] = []
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        if raw.endswith("\\") and not re.match(r"\s*#", raw):
            pending += raw[:-1]
            continue
        lines.append((start, _uncommented(pending + raw)))
        pending = ""
    if pending:  # a backslash on the last line joins nothing
        lines.append((start, _uncommented(pending)))
    return lines


def _uncommented(line: str) -> str:
    return re.sub(r"(^|\s+)#.*$", "", line).strip()


def _requirement_part(line: str) -> str:
    """The requirement without its per-requirement options (``--hash=...``), split as pip
    splits them: the words before the first that starts with ``-``."""
    words = []
    for word in line.split(" "):
        if word.startswith("-"):
            break
        words.append(word)
    return " ".join(words)


def parse_line(text: str, path: Path, line: int | None) -> Pin | None:
    """One requirement as pip reads it; None for what names no package version."""
    text = text.strip()
    if not text or text.startswith(("#", "-", "git+", "http:", "https:", "file:", ".")):
        return None  # comments, options, URLs and local paths name no version we can read
    simple = re.fullmatch(SIMPLE_REQUIREMENT, text)
    return _simple_pin(simple, path, line) if simple else _packaging_pin(text, path, line)


def _simple_pin(simple: re.Match[str], path: Path, line: int | None) -> Pin:
    """``name``, ``name[extras]`` and ``==version``, printed as packaging prints them."""
    name, extras, version = simple.groups()
    chosen = frozenset(extras.split(",")) if extras else frozenset()
    shown = name + (f"[{','.join(sorted(chosen))}]" if chosen else "") + (version or "")
    return Pin(name, chosen, SpecifierSet(version or ""), shown, path, line)


def _packaging_pin(text: str, path: Path, line: int | None) -> Pin | None:
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        parsed = Requirement(text)
    except InvalidRequirement:
        return None
    extras = frozenset(parsed.extras)
    return Pin(parsed.name, extras, parsed.specifier, str(parsed), path, line)


def _pyproject(path: Path) -> list[Pin]:
    try:
        data = tomllib.loads(decode_source(path.read_bytes()))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return []
    project = data.get("project", {})
    items = project.get("dependencies", []) if isinstance(project, dict) else []
    lines = decode_source(path.read_bytes()).splitlines()
    pins = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, str):
            pin = parse_line(item, path, _line_of(item, lines))
            if pin is not None:
                pins.append(pin)
    return pins


def _setup_py(path: Path) -> list[Pin]:
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (SyntaxError, ValueError):
        return []
    pins = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.keyword) and node.arg == "install_requires"):
            continue
        items = node.value.elts if isinstance(node.value, (ast.List, ast.Tuple)) else []
        for item in items:
            if isinstance(item, ast.Constant) and isinstance(item.value, str):
                pin = parse_line(item.value, path, item.lineno)
                if pin is not None:
                    pins.append(pin)
    return pins


def _line_of(item: str, lines: list[str]) -> int | None:
    for number, line in enumerate(lines, start=1):
        if item in line:
            return number
    return None
