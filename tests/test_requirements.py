"""Requirement lines read as pip reads them: the common simple lines split by one regular
expression must give exactly what ``packaging`` (pip's parser) gives; every other line goes
to ``packaging`` itself."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from harness.plan.requirements import SIMPLE_REQUIREMENT, parse_line, read_pins

FILE = Path("requirements.txt")


def _pin(tmp_path: Path, line: str):
    (tmp_path / FILE).write_text(line + "\n", encoding="utf-8")
    [pin] = read_pins(tmp_path)
    return pin


def _as_packaging_reads_it(line: str) -> tuple:
    parsed = Requirement(line)
    name = canonicalize_name(parsed.name)
    return name, frozenset(parsed.extras), str(parsed.specifier), str(parsed)


@settings(
    max_examples=int(os.environ.get("XTTS_HARNESS_FUZZ_EXAMPLES", "200")),
    deadline=None,
    database=None,
    derandomize=True,
)
@given(st.from_regex(SIMPLE_REQUIREMENT, fullmatch=True))
def test_a_simple_line_reads_as_packaging_reads_it(line: str) -> None:
    """Any line the regular expression takes, even ``A.b__C[x,X,x]==01.0``."""
    pin = parse_line(line, FILE, 1)
    assert pin is not None
    assert (pin.name, pin.extras, str(pin.specifier), pin.text) == _as_packaging_reads_it(line)


@pytest.mark.parametrize(
    "line",
    [
        "coqui-tts[languages]==0.24.2",
        "Coqui_TTS[b,a]",
        "six",
        "coqui-tts >= 0.24, < 0.25",
        "torch==2.6.0; python_version >= '3.9'",
        "coqui-tts~=0.24.1",
        "numpy==1.26.*",
        "torch==2.6.0+cu124",
    ],
)
def test_each_line_reads_as_packaging_reads_it(tmp_path: Path, line: str) -> None:
    pin = _pin(tmp_path, line)
    assert (pin.name, pin.extras, str(pin.specifier), pin.text) == _as_packaging_reads_it(line)


@pytest.mark.parametrize("line", ["coqui-tts==", "coqui-tts[==0.24.2", "coqui tts==1.0"])
def test_a_line_packaging_rejects_names_no_package(tmp_path: Path, line: str) -> None:
    (tmp_path / FILE).write_text(line + "\n", encoding="utf-8")
    assert read_pins(tmp_path) == []


def test_a_requirements_file_reads_as_pip_reads_it(tmp_path: Path) -> None:
    # pip: "#" after whitespace (a tab too) starts a comment, a trailing backslash joins
    # the next line, per-requirement options follow the requirement, -r takes its file
    # with or without a space or "=".
    (tmp_path / FILE).write_text(
        "coqui-tts==0.24.2\t# pinned\n"
        "torch==2.1.0 \\\n"
        "    --hash=sha256:abc\n"
        "numpy==1.26.4 --hash=sha256:def\n"
        "-e .\n"
        "-rmore.txt\n"
        "--requirement=other.txt\n",
        encoding="utf-8",
    )
    (tmp_path / "more.txt").write_text("coqui-tts-trainer==0.1.4\n", encoding="utf-8")
    (tmp_path / "other.txt").write_text("torchaudio==2.1.0 # audio\n", encoding="utf-8")
    read = [(pin.name, str(pin.specifier), pin.file.name, pin.line) for pin in read_pins(tmp_path)]
    assert read == [
        ("coqui-tts", "==0.24.2", FILE.name, 1),
        ("torch", "==2.1.0", FILE.name, 2),
        ("numpy", "==1.26.4", FILE.name, 4),
        ("coqui-tts-trainer", "==0.1.4", "more.txt", 1),
        ("torchaudio", "==2.1.0", "other.txt", 1),
    ]
