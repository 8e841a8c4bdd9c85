"""Rules on what a training script does besides its config (X606, X607; family X)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from harness.findings import Severity
from harness.plan import Field
from harness.rules.base import Problem, RuleContext, fmt, rule


@rule(
    "X606",
    "dead-setting",
    Severity.WARNING,
    summary="A script defines a trainer setting (GRAD_CLIP_NORM, FP16) that never reaches it.",
)
def dead_setting(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Lists `extras.dead_settings`: constants or parameters a training script (or a module
    it imports) defines under a trainer setting's name, such as `GRAD_CLIP_NORM = 1.0` or
    `USE_FP16 = True`, that are never read except to be printed or logged, while the
    config's own value (`grad_clip`, `mixed_precision`) stays something else.

    ## Why is this bad?
    The author believes the run clips gradients or trains in mixed precision; the log even
    prints the value. The trainer only sees `GPTTrainerConfig(grad_clip=...)` and
    `mixed_precision=...`, whose defaults are 0.0 (no clipping) and False.

    ## Example
    ```toml
    [[extras.dead_settings]]
    name = "GRAD_CLIP_NORM"
    value = 1.0
    key = "grad_clip"
    where = "train.py:12"
    ```

    ## Use instead
    ```toml
    grad_clip = 1.0  # GPTTrainerConfig(grad_clip=GRAD_CLIP_NORM)
    ```

    ## Evidence
    - `Trainer.optimize` (coqui-tts-trainer 0.4.0, `trainer/trainer.py`) clips only with
      `config.grad_clip > 0`; mixed precision only from `config.mixed_precision`.
    - Diakonrobel/Amharic_XTTS-V2_TTS (https://github.com/Diakonrobel/Amharic_XTTS-V2_TTS)
      defines clipping and mixed-precision settings the trainer never receives.
    """
    for entry in _entries(ctx):
        if not isinstance(entry, dict) or not entry.get("key"):
            continue
        key, value = str(entry["key"]), entry.get("value")
        # The key is data (the script names the trainer setting it never passes), so it is
        # read by name: no view can know in advance which setting a script leaves dead.
        setting = Field.read(ctx.plan, key)
        if setting.explicit and setting.value == value:
            continue  # the config sets the same value itself
        actual = setting.value
        yield Problem(
            f"{entry.get('name')} = {fmt(value)} ({entry.get('where')}) is never passed to the "
            f"trainer: {key} stays {fmt(actual)}",
            key="extras.dead_settings",
            fix=f"pass it: GPTTrainerConfig({key}={entry.get('name')}), or delete the setting",
        )


def _entries(ctx: RuleContext) -> list[dict]:
    """``extras.dead_settings``: one list from a script, or flattened rows from a file."""
    whole = ctx.plan.extras.dead_settings.value
    if isinstance(whole, list) and whole:
        return [e for e in whole if isinstance(e, dict)]
    rows: dict[int, dict] = {}
    for key, setting in ctx.plan.settings.items():
        match = re.fullmatch(r"extras\.dead_settings\[(\d+)\]\.(\w+)", key)
        if match:
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = setting.value
    return [rows[i] for i in sorted(rows)]


@rule(
    "X607",
    "batch-group-size-ignored",
    Severity.INFO,  # harmless: it only does not do what its author expects
    summary="batch_group_size is set, but GPTTrainer's dataset draws random samples.",
)
def batch_group_size_ignored(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Flags a `batch_group_size` above 0 in an XTTS GPT config.

    ## Why is this bad?
    In other Coqui models `batch_group_size` sorts samples by length into groups to cut
    padding (the official recipe sets 48). The XTTS GPT dataset ignores the index it is
    given and draws a random language and a random sample for every item, so the setting
    changes nothing: padding and memory use are what they would be without it.

    ## Example
    ```toml
    batch_group_size = 48
    ```

    ## Use instead
    ```toml
    batch_group_size = 0
    ```

    ## Evidence
    - `XTTSDataset.__getitem__` (coqui-tts 0.28.0,
      `TTS/tts/layers/xtts/trainer/dataset.py`) picks a random language and sample.
    """
    group = ctx.plan.batching.given.batch_group_size
    value = group.number
    if value is None or value <= 0 or not group.explicit:
        return
    yield Problem(
        f"batch_group_size = {fmt(value)} is ignored: the XTTS GPT dataset draws a random "
        "sample for every item, so no length grouping happens",
        key="batch_group_size",
        fix="remove batch_group_size (or set it to 0)",
    )
