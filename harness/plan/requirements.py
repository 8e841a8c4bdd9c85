"""The packages a repository says it installs: requirements*.txt, pyproject.toml, setup.py.

Read as text (``tomllib`` for pyproject.toml, ``ast`` for setup.py's ``install_requires``);
nothing is run. Each requirement is parsed with ``packaging`` (the parser pip itself uses), so
``coqui-tts[languages]==0.24.2``, environment markers and ``~=`` read as pip reads them.
Only files inside the repository root are read (``-r other.txt`` outside it is skipped).
"""

from __future__ import annotations

import ast
import tomllib
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name


@dataclass(frozen=True)
class Pin:
    """One requirement line: the parsed requirement and where it was written."""

    requirement: Requirement
    file: Path
    line: int | None

    @property
    def name(self) -> str:
        return canonicalize_name(self.requirement.name)

    @property
    def text(self) -> str:
        return str(self.requirement)


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
    text = decode_source(path.read_bytes())
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(" #")[0].strip()
        if line.startswith(("-r ", "--requirement ")):
            included = path.parent / line.split(maxsplit=1)[1].strip()
            pins += _requirements_txt(included, root, seen)
            continue
        pin = _parse(line, path, number)
        if pin is not None:
            pins.append(pin)
    return pins


def _parse(text: str, path: Path, line: int | None) -> Pin | None:
    text = text.strip()
    if not text or text.startswith(("#", "-", "git+", "http:", "https:", "file:", ".")):
        return None  # comments, options, URLs and local paths name no version we can read
    try:
        return Pin(Requirement(text), path, line)
    except InvalidRequirement:
        return None


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
            pin = _parse(item, path, _line_of(item, lines))
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
                pin = _parse(item.value, path, item.lineno)
                if pin is not None:
                    pins.append(pin)
    return pins


def _line_of(item: str, lines: list[str]) -> int | None:
    for number, line in enumerate(lines, start=1):
        if item in line:
            return number
    return None
