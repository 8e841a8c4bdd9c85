"""Defaults of the GPTTrainerConfig chain, kept as data per library version.

Linting must not import torch, TTS or trainer (``import TTS`` alone takes seconds), so
the defaults live in JSON tables under ``harness/plan/defaults/``, one per coqui-tts
version, made by ``python -m harness.plan.defaults_dump`` and checked against the
installed library by ``tests/test_defaults_table.py``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from harness.errors import HarnessError

TABLE_DIR = Path(__file__).with_name("defaults")
LATEST = "coqui-tts 0.28.0"
SCHEDULER_STATE_SINCE = (0, 27)  # coqui-tts 0.27 / trainer 0.3 save scheduler state


@dataclass(frozen=True)
class DefaultsTable:
    """One library version's defaults: flat config keys, trainer args, and facts."""

    library: str  # "coqui-tts 0.28.0"
    trainer: str  # "coqui-tts-trainer 0.4.0"
    config: dict[str, Any]  # GPTTrainerConfig() flattened; dict-valued fields stay leaves
    dict_fields: frozenset[str]  # fields an explicit value replaces whole (optimizer_params)
    trainer_args: dict[str, Any]  # TrainerArgs defaults (grad_accum_steps)
    tokenizer_languages: tuple[str, ...]  # languages VoiceBpeTokenizer.preprocess_text accepts
    saves_scheduler_state: bool  # False before coqui-tts 0.27 / trainer 0.3 (coqui-ai/TTS#1039)

    @property
    def roots(self) -> frozenset[str]:
        from harness.plan.flatten import root_of

        return frozenset(root_of(key) for key in self.config)


def table_name(library: str) -> str:
    return library.replace(" ", "-") + ".json"


def available() -> list[str]:
    return sorted(
        json.loads(p.read_text(encoding="utf-8"))["library"] for p in TABLE_DIR.glob("*.json")
    )


@cache
def load_table(library: str = LATEST) -> DefaultsTable:
    path = TABLE_DIR / table_name(normalize_library(library))
    if not path.exists():
        raise HarnessError(
            f"no defaults table for {library!r}",
            where="meta.library",
            fix=f"use one of: {', '.join(available())}",
        )
    data = json.loads(path.read_text(encoding="utf-8"))
    return DefaultsTable(
        library=data["library"],
        trainer=data["trainer"],
        config=data["config"],
        dict_fields=frozenset(data["dict_fields"]),
        trainer_args=data["trainer_args"],
        tokenizer_languages=tuple(data["tokenizer_languages"]),
        saves_scheduler_state=data["saves_scheduler_state"],
    )


def normalize_library(text: str) -> str:
    """Accept "coqui-tts==0.28.0", "TTS 0.22.0", "coqui-tts 0.28" and similar spellings.

    "TTS" is the original coqui-ai package (last release 0.22.0); "coqui-tts" is the idiap
    fork, whose version numbers restarted at 0.22 too, so the two names stay distinct.
    """
    cleaned = text.strip().replace("==", " ").replace("@", " ")
    name, _, version = cleaned.partition(" ")
    name = {"tts": "TTS", "coqui-tts": "coqui-tts", "coqui_tts": "coqui-tts"}.get(
        name.lower(), name
    )
    version = version.strip()
    if version.count(".") == 1:
        version += ".0"
    return f"{name} {version}".strip()
