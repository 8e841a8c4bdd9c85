"""The repository scan, pattern by pattern (harness.plan.repository): statically, only files
under the repository root."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from harness.plan.repository import scan_repository


def _scan(tmp_path: Path, script: str, **modules: str) -> dict:
    (tmp_path / "requirements.txt").write_text("")
    for name, body in modules.items():
        path = tmp_path / f"{name.replace('__', '/')}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body))
    entry = tmp_path / "train.py"
    entry.write_text(textwrap.dedent(script))
    return {s.key: s for s in scan_repository(entry, tmp_path)}


def test_tokenizer_patch_by_setattr_in_an_imported_module(tmp_path: Path) -> None:
    facts = _scan(
        tmp_path,
        "import patches.lang\n",
        patches__lang="setattr(VoiceBpeTokenizer, 'preprocess_text', lambda s, t, l: t)\n",
        patches____init__="",
    )
    assert facts["tokenizer"].value == "passthrough"
    assert (facts["tokenizer"].source.file, facts["tokenizer"].source.line) == (
        str(Path("patches") / "lang.py"),
        1,
    )


def test_no_patch_no_tokenizer_fact(tmp_path: Path) -> None:
    assert "tokenizer" not in _scan(tmp_path, "x = VoiceBpeTokenizer.preprocess_text\n")


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (
            """
            def train_step(model, optimizer):
                optimizer.step()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            """,
            "after optimizer.step()",
        ),
        (
            """
            class Callback:
                def on_step(self, trainer):
                    if trainer.model.training:
                        clip_grad_norm_(trainer.model.parameters(), 1.0)
            """,
            "under `if trainer.model.training:`",
        ),
    ],
)
def test_inert_clipping(tmp_path: Path, body: str, why: str) -> None:
    found = _scan(tmp_path, body)["extras.grad_clip_after_optimizer_step"]
    assert found.value is True and why in found.source.key


def test_clipping_before_the_step_is_not_flagged(tmp_path: Path) -> None:
    body = """
    def step(model, optimizer, loss):
        loss.backward()
        clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
    """
    assert "extras.grad_clip_after_optimizer_step" not in _scan(tmp_path, body)


def test_ema_helper_only_called_when_switched_off(tmp_path: Path) -> None:
    body = """
    USE_EMA = False

    def setup_ema(model):
        return AveragedModel(model)

    def main(model):
        if USE_EMA:
            setup_ema(model)
    """
    assert _scan(tmp_path, body)["extras.ema.enabled"].value is False
    assert _scan(tmp_path, body.replace("= False", "= True"))["extras.ema.enabled"].value is True


def test_undecidable_switch_leaves_ema_to_the_loader(tmp_path: Path) -> None:
    body = """
    import sys

    if "--ema" in sys.argv:
        ema = EMAModel(model)
    """
    assert "extras.ema.enabled" not in _scan(tmp_path, body)


def test_dead_and_live_settings(tmp_path: Path) -> None:
    body = """
    GRAD_CLIP_NORM = 1.0
    USE_AMP = True
    MAX_GRAD_NORM = 0.5
    print("clip", GRAD_CLIP_NORM)
    config = GPTTrainerConfig(grad_clip=MAX_GRAD_NORM)
    logger.info(f"amp {USE_AMP}")
    """
    dead = _scan(tmp_path, body)["extras.dead_settings"].value
    assert [(d["name"], d["key"]) for d in dead] == [
        ("GRAD_CLIP_NORM", "grad_clip"),
        ("USE_AMP", "mixed_precision"),
    ]


def test_freezing_paths(tmp_path: Path) -> None:
    body = """
    def freeze(model):
        for p in model.xtts.gpt.gpt.h[0].parameters():
            p.requires_grad = False
        if hasattr(model.xtts, "mel_encoder"):
            model.xtts.mel_encoder.requires_grad_(False)
    """
    paths = _scan(tmp_path, body)["extras.freeze.modules"].value
    assert paths == ["xtts.gpt.gpt.h", "xtts.mel_encoder"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_a_module_linked_from_outside_the_root_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text("VoiceBpeTokenizer.preprocess_text = None\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "patch.py").symlink_to(outside)
    (repo / "train.py").write_text("import patch\n")
    assert "tokenizer" not in {s.key for s in scan_repository(repo / "train.py", repo)}


def test_names_are_found_across_modules_and_in_any_unicode_spelling(tmp_path: Path) -> None:
    """A module is skipped only when it cannot hold the name: Python reads ``ｒequires_grad``
    (a full-width letter) as ``requires_grad``, and so does the scan."""
    facts = _scan(
        tmp_path,
        """
        from helpers import setup_ema, freeze
        from settings import MAX_GRAD_NORM
        USE_EMA = False
        if USE_EMA:
            setup_ema(model)
        freeze(model)
        config = GPTTrainerConfig(grad_clip=ＭAX_GRAD_NORM)
        """,
        helpers="""
        def setup_ema(model):
            return AveragedModel(model)

        def freeze(model):
            for p in model.xtts.mel_encoder.parameters():
                p.ｒequires_grad = False
        """,
        settings="MAX_GRAD_NORM = 0.5\nGRAD_CLIP_NORM = 1.0\n",
    )
    assert facts["extras.ema.enabled"].value is False  # its only call site is switched off
    assert facts["extras.freeze.modules"].value == ["xtts.mel_encoder"]
    assert [d["name"] for d in facts["extras.dead_settings"].value] == ["GRAD_CLIP_NORM"]
