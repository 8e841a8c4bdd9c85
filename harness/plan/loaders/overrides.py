"""``--set KEY=VALUE`` overrides on top of any loaded config.

Keys are dotted coqpit paths (``model_args.max_text_length``, ``lr_scheduler_params.milestones``)
or plan facts (``grad_accum_steps``, ``dataset_size``). The spellings of the headless training
CLIs (xtts-finetune-webui's ``--num_epochs``, ``--grad_acumm``, ``--max_audio_length`` in
seconds) are accepted too, so a command line can be copied over as it was run.

Values are read as JSON (``[1,2,3]``, ``1e-5``, ``true``, ``Infinity``), then as a TOML value
(``'text'``, ``5e-6``, ``inf``, ``{ a = 1 }``), then as a Python literal (``True``, ``(1, 2)``);
a plain word stays a string.
"""

from __future__ import annotations

import ast
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from harness.errors import HarnessError
from harness.plan.build import RawConfig
from harness.plan.flatten import flatten
from harness.plan.loaders.bounds import budget_for, check_tree
from harness.plan.source import Setting, Source

OVERRIDE_FILE = "--set"
WEBUI_SAMPLE_RATE = 22050  # xtts-finetune-webui converts seconds with a fixed 22050


def _seconds_to_samples(value: Any, key: str) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 600:
        raise HarnessError(
            f"{key}={value!r} is not a length in seconds",
            where=OVERRIDE_FILE,
            fix=f"{key} is the headless CLI's seconds (e.g. {key}=11); give samples with "
            "model_args.max_wav_length=N",
        )
    return int(value * WEBUI_SAMPLE_RATE)


# Headless CLI spelling -> (plan key, conversion)
ALIASES: dict[str, tuple[str, Callable[[Any, str], Any] | None]] = {
    "num_epochs": ("epochs", None),
    "grad_acumm": ("grad_accum_steps", None),
    "grad_accum": ("grad_accum_steps", None),
    "gradient_accumulation_steps": ("grad_accum_steps", None),
    "learning_rate": ("lr", None),
    "weight_decay": ("optimizer_params.weight_decay", None),
    "max_text_length": ("model_args.max_text_length", None),
    "max_audio_length": ("model_args.max_wav_length", _seconds_to_samples),
    "lang": ("datasets[0].language", None),  # the CLI's --lang is the dataset's language
}
_KEY = r"^[A-Za-z_]\w*(\[\d+\])?(\.[A-Za-z_]\w*(\[\d+\])?)*$"
_WORDS = {"true": True, "false": False, "none": None, "null": None, "inf": math.inf}
_WORDS |= {"infinity": math.inf, "-inf": -math.inf, "-infinity": -math.inf, "nan": math.nan}


def apply_overrides(raw: RawConfig, overrides: Sequence[str]) -> RawConfig:
    """A copy of ``raw`` with each ``KEY=VALUE`` applied in order (later ones win)."""
    settings = list(raw.settings)
    for text in overrides:
        for setting in parse_override(text):
            settings = [s for s in settings if not _overlaps(s.key, setting.key)]
            settings.append(setting)
    return replace(raw, settings=settings)


def parse_override(text: str) -> list[Setting]:
    """``KEY=VALUE`` -> the settings it sets (a dict value sets each of its keys)."""
    written, sep, raw_value = text.partition("=")
    written = written.strip().lstrip("-")
    if not sep:
        raise HarnessError(
            f"override {text!r} has no '='",
            where=OVERRIDE_FILE,
            fix="write KEY=VALUE, e.g. --set lr=1e-5 or --set model_args.max_text_length=300",
        )
    if not re.match(_KEY, written):
        raise HarnessError(
            f"{written!r} is not a config key",
            where=OVERRIDE_FILE,
            fix="use a dotted key such as lr_scheduler_params.milestones or grad_accum_steps",
        )
    value = parse_value(raw_value, written)
    check_tree(value, f"{OVERRIDE_FILE} {written}", budget_for(raw_value))
    key, convert = ALIASES.get(written, (written, None))
    if convert is not None:
        value = convert(value, written)
    source = Source(file=OVERRIDE_FILE, key=written)
    if (isinstance(value, dict) and value) or _is_list_of_dicts(value):
        return [Setting(k, v, source) for k, v in flatten(value, key).items()]
    return [Setting(key, value, source)]


def parse_value(text: str, key: str = "value") -> Any:
    text = text.strip()
    if not text:
        raise HarnessError(
            f"{key}= has no value",
            where=OVERRIDE_FILE,
            fix=f'give one, e.g. {key}=5e-6, {key}=[1,2,3], {key}=true or {key}="text"',
        )
    for read in (json.loads, _toml_value, _word, ast.literal_eval):
        try:
            return read(text)
        except (ValueError, SyntaxError, TypeError, KeyError, MemoryError, RecursionError):
            continue
    if text[0] in "[{(\"'":
        raise HarnessError(
            f"cannot read the value of {key}: {text}",
            where=OVERRIDE_FILE,
            fix='write it as JSON, e.g. [50000, 150000] or {"gamma": 0.5} or "text"',
        )
    return text  # a plain word: a string such as MultiStepLR or am


def _toml_value(text: str) -> Any:
    import tomllib

    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError as error:
        raise ValueError(str(error)) from None


def _word(text: str) -> Any:
    return _WORDS[text.lower()]


def _is_list_of_dicts(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _overlaps(existing: str, key: str) -> bool:
    """The override replaces the same key, its sub-keys, and a leaf above it."""
    if existing == key:
        return True
    return any(
        a.startswith(b + ".") or a.startswith(b + "[")
        for a, b in ((existing, key), (key, existing))
    )
