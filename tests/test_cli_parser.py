"""``main`` builds only the parser of the command named first; what a user sees is the same
as with every command's parser built."""

from __future__ import annotations

import contextlib
import io

import pytest

from harness.cli import COMMANDS, build_parser, main


def _help(argv: list[str], parser_of=None) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        if parser_of is None:
            main(argv)
        else:
            parser_of().parse_args(argv)
    return out.getvalue()


@pytest.mark.parametrize("name", COMMANDS)
def test_a_commands_help_is_the_same_as_with_every_parser_built(name: str) -> None:
    word = name.replace("_", "-")
    assert _help([word, "--help"]) == _help([word, "--help"], build_parser)


def test_a_misspelt_command_lists_every_command(capsys) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["vocab_check"])
    assert raised.value.code == 2
    error = capsys.readouterr().err
    assert "'vocab-check'" in error and "'lint'" in error and "'fix'" in error
