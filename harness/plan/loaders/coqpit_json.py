"""A coqpit JSON config as the Coqui Trainer writes it (a run folder's config.json) -> RawConfig.

The file is a flat dump of GPTTrainerConfig with nested ``model_args``, ``audio`` and
``datasets``; Python's json reads the ``Infinity`` and ``NaN`` coqpit writes for
``max_audio_len`` and similar fields. ``grad_accum_steps`` is a TrainerArgs field and is
never in it (docs/xtts-facts.md section 5): give it with ``--set grad_accum_steps=N``.
"""

from __future__ import annotations

import json
from pathlib import Path

from harness.errors import HarnessError
from harness.plan.build import RawConfig
from harness.plan.flatten import flatten
from harness.plan.loaders.bounds import budget_for, check_tree, value_problem
from harness.plan.loaders.lines import json_lines, line_of
from harness.plan.loaders.text import read_text
from harness.plan.source import Setting, Source


def load_json(path: Path, display: str) -> RawConfig:
    text = read_text(path, display)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise HarnessError(
            f"not valid JSON: {error.msg} (column {error.colno})",
            where=f"{display}:{error.lineno}",
            fix="correct the syntax at that line (a trailing comma or a missing quote?)",
        ) from None
    except (ValueError, RecursionError) as error:  # an integer of 4300+ digits; deep nesting
        raise HarnessError(
            f"a value cannot be read: {value_problem(error)}",
            where=display,
            fix="write numbers of at most a few dozen digits, and values a few levels deep",
        ) from None
    check_tree(data, display, budget_for(text))
    if not isinstance(data, dict):
        raise HarnessError(
            f"the top level must be a JSON object of config fields, not {type(data).__name__}",
            where=display,
            fix="point at the config.json a Coqui training run writes",
        )
    if not data:
        raise HarnessError(
            "the config is empty: there is nothing to check",
            where=display,
            fix="point at the config.json a Coqui training run writes",
        )
    lines = json_lines(text)
    settings = [
        Setting(key, value, Source(file=display, key=key, line=line_of(key, lines)))
        for key, value in flatten(data).items()
    ]
    return RawConfig(name=_name(path), path=display, settings=settings)


def _name(path: Path) -> str:
    # A run folder's config.json is best named after its folder (run-November-24-2025_...).
    return path.parent.name if path.name == "config.json" and path.parent.name else path.stem
