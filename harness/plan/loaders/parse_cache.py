"""The source files of one load, each read and parsed once, whoever reads them.

Two readers parse a script's repository: the script reader (``Repository``, which follows
the call into the config) and the repository scanner (``harness.plan.repository``, which
looks for what the script does besides the config). A ``ParseCache`` made for one load
gives both the same tree, and the flat list of its nodes, walked once. Asking only for
statements (imports) walks the statement tree alone: a module the script imports but no
finder needs to read costs its parse and that.

It is deliberately not process-wide: a file rewritten under the same path between two
loads (an editor, a test) is read again by the next load.
"""

from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain
from pathlib import Path
from typing import Any

from harness.errors import HarnessError

MAX_SOURCE_BYTES = 5_000_000
# Where statements live: every statement sits in one of these lists of a statement, an
# ``except`` handler, a ``case`` or the module (never inside an expression).
_STATEMENT_LISTS = ("body", "orelse", "finalbody", "handlers", "cases")
_HOLDERS = (ast.stmt, ast.excepthandler, ast.match_case)


@dataclass(eq=False)
class ParsedFile:
    """One file as CPython reads it: its decoded text, tree, and nodes with their parents."""

    text: str
    tree: ast.Module
    _nodes: list[ast.AST] | None = field(default=None, repr=False)
    _parents: dict[int, ast.AST] = field(default_factory=dict, repr=False)
    _positions: dict[type, list[int]] = field(default_factory=dict, repr=False)  # by node type
    _selected: dict[tuple[type, ...], list[ast.AST]] = field(default_factory=dict, repr=False)

    @cached_property
    def ascii(self) -> bool:
        """Whether the text is ASCII: then every identifier appears in it as ``ast`` has it."""
        return self.text.isascii()

    @cached_property
    def folded(self) -> str:
        """The text in lower case, to look for an identifier whatever its case."""
        return self.text.lower()

    @property
    def nodes(self) -> list[ast.AST]:
        """Every node, in ``ast.walk`` order."""
        if self._nodes is None:
            self._walk()
        return self._nodes  # type: ignore[return-value]

    @property
    def parents(self) -> dict[int, ast.AST]:
        """``id(node)`` -> the node holding it."""
        if self._nodes is None:
            self._walk()
        return self._parents

    def of(self, *types: type) -> list[Any]:
        """The nodes of these types (``isinstance``), in ``ast.walk`` order: a scanner looking
        for calls or assignments reads only those, found by type during the walk."""
        found = self._selected.get(types)
        if found is None and self._nodes is None and all(issubclass(t, ast.stmt) for t in types):
            # Statements only (imports): the statement tree alone, not every expression.
            found = self._selected[types] = [n for n in self._statements() if isinstance(n, types)]
        if found is None:
            nodes = self.nodes
            lists = [at for kind, at in self._positions.items() if issubclass(kind, types)]
            found = [nodes[i] for i in (lists[0] if len(lists) == 1 else sorted(chain(*lists)))]
            self._selected[types] = found
        return found

    def _statements(self) -> list[ast.AST]:
        """The statements (with their handlers and cases), in ``ast.walk`` order: a breadth
        first walk keeps its order on any part of the tree that holds its own ancestors."""
        nodes: list[ast.AST] = [self.tree]
        index = 0
        while index < len(nodes):
            node = nodes[index]
            index += 1
            for name in _statement_fields(type(node)):
                nodes += [item for item in getattr(node, name, ()) if isinstance(item, _HOLDERS)]
        return nodes

    def _walk(self) -> None:
        # ast.walk's order (breadth first, fields in order; a test pins it), recording
        # parents and where each node type occurs in the same pass, reading the fields
        # directly: a third faster than ast.walk with ast.iter_child_nodes.
        nodes: list[ast.AST] = [self.tree]
        parents, positions = self._parents, self._positions
        index = 0
        while index < len(nodes):
            node = nodes[index]
            kind = type(node)
            if kind in positions:
                positions[kind].append(index)
            else:
                positions[kind] = [index]
            index += 1
            for name in node._fields:
                value = getattr(node, name, None)
                if isinstance(value, ast.AST):
                    parents[id(value)] = node
                    nodes.append(value)
                elif isinstance(value, list):
                    for item in value:
                        if isinstance(item, ast.AST):
                            parents[id(item)] = node
                            nodes.append(item)
        self._nodes = nodes


_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {}


def _statement_fields(kind: type[ast.AST]) -> tuple[str, ...]:
    """The fields of ``kind`` that may hold statements, in field order."""
    found = _FIELDS.get(kind)
    if found is None:
        found = _FIELDS[kind] = tuple(name for name in kind._fields if name in _STATEMENT_LISTS)
    return found


class ParseCache:
    """Parsed files by resolved path, for the length of one load."""

    def __init__(self) -> None:
        self._files: dict[Path, ParsedFile] = {}
        self._resolved: dict[Path, Path] = {}

    def resolve(self, path: Path) -> Path:
        """``path.resolve()``, once per path a reader asks for in this load (each costs a
        system call per folder on the way)."""
        found = self._resolved.get(path)
        if found is None:
            found = self._resolved[path] = path.resolve()
        return found

    def parse(self, path: Path, display: str) -> ParsedFile:
        """``path`` parsed; a file CPython cannot compile (or not read) is a HarnessError
        naming ``display``. Failures are not kept: each asker gets its own message."""
        key = self.resolve(path)
        found = self._files.get(key)
        if found is None:
            found = self._files[key] = parse_file(path, display)
        return found


def decode_source(data: bytes) -> str:
    """Source bytes -> text as CPython reads them: BOM and coding cookie honoured, newlines
    normalised to ``\\n`` (so line numbers and offsets match ``ast``)."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = data.decode(encoding)
    text = text.removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_file(path: Path, display: str) -> ParsedFile:
    """Read and parse one file (see ``ParseCache.parse``)."""
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
        return ParsedFile(text, ast.parse(text, filename=display))
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
