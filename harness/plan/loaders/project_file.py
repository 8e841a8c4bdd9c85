"""The project's TOML and YAML config format (baselines/, experiments/) -> RawConfig."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from harness.errors import HarnessError
from harness.plan.build import RawConfig
from harness.plan.loaders.bounds import budget_for, check_tree, check_yaml_nodes, value_problem
from harness.plan.loaders.lines import project_keys, toml_lines, yaml_lines
from harness.plan.loaders.text import read_text
from harness.plan.mapping import raw_from_mapping


def load_toml(path: Path, display: str) -> RawConfig:
    import tomllib

    text = read_text(path, display)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise toml_syntax_error(error, display, text) from None
    except (ValueError, RecursionError) as error:  # an integer of 4300+ digits; deep arrays
        raise _value_error(error, display) from None
    check_tree(data, display, budget_for(text))
    return _raw(data, path, display, project_keys(toml_lines(text)))


def load_yaml(path: Path, display: str) -> RawConfig:
    import yaml

    text = read_text(path, display)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:  # one parse gives both the node tree (for line numbers) and the values
        node = loader.get_single_node()
        if node is not None:  # aliases and nesting are checked before anything expands them
            check_yaml_nodes(node, display, budget_for(text))
        data = loader.construct_document(node) if node is not None else {}
    except (ValueError, RecursionError, TypeError) as error:  # a 4300+ digit integer
        raise _value_error(error, display) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise HarnessError(
            f"not valid YAML: {problem}",
            where=_where(display, mark.line + 1 if mark else None),
            fix="correct the syntax at that line (key: value, consistent indentation)",
        ) from None
    finally:
        loader.dispose()
    return _raw(data, path, display, project_keys(yaml_lines(node)) if node else {})


def _raw(data: Any, path: Path, display: str, lines: dict[str, int]) -> RawConfig:
    if not isinstance(data, dict):
        raise HarnessError(
            f"the top level must be a table of settings, not {type(data).__name__}",
            where=display,
            fix="write key = value settings (see baselines/*.toml for the format)",
        )
    if not data:
        raise HarnessError(
            "the config is empty: there is nothing to check",
            where=display,
            fix="write the run's settings (see baselines/*.toml for the format)",
        )
    return raw_from_mapping(data, name=path.stem, path=display, lines=lines)


def _value_error(error: Exception, display: str) -> HarnessError:
    return HarnessError(
        f"a value cannot be read: {value_problem(error)}",
        where=display,
        fix="write numbers of at most a few dozen digits, and values a few levels deep",
    )


def toml_syntax_error(error: Exception, display: str, text: str) -> HarnessError:
    """One line naming the file and line of a TOML syntax error (also "at end of document")."""
    return HarnessError(
        f"not valid TOML: {_toml_problem(error)}",
        where=_where(display, _toml_line(error, text)),
        fix="correct the syntax at that line (key = value; strings in quotes)",
    )


def _toml_line(error: Exception, text: str) -> int | None:
    match = re.search(r"line (\d+)", str(error))
    if match:
        return int(match.group(1))
    if "end of document" in str(error):
        return max(1, len(text.splitlines()))
    return None


def _toml_problem(error: Exception) -> str:
    problem = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(error))
    return problem.replace(" (at end of document)", " at the end of the file") or "syntax error"


def _where(display: str, line: int | None) -> str:
    return f"{display}:{line}" if line else display
