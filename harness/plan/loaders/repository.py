"""The repository a training script lives in: its root, and its modules parsed (never run).

The root is the nearest folder above the script holding ``.git``, ``pyproject.toml``,
``setup.py`` or a ``requirements*.txt``, else the script's own folder. Modules the script
imports are parsed from inside the root only: a file that resolves outside it (a symlink out
of the tree) is refused with a note and never opened.

``ScriptReading`` is what a script loader knows once it has read a script: the entry file,
the repository root and every module it followed. Scanners of the repository (library
pins, vendored packages, side effects) start from it.
"""

from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import HarnessError
from harness.plan.loaders.pyscope import ModuleInfo

ROOT_MARKERS = (".git", "pyproject.toml", "setup.py")
MAX_MODULES = 200  # modules followed from one entry script
MAX_SOURCE_BYTES = 5_000_000


@dataclass(frozen=True)
class ScriptReading:
    """The script a plan was read from: entry file, repository root, modules followed."""

    entry: Path
    root: Path
    modules: tuple[Path, ...] = ()


def find_root(script: Path) -> Path:
    """The repository root of ``script`` (see the module docstring)."""
    folder = script.resolve().parent
    for candidate in (folder, *folder.parents):
        if any((candidate / marker).exists() for marker in ROOT_MARKERS):
            return candidate
        if any(candidate.glob("requirements*.txt")):
            return candidate
    return folder


def decode_source(data: bytes) -> str:
    """Source bytes -> text as CPython reads them: BOM and coding cookie honoured, newlines
    normalised to ``\\n`` (so line numbers and offsets match ``ast``)."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = data.decode(encoding)
    text = text.removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_source(path: Path, display: str) -> ModuleInfo:
    """Parse one file; a file CPython cannot compile (or not read) is a HarnessError."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise HarnessError(
            f"cannot read the file: {error.strerror}",
            where=display,
            fix="check the path and its permissions",
        ) from None
    if len(data) > MAX_SOURCE_BYTES:
        raise HarnessError(
            f"file is over {MAX_SOURCE_BYTES // 1_000_000} MB",
            where=display,
            fix="point at the training script",
        )
    try:
        text = decode_source(data)
        tree = ast.parse(text, filename=display)
        return ModuleInfo(path, display, text, tree)
    except SyntaxError as error:
        where = f"{display}:{error.lineno}" if error.lineno else display
        raise HarnessError(
            f"not valid Python: {error.msg}",
            where=where,
            fix="correct the syntax there (the script is only read, never run)",
        ) from None
    except (UnicodeDecodeError, LookupError) as error:
        raise HarnessError(
            f"cannot decode the file: {error}",
            where=display,
            fix="save it as UTF-8 (or declare its encoding in a coding comment)",
        ) from None
    except (ValueError, RecursionError, MemoryError) as error:  # NUL byte, too deep
        raise HarnessError(
            f"cannot read the file as Python: {type(error).__name__}",
            where=display,
            fix="point at the .py training script",
        ) from None


@dataclass
class Repository:
    """Parsed modules of one repository, shared by every reading of its scripts."""

    root: Path
    entry: ModuleInfo
    modules: dict[Path, ModuleInfo | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    _asked: dict[Path, ModuleInfo | None] = field(default_factory=dict)  # by path as asked

    def __post_init__(self) -> None:
        self.root = self.root.resolve()
        self.modules[self.entry.path.resolve()] = self.entry

    def module(self, path: Path) -> ModuleInfo | None:
        """The parsed module at ``path``, or None (absent, outside the root, or unreadable)."""
        if path in self._asked:
            return self._asked[path]
        self._asked[path] = found = self._load(path)
        return found

    def _load(self, path: Path) -> ModuleInfo | None:
        key = path.resolve() if path.exists() else path.absolute()
        if key in self.modules:
            return self.modules[key]
        self.modules[key] = None
        if not path.is_file() or len(self.modules) > MAX_MODULES:
            return None
        display = self._display(path)
        if not key.is_relative_to(self.root):
            self.notes.append(
                f"{display}: not read, it resolves outside the repository ({self.root.name}/)"
            )
            return None
        try:
            self.modules[key] = parse_source(path, display)
        except HarnessError as error:
            self.notes.append(f"{display}: not read ({error.what})")
        return self.modules[key]

    def reading(self) -> ScriptReading:
        followed = tuple(p for p, info in self.modules.items() if info is not None)
        return ScriptReading(self.entry.path, self.root, followed)

    def _display(self, path: Path) -> str:
        """A module's path as the entry's display path shows its folder."""
        base = Path(self.entry.display).parent
        try:
            return str(base / path.absolute().relative_to(self.entry.path.absolute().parent))
        except ValueError:
            try:
                return str(path.absolute().relative_to(self.root))
            except ValueError:
                return str(path)
