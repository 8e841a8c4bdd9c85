"""Line numbers of keys in TOML, JSON and YAML text, as dotted paths (``datasets[0].language``).

The standard parsers return values without positions, so these small scanners find where each
key is written. Paths are the file's own nesting; a leaf inside an inline table or a one-line
dict has no entry of its own, and takes the line of the nearest parent that has one.
"""

from __future__ import annotations

from collections.abc import Mapping

from harness.plan.flatten import parent_keys


def line_of(key: str, lines: Mapping[str, int]) -> int | None:
    """The line of ``key``, or of its nearest parent written in the file."""
    for candidate in (key, *parent_keys(key)):
        if candidate in lines:
            return lines[candidate]
    return None


# --- TOML -------------------------------------------------------------------------------


def toml_lines(text: str) -> dict[str, int]:
    """Key path -> line for a TOML document (tables, arrays of tables, dotted keys)."""
    lines: dict[str, int] = {}
    table = ""
    array_counts: dict[str, int] = {}
    open_string: str | None = None
    depth = 0
    for number, raw in enumerate(text.splitlines(), 1):
        if open_string:  # inside a multi-line string
            if raw.count(open_string) % 2 == 1:
                open_string = None
            continue
        line = _strip_toml_comment(raw).strip()
        if depth > 0:  # continuation of a multi-line array
            depth = max(depth + _bracket_balance(line), 0)
            continue
        if not line:
            continue
        if line.startswith("[["):
            name = _join_key(line[2 : line.index("]]")])
            index = array_counts[name] = array_counts.get(name, -1) + 1
            table = f"{name}[{index}]"
            lines.setdefault(name, number)
            lines[table] = number
        elif line.startswith("["):
            table = _join_key(line[1 : line.index("]")])
            lines.setdefault(table, number)
        elif "=" in line:
            key, value = _split_assignment(line)
            path = f"{table}.{_join_key(key)}" if table else _join_key(key)
            for parent in reversed(parent_keys(path)):
                lines.setdefault(parent, number)
            lines[path] = number
            open_string = _opens_multiline_string(value)
            depth = max(_bracket_balance(value), 0)
    return lines


def _strip_toml_comment(line: str) -> str:
    quote = None
    for index, char in enumerate(line):
        if quote:
            if char == quote and (quote == "'" or line[index - 1] != "\\"):
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "#":
            return line[:index]
    return line


def _split_assignment(line: str) -> tuple[str, str]:
    quote = None
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "=":
            return line[:index], line[index + 1 :].strip()
    return line, ""


def _join_key(text: str) -> str:
    """``a . "b.c"`` -> ``a.b.c`` (quoted parts keep their dots; good enough for paths)."""
    parts, current, quote = [], "", None
    for char in text:
        if quote:
            if char == quote:
                quote = None
            else:
                current += char
        elif char in "\"'":
            quote = char
        elif char == ".":
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return ".".join(parts)


def _opens_multiline_string(value: str) -> str | None:
    for fence in ('"""', "'''"):
        if value.startswith(fence) and value.count(fence) == 1:
            return fence
    return None


def _bracket_balance(text: str) -> int:
    balance, quote = 0, None
    for index, char in enumerate(text):
        if quote:
            if char == quote and (quote == "'" or text[index - 1] != "\\"):
                quote = None
        elif char in "\"'":
            quote = char
        elif char in "[{":
            balance += 1
        elif char in "]}":
            balance -= 1
    return balance


# --- JSON -------------------------------------------------------------------------------


def json_lines(text: str) -> dict[str, int]:
    """Key path -> line for a JSON document (objects give ``.key``, arrays ``[i]``)."""
    lines: dict[str, int] = {}
    stack: list[list] = []  # frames: ["obj", key] or ["arr", index]
    line, index, size = 1, 0, len(text)
    while index < size:
        char = text[index]
        if char == "\n":
            line += 1
        elif char == '"':
            end = _string_end(text, index)
            if stack and stack[-1][0] == "obj" and _next_char(text, end + 1) == ":":
                stack[-1][1] = text[index + 1 : end]
                lines.setdefault(_json_path(stack), line)
            index = end
        elif char in "{[":
            stack.append(["obj", None] if char == "{" else ["arr", 0])
        elif char in "}]":
            if stack:
                stack.pop()
        elif char == "," and stack:
            if stack[-1][0] == "arr":
                stack[-1][1] += 1
            else:
                stack[-1][1] = None
        index += 1
    return lines


def _string_end(text: str, start: int) -> int:
    index = start + 1
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text[index] == '"':
            return index
        index += 1
    return len(text) - 1


def _next_char(text: str, start: int) -> str:
    for char in text[start:]:
        if not char.isspace():
            return char
    return ""


def _json_path(stack: list[list]) -> str:
    path = ""
    for kind, value in stack:
        if kind == "arr":
            path += f"[{value}]"
        elif value is not None:
            path += f".{value}" if path else str(value)
    return path


# --- YAML -------------------------------------------------------------------------------


def yaml_lines(node, prefix: str = "") -> dict[str, int]:
    """Key path -> line from a composed PyYAML node tree (``yaml.compose``)."""
    import yaml

    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            path = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
            lines[path] = key_node.start_mark.line + 1
            lines.update(yaml_lines(value_node, path))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            path = f"{prefix}[{index}]"
            lines[path] = item.start_mark.line + 1
            lines.update(yaml_lines(item, path))
    return lines


def project_keys(lines: Mapping[str, int]) -> dict[str, int]:
    """File paths -> the keys the project format flattens to: [trainer]/[plan] lose their
    prefix (``trainer.grad_accum_steps`` -> ``grad_accum_steps``), [meta] is not config."""
    out: dict[str, int] = {}
    for path, line in lines.items():
        head, _, rest = path.partition(".")
        if head == "meta":
            if rest == "tokenizer":  # the one [meta] key that is a plan fact
                out.setdefault(rest, line)
            continue
        if head in ("trainer", "plan"):
            if rest:
                out.setdefault(rest, line)
            continue
        out[path] = line
    return out
