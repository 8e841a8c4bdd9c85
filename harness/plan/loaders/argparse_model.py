"""A script's argparse parser, read statically, then bound to a command line by argparse.

The ``ArgumentParser(...)`` / ``add_argument(...)`` / ``add_subparsers`` / ``add_parser``
calls of the script are evaluated as data (flags, dest, type, default, choices, action,
required, nargs); the standard library's own ``argparse`` is then built from that data and
parses the command line, so abbreviations, ``--flag=value``, ``nargs`` and subcommands bind
exactly as they will when the script runs. Only ``int``, ``float``, ``str`` and ``bool`` are
used as types: any other ``type=`` callable of the script is never called (values stay
strings). An argument list argparse would reject becomes a ``Rejection`` (unknown flag with
the closest real one, invalid choice, missing required, invalid value): that run dies at once.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import re
from dataclasses import dataclass, field
from typing import Any, NoReturn

from harness.plan.loaders.pyscope import ModuleInfo
from harness.plan.loaders.static_eval import (
    UNRESOLVED,
    Context,
    Evaluator,
    Origin,
    Resolved,
    call_name,
)

TYPES: dict[str, type] = {"int": int, "float": float, "str": str, "bool": bool}
ACTIONS = {
    "store",
    "store_const",
    "store_true",
    "store_false",
    "append",
    "append_const",
    "count",
    "extend",
    "help",
    "version",
}
SENTINEL_ACTIONS = {"store", "store_const", "store_true", "store_false", None}
COMMAND_LINE = "command line"


@dataclass(frozen=True)
class Rejection:
    """Why argparse would refuse the command line: code, the flag, the closest real flag."""

    code: str  # C901 unknown | C902 invalid choice | C903 missing required | C904 bad value
    flag: str
    message: str
    closest: str | None = None


@dataclass
class _Parser:
    call: ast.Call
    ctx: Context
    arguments: list[tuple[ast.Call, Context]] = field(default_factory=list)
    subparsers: _Subparsers | None = None
    name: str | None = None  # a subcommand's name


@dataclass
class _Subparsers:
    call: ast.Call
    ctx: Context
    parsers: list[_Parser] = field(default_factory=list)


@dataclass
class ParserSpec:
    """The script's parser as data, and the dests it defines."""

    root: _Parser
    evaluator: Evaluator
    module: ModuleInfo
    notes: list[str] = field(default_factory=list)
    _statics: dict[str, Resolved] = field(default_factory=dict)  # dest -> its default

    @property
    def dests(self) -> set[str]:
        return set(self._statics)

    def bind(
        self, argv: list[str] | None, inputs: dict[str, Resolved]
    ) -> tuple[dict[str, Resolved], list[Rejection]]:
        """Namespace values for ``argv`` (None: no command line given, defaults only)."""
        rejections: list[Rejection] = []
        strict = argv is not None
        parser = self._build(strict=strict)
        try:
            namespace, extras = parser.parse_known_args(argv or [])
        except (_Rejected, argparse.ArgumentError) as error:
            rejections.append(_classify(error, parser))
            try:
                namespace, extras = self._build(strict=False).parse_known_args(argv or [])
            except (_Rejected, argparse.ArgumentError):
                namespace, extras = argparse.Namespace(), []
        if strict:
            rejections += _unknown_flags(extras, parser)
        values = {}
        for dest, static in self._statics.items():
            got = getattr(namespace, dest, _MISSING)
            if dest in inputs:
                values[dest] = inputs[dest]
            elif isinstance(got, _Default) or got is _MISSING:
                values[dest] = static
            else:
                origin = Origin(self.module, None, None, key=dest, label=COMMAND_LINE)
                values[dest] = Resolved(got, origin)
        return values, rejections

    def _build(self, *, strict: bool) -> argparse.ArgumentParser:
        self._statics.clear()
        parser = _ArgumentParser(prog=self.module.display, add_help=True, exit_on_error=False)
        self._fill(parser, self.root, strict)
        return parser

    def _fill(self, parser: argparse.ArgumentParser, spec: _Parser, strict: bool) -> None:
        allow = self._keyword(spec.call, "allow_abbrev", spec.ctx)
        parser.allow_abbrev = allow if isinstance(allow, bool) else True
        for call, ctx in spec.arguments:
            self._add(parser, call, ctx, strict)
        if spec.subparsers is not None:
            dest = self._keyword(spec.subparsers.call, "dest", spec.subparsers.ctx)
            required = self._keyword(spec.subparsers.call, "required", spec.subparsers.ctx)
            group = parser.add_subparsers(
                dest=dest if isinstance(dest, str) else None,
                required=bool(required) and strict,
                parser_class=_ArgumentParser,
            )
            if isinstance(dest, str):
                self._statics.setdefault(dest, self._origin(dest, None, spec.subparsers.call))
            for child in spec.subparsers.parsers:
                if child.name:
                    sub = group.add_parser(child.name, exit_on_error=False)
                    self._fill(sub, child, strict)

    def _add(self, parser: argparse.ArgumentParser, call: ast.Call, ctx: Context, strict: bool):
        flags = [self.evaluator.plain(a, ctx) for a in call.args]
        if not flags or not all(isinstance(f, str) for f in flags):
            self.notes.append(f"{self.module.display}:{call.lineno}: an argument not read")
            return
        options: dict[str, Any] = {}
        default_node = None
        for keyword in call.keywords:
            name, node = keyword.arg, keyword.value
            if name == "default":
                default_node = node
            elif name == "type":
                options["type"] = TYPES.get(node.id if isinstance(node, ast.Name) else "", str)
            elif name == "action":
                action = self._action(node, ctx)
                if action is not None:
                    options["action"] = action
            elif name in ("dest", "nargs", "const", "required", "choices", "metavar"):
                value = self.evaluator.plain(node, ctx)
                if value is not UNRESOLVED:
                    options[name] = value
        if not strict:
            options.pop("required", None)
            options.pop("choices", None)
        try:
            action = parser.add_argument(*flags, **options)
        except (ValueError, TypeError, argparse.ArgumentError) as error:
            self.notes.append(f"{self.module.display}:{call.lineno}: {error}")
            return
        if action.dest in ("help", argparse.SUPPRESS):
            return
        static = self._origin(action.dest, default_node, call, ctx, action.default)
        self._statics[action.dest] = static
        if options.get("action") in SENTINEL_ACTIONS or isinstance(options.get("action"), type):
            action.default = _Default(action.dest)

    def _origin(
        self,
        dest: str,
        node: ast.expr | None,
        call: ast.Call,
        ctx: Context | None = None,
        fallback: Any = None,
    ) -> Resolved:
        """A dest's default: its value where the script wrote it."""
        if node is not None and ctx is not None:
            found = self.evaluator.setting(node, ctx, dest)
            return Resolved(found.value, Origin(self.module, node, call.lineno, dest))
        return Resolved(fallback, Origin(self.module, call, call.lineno, dest))

    def _action(self, node: ast.expr, ctx: Context) -> Any:
        if isinstance(node, ast.Attribute) and node.attr == "BooleanOptionalAction":
            return argparse.BooleanOptionalAction
        value = self.evaluator.plain(node, ctx)
        return value if value in ACTIONS else None

    def _keyword(self, call: ast.Call, name: str, ctx: Context) -> Any:
        for keyword in call.keywords:
            if keyword.arg == name:
                return self.evaluator.plain(keyword.value, ctx)
        return None


class _Rejected(Exception):
    pass


class _ArgumentParser(argparse.ArgumentParser):
    """argparse that raises instead of printing and exiting."""

    def error(self, message: str) -> NoReturn:
        raise _Rejected(message)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        raise _Rejected(message or "exits (e.g. --help or --version)")

    def print_help(self, file: Any = None) -> None:
        return None

    def print_usage(self, file: Any = None) -> None:
        return None


@dataclass(frozen=True)
class _Default:
    dest: str


_MISSING = object()


def read_parser(evaluator: Evaluator, module: ModuleInfo) -> ParserSpec | None:
    """The parser the script builds (the one with the most arguments), or None."""
    parsers: dict[int, Any] = {}
    for site in module.calls:
        if call_name(site.node) != "add_argument" or not isinstance(site.node.func, ast.Attribute):
            continue
        ctx = Context(site.scope, site.at, site.block)
        owner = _owner(evaluator, site.node.func.value, ctx, parsers)
        if isinstance(owner, _Parser):
            owner.arguments.append((site.node, ctx))
    roots = [p for p in parsers.values() if isinstance(p, _Parser) and p.name is None]
    if not roots:
        return None
    root = max(roots, key=_argument_count)
    return ParserSpec(root, evaluator, module)


def _argument_count(parser: _Parser) -> int:
    subs = parser.subparsers.parsers if parser.subparsers else []
    return len(parser.arguments) + sum(_argument_count(p) for p in subs)


def _owner(evaluator: Evaluator, node: ast.expr, ctx: Context, parsers: dict[int, Any]) -> Any:
    if isinstance(node, ast.Name):
        binding, scope = evaluator.lookup(node.id, ctx)
        if binding is None or scope is None:  # lookup gives a binding with its scope
            return None
        if binding.kind != "value" or not isinstance(binding.node, ast.Call):
            return None
        return _owner(evaluator, binding.node, Context(scope, binding.at, binding.block), parsers)
    if not isinstance(node, ast.Call):
        return None
    if id(node) in parsers:
        return parsers[id(node)]
    name = call_name(node)
    made: Any = None
    if name == "ArgumentParser":
        made = _Parser(node, ctx)
    elif name in ("add_argument_group", "add_mutually_exclusive_group") and isinstance(
        node.func, ast.Attribute
    ):
        made = _owner(evaluator, node.func.value, ctx, parsers)
    elif name == "add_subparsers" and isinstance(node.func, ast.Attribute):
        parent = _owner(evaluator, node.func.value, ctx, parsers)
        if isinstance(parent, _Parser):
            made = parent.subparsers = _Subparsers(node, ctx)
    elif name == "add_parser" and isinstance(node.func, ast.Attribute):
        group = _owner(evaluator, node.func.value, ctx, parsers)
        command = evaluator.plain(node.args[0], ctx) if node.args else UNRESOLVED
        if isinstance(group, _Subparsers) and isinstance(command, str):
            made = _Parser(node, ctx, name=command)
            group.parsers.append(made)
    if made is not None:
        parsers[id(node)] = made
    return made


def _flags(parser: argparse.ArgumentParser) -> list[str]:
    flags = [f for action in parser._actions for f in action.option_strings]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                flags += _flags(sub)
    return list(dict.fromkeys(flags))


def _closest(flag: str, parser: argparse.ArgumentParser) -> str | None:
    """The real flag meant: one whose words the typed flag contains (``--num_epochs`` ->
    ``--epochs``, ``--language`` -> ``--lang``), else one that contains them, else the
    closest spelling."""
    name = flag.split("=", 1)[0]
    words = {f.lstrip("-").replace("-", "_"): f for f in _flags(parser) if f.startswith("--")}
    stem = name.lstrip("-").replace("-", "_")
    inside = sorted((w for w in words if len(w) > 1 and w in stem), key=len, reverse=True)
    if inside:
        return words[inside[0]]
    around = sorted((w for w in words if stem and stem in w), key=len)
    if around:
        return words[around[0]]
    close = difflib.get_close_matches(name, _flags(parser), n=1, cutoff=0.5)
    return close[0] if close else None


def _unknown_flags(extras: list[str], parser: argparse.ArgumentParser) -> list[Rejection]:
    """What ``parse_args`` would call "unrecognized arguments": unknown flags (with the
    closest real one), and stray values that no unknown flag took."""
    found = []
    after_flag = False
    for token in extras:
        is_flag = token.startswith("-") and not re.fullmatch(r"-\d+(\.\d*)?", token)
        if token == "--" or (not is_flag and after_flag):
            after_flag = False
            continue
        if not is_flag:
            found.append(Rejection("C901", token, f"unrecognized argument {token!r}"))
            continue
        after_flag = "=" not in token
        flag = token.split("=", 1)[0]
        closest = _closest(token, parser)
        hint = f"; did you mean {closest}?" if closest else ""
        message = f"the script's parser has no {flag}{hint}"
        found.append(Rejection("C901", flag, message, closest))
    return found


_REQUIRED = "the following arguments are required: "


def _classify(error: Exception, parser: argparse.ArgumentParser) -> Rejection:
    text = str(error.message if isinstance(error, argparse.ArgumentError) else error)
    flag = getattr(error, "argument_name", None) or ""
    if text.startswith(_REQUIRED):
        flags = text.removeprefix(_REQUIRED)
        return Rejection("C903", flags.split(",")[0].split("/")[0].strip(), text)
    match = re.match(r"argument ([^:]+): (.*)", text)
    if match:
        flag, text = match.group(1).split("/")[0], match.group(2)
    if "invalid choice" in text:
        return Rejection("C902", flag, f"argument {flag}: {text}")
    return Rejection("C904", flag, f"argument {flag}: {text}" if flag else text)
