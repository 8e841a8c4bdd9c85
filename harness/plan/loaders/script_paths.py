"""A training script read along every feasible path, from its command line to its config.

``read_script`` parses the entry script (bytes: BOM, coding cookie, CRLF), binds its
argparse parser to the command line, follows the call from the top level (``main()``,
``if __name__ == "__main__":``) into the function of the repository that builds
``GPTTrainerConfig`` (arguments bound through the functions on the way), applies
``--set NAME=VALUE`` to the script's inputs (parameters of those functions, argparse dests),
and reads the config once per outcome of each condition it cannot decide. Paths whose
settings are the same are merged, so a condition that changes nothing labels nothing.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from harness.errors import HarnessError
from harness.plan.build import RawConfig
from harness.plan.loaders.argparse_model import ParserSpec, Rejection, read_parser
from harness.plan.loaders.parse_cache import ParseCache
from harness.plan.loaders.pyscope import ModuleInfo, Scope, Site, condition_key, condition_text
from harness.plan.loaders.python_script import ROOT, ScriptReader
from harness.plan.loaders.repository import Repository, ScriptReading, find_root, parse_source
from harness.plan.loaders.static_eval import (
    UNRESOLVED,
    Context,
    Evaluator,
    Function,
    Origin,
    PathChoice,
    Resolved,
    call_name,
)

MAX_PATHS = 16
MAX_READS = 40
MAX_CHAIN_VISITS = 400
DATASET_SIZE = "dataset_size"


@dataclass
class ScriptPath:
    """One feasible path: its conditions ("when ... (file:line)"), settings, rejections."""

    conditions: list[str]
    raw: RawConfig
    rejections: list[Rejection] = field(default_factory=list)


@dataclass
class ScriptResult:
    paths: list[ScriptPath]
    inputs: set[str]  # --set names that are inputs of the script (not config keys)
    reading: ScriptReading


@dataclass
class _Setup:
    """What every path's reading shares: the repository, its modules, the bound parser."""

    repo: Repository
    inputs: dict[str, Resolved]
    dataset_size: int | None
    command: str | None
    modules: list[ModuleInfo] = field(default_factory=list)
    namespace: dict[str, Resolved] | None = None
    rejections: list[Rejection] = field(default_factory=list)
    parser_notes: list[str] = field(default_factory=list)
    reads: int = 0


def read_script(
    path: Path,
    display: str,
    argv: Sequence[str] | None = None,
    overrides: Sequence[str] = (),
    command: str | None = None,
    cache: ParseCache | None = None,
) -> ScriptResult:
    """Every feasible path of ``path`` run with ``argv`` (None: no command line given).

    ``cache``: the load's parsed files, shared with the repository scanner."""
    cache = cache or ParseCache()
    entry = parse_source(path, display, cache)
    repo = Repository(find_root(path), entry, cache=cache)
    values = _override_values(overrides, entry)
    size = values.get(DATASET_SIZE)
    known_size = size.value if size is not None and isinstance(size.value, int) else None
    setup = _Setup(repo, values, known_size, command)
    probe = Evaluator(repo)
    setup.modules = _modules(probe, repo)
    parser = read_parser(probe, repo.entry)
    if parser is not None:
        given = None if argv is None else list(argv)
        setup.namespace, setup.rejections = parser.bind(given, values)
        setup.parser_notes = parser.notes
    elif argv:
        repo.notes.append(f"{repo.entry.display}: no argparse parser read; arguments ignored")
    paths = _explore(setup, {})
    module, _ = _root_module(setup.modules)
    names = _input_names(probe, repo, module, parser)
    return ScriptResult(paths, names & set(values), repo.reading())


def load_python(path: Path, display: str) -> RawConfig:
    """The first path's settings (see ``read_script`` for every path)."""
    return read_script(path, display).paths[0].raw


def _explore(setup: _Setup, assume: dict[Any, bool]) -> list[ScriptPath]:
    setup.reads += 1
    choice = PathChoice(dict(assume), allow_fork=setup.reads < MAX_READS)
    found = _read_once(setup, choice)
    if not choice.open or len(assume) >= MAX_PATHS.bit_length() + 2:
        return [found]
    block = choice.open[0]
    sides = []
    for outcome in (True, False):
        branch = _explore(setup, {**assume, condition_key(block): outcome})
        label = condition_text(block, outcome)
        sides.append([replace(p, conditions=[label, *p.conditions]) for p in branch])
    if _same(sides[0], sides[1]):
        return [replace(p, conditions=p.conditions[1:]) for p in sides[0]]
    return (sides[0] + sides[1])[:MAX_PATHS]


def _same(left: list[ScriptPath], right: list[ScriptPath]) -> bool:
    if len(left) != len(right):
        return False
    return all(
        a.raw.settings == b.raw.settings and a.rejections == b.rejections
        for a, b in zip(left, right, strict=True)
    )


def _read_once(setup: _Setup, choice: PathChoice) -> ScriptPath:
    repo = setup.repo
    evaluator = Evaluator(repo, choice)
    evaluator.dataset_size = setup.dataset_size
    evaluator.namespace = setup.namespace
    evaluator.inputs = dict(setup.inputs)
    module, site = _root_module(setup.modules)
    if site is not None and site.scope.kind == "function":
        _follow_chain(evaluator, repo.entry, site.scope)
    reader = ScriptReader(module, evaluator)
    raw = reader.raw(repo.entry.path.stem, repo.entry.display)
    notes = raw.meta["notes"] + list(dict.fromkeys(repo.notes)) + setup.parser_notes
    meta = {**raw.meta, "notes": notes, "entry": repo.entry.display}
    if setup.command:
        meta["command"] = setup.command
    return ScriptPath([], replace(raw, meta=meta), list(setup.rejections))


def _root_module(modules: list[ModuleInfo]) -> tuple[ModuleInfo, Site | None]:
    """The module that builds the config: the entry, else a repository module it imports."""
    for module in modules:
        sites = [s for s in module.calls if call_name(s.node) == ROOT]
        if sites:
            return module, sites[-1]
    return modules[0], None


def _modules(evaluator: Evaluator, repo: Repository) -> list[ModuleInfo]:
    """The entry and the repository modules it imports, transitively, breadth first."""
    found = [repo.entry]
    seen = {id(repo.entry)}
    for module in found:
        for node in module.of(ast.Import, ast.ImportFrom):
            for dotted, level in _imports(node):
                ref = evaluator._import(dotted, level, module)
                if ref.info is not None and id(ref.info) not in seen:
                    seen.add(id(ref.info))
                    found.append(ref.info)
    return found


def _imports(node: ast.AST) -> list[tuple[str, int]]:
    if isinstance(node, ast.Import):
        return [(alias.name, 0) for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        base = node.module or ""
        named = [(f"{base}.{a.name}" if base else a.name, node.level) for a in node.names]
        return [(base, node.level), *named] if base else named
    return []


def _follow_chain(evaluator: Evaluator, entry: ModuleInfo, target: Scope) -> None:
    """Bind the parameters of each function on the way from the top level to ``target``."""
    evaluator.input_scopes.add(id(target))
    chain = _chain(evaluator, entry, target)
    if chain is None:
        if entry is not target.module:
            evaluator.notes.append(
                f"no call from {entry.display} to {target.name}() found: its parameter "
                "defaults are read"
            )
        return
    for site, function in chain:
        ctx = Context(site.scope, site.at, site.block)
        frame = evaluator.bind_arguments(function, site.node, ctx)
        if frame is None:
            evaluator.notes.append(
                f"{site.scope.module.display}:{site.node.lineno}: the arguments of "
                f"{function.scope.name}() cannot be bound (*args or **kwargs)"
            )
            continue
        evaluator.frames[id(function.scope)] = frame
        evaluator.input_scopes.add(id(function.scope))


def _chain(
    evaluator: Evaluator, entry: ModuleInfo, target: Scope
) -> list[tuple[Site, Function]] | None:
    queue: list[tuple[Site, list[tuple[Site, Function]]]] = [
        (site, []) for site in entry.calls if site.scope is entry.scope
    ]
    visited: set[int] = set()
    for site, path in queue:
        if len(visited) > MAX_CHAIN_VISITS:
            break
        ctx = Context(site.scope, site.at, site.block)
        found = evaluator.value(site.node.func, ctx)
        if found is UNRESOLVED or not isinstance(found.value, Function):
            continue
        function = found.value
        steps = [*path, (site, function)]
        if function.scope is target:
            return steps
        if id(function.scope) in visited:
            continue
        visited.add(id(function.scope))
        module = function.scope.module
        queue += [(s, steps) for s in module.calls if s.scope is function.scope]
    return None


def _input_names(
    evaluator: Evaluator, repo: Repository, module: ModuleInfo, parser: ParserSpec | None
) -> set[str]:
    """Parameters of the functions on the way to the config, and argparse dests."""
    names: set[str] = set(parser.dests) if parser is not None else set()
    sites = [s for s in module.calls if call_name(s.node) == ROOT]
    scopes = [s.scope for s in sites if s.scope.kind == "function"]
    for scope in scopes:
        chain = _chain(evaluator, repo.entry, scope) or []
        for owner in [scope, *(f.scope for _, f in chain)]:
            definition = owner.definition
            if isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)):
                arguments = definition.args
                every = arguments.posonlyargs + arguments.args + arguments.kwonlyargs
                names |= {a.arg for a in every}
    return names


def _override_values(overrides: Sequence[str], entry: ModuleInfo) -> dict[str, Resolved]:
    """``--set NAME=VALUE`` for plain names (inputs candidates), as values with an origin."""
    from harness.plan.loaders.overrides import OVERRIDE_FILE, parse_value

    values: dict[str, Resolved] = {}
    for text in overrides:
        name, sep, raw_value = text.partition("=")
        name = name.strip().lstrip("-")
        if not sep or not name.isidentifier():
            continue
        try:
            value = parse_value(raw_value, name)
        except HarnessError:
            continue  # reported when applied as a config key
        values[name] = Resolved(value, Origin(entry, None, None, key=name, label=OVERRIDE_FILE))
    return values
