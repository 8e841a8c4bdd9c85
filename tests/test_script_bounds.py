"""Reading a script is bounded by the script's size, not by the numbers in it, and a file
CPython compiles never gets exit 2 (BOM, coding cookie, CRLF, odd but harmless types)."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from harness.errors import HarnessError
from harness.plan.load import load_plans
from harness.plan.source import Unknown


def _script(tmp_path: Path, body: str, data: bytes | None = None) -> Path:
    path = tmp_path / "train.py"
    if data is not None:
        path.write_bytes(data)
    else:
        path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


HUGE = {
    "repeat": "'a' * 10**10",
    "repeat-list": "[0] * 10**9",
    "spread": "[*[0] * 90000, *[0] * 90000]",
    "sum-of-lists": "sum([[0] * 90000] * 2, [])",
    "format-width": 'f"{1:1000000000}"',
    "power": "7 ** 10**8",
    "huge-int-product": "(10**4000) * (10**4000) * (10**4000)",
}


@pytest.mark.parametrize("expression", HUGE.values(), ids=HUGE.keys())
def test_huge_values_are_unknown_not_computed(tmp_path: Path, expression: str) -> None:
    path = _script(tmp_path, f"X = {expression}\nc = GPTTrainerConfig(run_name=X)\n")
    [plan] = load_plans(path)
    assert isinstance(plan.get("run_name"), Unknown)


def test_a_100k_key_dict_spread_reads_in_linear_time(tmp_path: Path) -> None:
    items = ", ".join(f"'k{i}': {i}" for i in range(100_000))
    path = _script(tmp_path, f"P = {{{items}}}\nc = GPTTrainerConfig(lr=1e-5, **P)\n")
    [plan] = load_plans(path)
    assert plan.get("lr") == 1e-5 and len(plan.unknown_keys) == 100_000


def test_deep_expressions_and_long_integers_give_one_line(tmp_path: Path) -> None:
    deep = _script(tmp_path, "X = " + "-" * 10_000 + "1\nc = GPTTrainerConfig(lr=X)\n")
    try:
        [plan] = load_plans(deep)
        assert isinstance(plan.get("lr"), Unknown)
    except HarnessError as error:
        assert "\n" not in str(error)
    long = _script(tmp_path, "X = " + "1" * 5000 + "\nc = GPTTrainerConfig(lr=X)\n")
    with pytest.raises(HarnessError) as raised:  # CPython refuses it too
        load_plans(long)
    assert "\n" not in str(raised.value) and "4300" in str(raised.value)


def test_bom_cookie_and_crlf_are_read(tmp_path: Path) -> None:
    body = (
        "# -*- coding: latin-1 -*-\r\nNAME = '\xe9t\xe9'\r\nc = GPTTrainerConfig(run_name=NAME)\r\n"
    )
    path = _script(tmp_path, "", body.encode("latin-1"))
    [plan] = load_plans(path)
    assert plan.get("run_name") == "\xe9t\xe9"
    bom = _script(tmp_path, "", b"\xef\xbb\xbfc = GPTTrainerConfig(lr=1e-5)\r\n")
    assert load_plans(bom)[0].get("lr") == 1e-5


def test_a_sibling_module_linked_out_of_the_repository_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text("LR = 1e-3\n", encoding="utf-8")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "pyproject.toml").write_text("", encoding="utf-8")
    os.symlink(outside, repo / "settings.py")
    path = repo / "train.py"
    path.write_text("import settings\nc = GPTTrainerConfig(lr=settings.LR)\n", encoding="utf-8")
    [plan] = load_plans(path)
    assert isinstance(plan.get("lr"), Unknown)
    assert any("outside the repository" in note for note in plan.meta["notes"])


def test_a_trailing_comma_run_description_is_a_note(tmp_path: Path) -> None:
    path = _script(
        tmp_path,
        'c = GPTTrainerConfig(lr=1e-5, run_description="xtts am",)\n'
        'c.run_description = "fine-tune",\n',
    )
    [plan] = load_plans(path)
    assert plan.get("run_description") == ["fine-tune"]
    assert any("harmless" in note for note in plan.meta["notes"])


def test_a_wrong_type_in_a_script_is_an_error_finding_not_exit_2(tmp_path: Path) -> None:
    from harness.rules import run_rules

    path = _script(tmp_path, 'c = GPTTrainerConfig(lr="fast", epochs=10)\n')
    [plan] = load_plans(path)
    findings = [f for f in run_rules(plan) if f.code == "C905"]
    assert [(f.key, f.severity.value) for f in findings] == [("lr", "error")]
    assert findings[0].line == 1
    with pytest.raises(HarnessError):  # a bad --set is still refused with one line
        load_plans(path, overrides=["epochs=ten"])


def test_loader_notes_appear_in_every_output_format(tmp_path: Path, capsys) -> None:
    from harness.cli import main

    outside = tmp_path / "outside.py"
    outside.write_text("LR = 1e-3\n", encoding="utf-8")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "setup.py").write_text("", encoding="utf-8")
    os.symlink(outside, repo / "settings.py")
    script = repo / "train.py"
    script.write_text("import settings\nc = GPTTrainerConfig(lr=settings.LR)\n", encoding="utf-8")
    note = "resolves outside the repository"
    for fmt in ("text", "json", "md", "sarif"):
        main(["lint", str(script), "--format", fmt, "--baseline", "none"])
        out = capsys.readouterr().out
        assert note in " ".join(out.split()), fmt  # the text table may wrap it
    html = tmp_path / "report.html"
    main(["report", str(script), "--baseline", "none", "-o", str(html)])
    assert note in html.read_text(encoding="utf-8")
    assert outside.read_text(encoding="utf-8") == "LR = 1e-3\n"
