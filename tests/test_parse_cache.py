"""One load parses each file once and reads its repository once; the next load reads again."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from harness.errors import HarnessError
from harness.plan.load import load_plans
from harness.plan.loaders.parse_cache import ParseCache, ParsedFile

TRAIN = """
import os
from helpers import freeze

def main(model):
    if os.environ.get("SMALL"):
        config = GPTTrainerConfig(epochs=10, batch_size=4, lr=5e-06)
    else:
        config = GPTTrainerConfig(epochs=10, batch_size=4, lr=2e-06)
    freeze(model)

main(None)
"""
HELPERS = """
def freeze(model):
    for p in model.xtts.mel_encoder.parameters():
        p.requires_grad = False
"""


def _repo(tmp_path: Path, train: str = TRAIN) -> Path:
    (tmp_path / "requirements.txt").write_text("coqui-tts==0.24.2\n")
    (tmp_path / "helpers.py").write_text(textwrap.dedent(HELPERS))
    entry = tmp_path / "train.py"
    entry.write_text(textwrap.dedent(train))
    return entry


def test_every_path_gets_the_repository_facts(tmp_path: Path) -> None:
    plans = load_plans(_repo(tmp_path))
    assert len(plans) == 2  # the undecidable os.environ test: one plan per path
    for plan in plans:
        assert plan.get("extras.freeze.modules") == ["xtts.mel_encoder"]
        assert plan.library == "coqui-tts 0.24.2"


def test_a_file_rewritten_between_two_loads_is_read_again(tmp_path: Path) -> None:
    entry = _repo(tmp_path)
    assert load_plans(entry)[0].get("extras.freeze.modules") == ["xtts.mel_encoder"]
    helpers = tmp_path / "helpers.py"
    helpers.write_text(helpers.read_text().replace("mel_encoder", "gpt.text_embedding"))
    assert load_plans(entry)[0].get("extras.freeze.modules") == ["xtts.gpt.text_embedding"]


def test_one_file_under_two_spellings_is_parsed_once(tmp_path: Path) -> None:
    entry = _repo(tmp_path)
    cache = ParseCache()
    first = cache.parse(entry, "train.py")
    assert cache.parse(tmp_path / "." / "train.py", "train.py") is first


def test_a_file_that_does_not_parse_names_each_asker(tmp_path: Path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("def (:\n")
    cache = ParseCache()
    for display in ("broken.py", "utils/broken.py"):
        with pytest.raises(HarnessError) as raised:
            cache.parse(broken, display)
        assert raised.value.where.startswith(display)


def test_nodes_come_in_ast_walk_order_with_their_parents(tmp_path: Path) -> None:
    entry = _repo(tmp_path)
    parsed = ParseCache().parse(entry, "train.py")
    walked = list(ast.walk(parsed.tree))
    assert len(parsed.nodes) == len(walked)
    assert all(a is b for a, b in zip(parsed.nodes, walked, strict=True))
    for node in walked:
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, ast.expr_context):  # Load/Store: one shared instance
                assert parsed.parents[id(child)] is node
    assert parsed.of(ast.Call) == [n for n in walked if isinstance(n, ast.Call)]
    mixed = parsed.of(ast.Assign, ast.Call, ast.stmt)  # base classes select as isinstance does
    assert mixed == [n for n in walked if isinstance(n, (ast.Assign, ast.Call, ast.stmt))]


EVERY_STATEMENT_HOLDER = """
import a
def f():
    import b
    class C:
        import c
    try:
        import d
    except E:
        import e
    else:
        import f
    finally:
        import g
    for x in y:
        import h
    else:
        import i
    while x:
        import j
    with x:
        from . import k
    match x:
        case 1:
            import l
    if x:
        import m
    else:
        import n
async def g():
    async for x in y:
        import o
    async with x:
        import p
try:
    pass
except* E:
    import q
lam = lambda: 1 if x else 2
"""


def test_statements_alone_come_in_ast_walk_order() -> None:
    """Selecting statement types walks only the statement tree: the same nodes, in the same
    order, as the whole walk; on a file with every kind of statement body and on the
    harness's own modules."""
    root = Path(__file__).resolve().parents[1] / "harness"
    sources = [EVERY_STATEMENT_HOLDER, *(p.read_text("utf-8") for p in root.rglob("*.py"))]
    for text in sources:
        tree = ast.parse(text)
        for types in ((ast.Import, ast.ImportFrom), (ast.stmt,), (ast.FunctionDef, ast.If)):
            walked = [n for n in ast.walk(tree) if isinstance(n, types)]
            assert ParsedFile(text, tree).of(*types) == walked
