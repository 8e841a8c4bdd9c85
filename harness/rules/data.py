"""Language and data rules (L4xx): what the stock tokenizer and dataset will do to samples."""

from __future__ import annotations

from collections.abc import Iterator

from harness.findings import Severity
from harness.plan.defaults import load_table
from harness.rules.base import Problem, RuleContext, rule


def _languages(ctx: RuleContext) -> Iterator[tuple[str, str]]:
    """(key, language) of the plan's language fact and of every dataset entry."""
    for key, setting in ctx.plan.settings.items():
        is_dataset_language = key.startswith("datasets[") and key.endswith("].language")
        if (key == "language" or is_dataset_language) and isinstance(setting.value, str):
            yield key, setting.value


@rule(
    "L401",
    "language-not-in-tokenizer",
    Severity.ERROR,
    summary="The training language is not one the stock XTTS tokenizer can encode.",
)
def language_not_in_tokenizer(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Checks the training language (`[plan] language` and every `datasets[i].language`)
    against the languages `VoiceBpeTokenizer.preprocess_text` of the plan's coqui-tts
    version accepts (ar cs de en es fr hi hu it nl pl pt ru tr zh ko ja in 0.28.0; a
    region such as `zh-cn` is stripped first). Where the run's tokenizer accepts any
    language (plan fact `tokenizer = "passthrough"`: the script assigns
    `VoiceBpeTokenizer.preprocess_text`, or a vendored `TTS/` tokenizer falls back), the
    finding is only an info note naming where.

    ## Why is this bad?
    For any other language (`am`, Amharic, say) `preprocess_text` raises
    NotImplementedError. The XTTS dataset loads samples inside a bare `except`, so every
    such sample is dropped **silently** (logged only with `debug_loading_failures`). With
    all-Amharic data, training ends in a RecursionError and evaluation in "Total eval
    samples after filtering: 0". Characters missing from the vocabulary become [UNK], which
    the dataset also rejects silently.

    ## Example
    ```toml
    [plan]
    language = "am"
    ```

    ## Use instead
    Train with a tokenizer fork that handles the language: a `preprocess_text` branch for
    `am`, a vocabulary extended by appending (existing ids unchanged) with a `[am]` added
    token, Ethiopic characters and BPE merges; then run `xtts-harness vocab-check` and
    `xtts-harness audit` on the data. Declare the fork with `[meta] tokenizer =
    "passthrough"` (or `--tokenizer passthrough`), so that the config verdict and the dataset
    audit agree: L401 is then an info note naming where the declaration comes from.

    ## Evidence
    - `VoiceBpeTokenizer.preprocess_text` (coqui-tts 0.28.0,
      `TTS/tts/layers/xtts/tokenizer.py`); `XTTSDataset.__getitem__`
      (`TTS/tts/layers/xtts/trainer/dataset.py`).
    - coqui-ai/TTS#3303, #3229, #3198 (https://github.com/coqui-ai/TTS/issues/3303,
      https://github.com/coqui-ai/TTS/issues/3229, https://github.com/coqui-ai/TTS/issues/3198).
    """
    supported = load_table(ctx.plan.library).tokenizer_languages
    keys_by_language: dict[str, list[str]] = {}
    for key, language in _languages(ctx):
        if language.split("-")[0] not in supported:
            keys_by_language.setdefault(language, []).append(key)
    passthrough = _passthrough_source(ctx)
    for language, keys in keys_by_language.items():
        verb = "is" if len(keys) == 1 else "are"
        if passthrough is not None:
            yield _passthrough_note(ctx, keys, verb, language, passthrough)
            continue
        yield Problem(
            f"{' and '.join(keys)} {verb} {language!r}, which the stock XTTS tokenizer of "
            f"{ctx.plan.library} cannot encode (it accepts {' '.join(supported)}): "
            "preprocess_text raises NotImplementedError and the dataset drops every such "
            "sample silently, ending in a RecursionError and 'Total eval samples after "
            "filtering: 0'",
            key=keys[0],
            fix=f"train with a tokenizer fork that handles {language!r} (a preprocess_text "
            f"branch, a [{language}] token and BPE merges appended to vocab.json), declare it "
            '([meta] tokenizer = "passthrough" or --tokenizer passthrough) and check '
            "it with `xtts-harness vocab-check`",
        )


def _passthrough_note(
    ctx: RuleContext, keys: list[str], verb: str, language: str, where: str
) -> Problem:
    """The run trains with a tokenizer that accepts any language: only say where."""
    return Problem(
        f"{' and '.join(keys)} {verb} {language!r}, which the stock XTTS tokenizer of "
        f"{ctx.plan.library} rejects, but this run trains with a passthrough tokenizer "
        f"that accepts any language ({where})",
        key=keys[0],
        fix=f"make sure vocab.json covers {language!r} (a [{language}] token and BPE merges): "
        "`xtts-harness vocab-check`, then `xtts-harness audit --tokenizer passthrough`",
        severity=Severity.INFO,
    )


def _passthrough_source(ctx: RuleContext) -> str | None:
    """Where the plan says it trains with a passthrough tokenizer, or None (stock)."""
    setting = ctx.plan.data.tokenizer
    if setting.source is None or setting.raw != "passthrough":
        return None
    if setting.source.file == "--set":  # --tokenizer passthrough becomes this override
        return "--tokenizer passthrough on the command line"
    return f'tokenizer = "passthrough" in {setting.source}'
