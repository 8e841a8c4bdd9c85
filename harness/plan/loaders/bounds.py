"""Limits every loaded config tree respects, whatever its format.

A config is a few levels deep and a few hundred values wide. What a parser hands back can
be far larger than the file: a YAML alias names a whole subtree again (nine aliases of
nine aliases are a billion values from a few hundred bytes), an alias can contain itself,
and a deep nesting overflows every recursive walk after the parser (flattening, rules,
renderers). So before anything walks a tree, these checks walk it once, iteratively, with a
budget proportional to the file's size: a tree that does not fit is one HarnessError.
"""

from __future__ import annotations

from typing import Any

from harness.errors import HarnessError

MAX_DEPTH = 48  # configs are 3 or 4 levels deep; lists of lists of datasets stay far below
MIN_BUDGET = 10_000  # values a tiny file may still expand to
BUDGET_PER_BYTE = 4  # a value costs at least a byte or two of text; aliases may reuse some
FIX_DEPTH = "write the value flat (a config is a few levels deep)"
FIX_SIZE = "write the values out instead of repeating anchors/aliases"


def budget_for(text: str) -> int:
    """How many values a file of this length may hold once aliases are expanded."""
    return max(MIN_BUDGET, BUDGET_PER_BYTE * len(text))


def check_tree(data: Any, where: str, budget: int) -> None:
    """Raise when ``data`` (dicts, lists, scalars) is too deep, too large, or has a key
    that is not a string."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    seen = 0
    while stack:
        value, depth = stack.pop()
        seen += 1
        if seen > budget:
            raise HarnessError(
                f"expands to more than {budget} values (repeated aliases?)",
                where=where,
                fix=FIX_SIZE,
            )
        if depth > MAX_DEPTH:
            raise HarnessError(
                f"nested more than {MAX_DEPTH} levels deep (or a value contains itself)",
                where=where,
                fix=FIX_DEPTH,
            )
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    raise _key_error(key, where)
                stack.append((item, depth + 1))
        elif isinstance(value, (list, tuple)):
            stack.extend((item, depth + 1) for item in value)


def check_yaml_nodes(node: Any, where: str, budget: int) -> None:
    """The same limits on a composed PyYAML node graph, before anything expands it."""
    import yaml

    stack: list[tuple[Any, int, frozenset[int]]] = [(node, 0, frozenset())]
    seen = 0
    while stack:
        current, depth, above = stack.pop()
        seen += 1
        line = current.start_mark.line + 1
        if id(current) in above:
            raise HarnessError(
                "an alias refers to the value that contains it",
                where=f"{where}:{line}",
                fix="an alias must name a value defined apart from it",
            )
        if seen > budget or depth > MAX_DEPTH:
            deep = depth > MAX_DEPTH
            raise HarnessError(
                f"nested more than {MAX_DEPTH} levels deep"
                if deep
                else f"expands to more than {budget} values (repeated aliases?)",
                where=f"{where}:{line}",
                fix=FIX_DEPTH if deep else FIX_SIZE,
            )
        inside = above | {id(current)}
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                if not _is_string_key(key_node, yaml):
                    raise _key_error(getattr(key_node, "value", "?"), where, key_node)
                stack.append((value_node, depth + 1, inside))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend((item, depth + 1, inside) for item in current.value)


def _is_string_key(node: Any, yaml: Any) -> bool:
    # `<<` merge keys are the only non-str scalar key PyYAML's SafeLoader turns into str keys
    tags = ("tag:yaml.org,2002:str", "tag:yaml.org,2002:merge")
    return isinstance(node, yaml.ScalarNode) and node.tag in tags


def value_problem(error: Exception) -> str:
    """What a parser's ValueError or RecursionError means, in a few words."""
    if isinstance(error, RecursionError):
        return "nested too deep to read"
    text = (str(error).splitlines() or [""])[0]
    if "integer string conversion" in text:
        return "an integer with more than 4300 digits"
    return text[:120] or type(error).__name__


def _key_error(key: Any, where: str, node: Any = None) -> HarnessError:
    if isinstance(key, list):
        shown = "a list"
    elif isinstance(key, str):
        shown = key if len(key) <= 40 else f"{key[:40]}..."
    else:
        shown = repr(key)[:40]
    line = f":{node.start_mark.line + 1}" if node is not None else ""
    return HarnessError(
        f"the key {shown} is not a string (config keys are names)",
        where=f"{where}{line}",
        fix='quote the key ("1": ...) or write it as a name',
    )
