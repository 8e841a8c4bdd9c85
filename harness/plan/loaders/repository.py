"""The repository a training script lives in: its root, and its modules parsed (never run).

The root is the nearest folder above the script holding ``.git``, ``pyproject.toml``,
``setup.py`` or a ``requirements*.txt``, else the script's own folder. Modules the script
imports are parsed from inside the root only: a file that resolves outside it (a symlink out
of the tree) is refused with a note and never opened. Files are parsed through the load's
``ParseCache`` (``harness.plan.loaders.parse_cache``), shared with the repository scanner.

``ScriptReading`` is what a script loader knows once it has read a script: the entry file,
the repository root and every module it followed. Scanners of the repository (library
pins, vendored packages, side effects) start from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import HarnessError
from harness.plan.loaders.parse_cache import ParseCache
from harness.plan.loaders.pyscope import ModuleInfo

ROOT_MARKERS = (".git", "pyproject.toml", "setup.py")
MAX_MODULES = 200  # modules followed from one entry script


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


def parse_source(path: Path, display: str, cache: ParseCache | None = None) -> ModuleInfo:
    """Parse one file (through ``cache`` when given); a file CPython cannot compile (or not
    read) is a HarnessError."""
    parsed = (cache or ParseCache()).parse(path, display)
    return ModuleInfo(path, display, parsed.text, parsed.tree, parsed=parsed)


@dataclass
class Repository:
    """Parsed modules of one repository, shared by every reading of its scripts."""

    root: Path
    entry: ModuleInfo
    modules: dict[Path, ModuleInfo | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    cache: ParseCache = field(default_factory=ParseCache)  # the load's, shared with the scanner
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
        key = self.cache.resolve(path) if path.exists() else path.absolute()
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
            self.modules[key] = parse_source(path, display, self.cache)
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
