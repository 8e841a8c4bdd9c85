"""Model-limit rules (M3xx): lengths and token ids the GPT's tables cannot hold."""

from __future__ import annotations

import math
from collections.abc import Iterator

from harness.findings import Severity
from harness.rules.base import Problem, RuleContext, fmt, rule

ARGS = "model_args."
# GPTArgs defaults that are XTTS v1 values; the v2 release config has 1026/1024/1025, True.
V1_DEFAULTS = {
    "gpt_num_audio_tokens": (8194, 1026),
    "gpt_start_audio_token": (8192, 1024),
    "gpt_stop_audio_token": (8193, 1025),
    "gpt_use_perceiver_resampler": (False, True),
}


@rule(
    "M301",
    "max-text-length-exceeds-position-table",
    Severity.ERROR,
    summary="`max_text_length` lets samples past the text position embedding.",
)
def max_text_length_exceeds_table(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Flags `model_args.max_text_length` (tokens) above `model_args.gpt_max_text_tokens`.

    ## Why is this bad?
    The GPT's text position embedding has `gpt_max_text_tokens + 2` rows (402 + 2 in the
    XTTS v2 release; the 2 are the start and stop tokens). The dataset keeps every sample
    of up to `max_text_length` tokens, so with 512 a sample of 403 to 512 tokens indexes
    past the table: an IndexError on CPU, a device-side assert on GPU, hours into the run
    when the first long sample is drawn. `gpt_max_text_tokens` itself must match the
    checkpoint, so it is `max_text_length` that has to come down.

    ## Example
    ```toml
    [model_args]
    max_text_length = 512
    gpt_max_text_tokens = 402
    ```

    ## Use instead
    ```toml
    [model_args]
    max_text_length = 400
    ```

    ## Evidence
    - `GPT.__init__` (coqui-tts 0.28.0, `TTS/tts/layers/xtts/gpt.py`):
      `max_text_tokens + 2` position rows; the dataset
      (`TTS/tts/layers/xtts/trainer/dataset.py`) filters on `max_text_length`.
    - gokhaneraslan/XTTS_V2 `train.py`@5cf242e sets max_text_length 512
      (https://github.com/gokhaneraslan/XTTS_V2/blob/5cf242e/train.py); @38e3c75 had 200.
    """
    limit, table = (
        ctx.plan.model.max_text_length.integer,
        ctx.plan.model.gpt_max_text_tokens.integer,
    )
    if limit is None or table is None or table < 0 or limit <= table:
        return
    yield Problem(
        f"model_args.max_text_length {limit} is above model_args.gpt_max_text_tokens {table}: "
        f"the text position embedding has {table + 2} rows ({table} + start and stop), so a "
        f"sample of {table + 1} to {limit} tokens indexes past it and the run crashes when "
        "one is drawn",
        key=ARGS + "max_text_length",
        fix=f"set model_args.max_text_length = {table} or lower (longer samples are dropped "
        "by the dataset); keep gpt_max_text_tokens as the checkpoint has it",
    )


@rule(
    "M302",
    "max-wav-length-exceeds-audio-positions",
    Severity.ERROR,
    summary="`max_wav_length` lets clips past the mel (audio-code) position embedding.",
)
def max_wav_length_exceeds_table(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Flags `model_args.max_wav_length` (samples) whose audio codes would not fit the GPT's
    mel position embedding.

    ## Why is this bad?
    The DVAE makes one audio code per `gpt_code_stride_len` (1024) samples, and the GPT
    adds three (start, stop, conditioning), so a clip takes `ceil(wav / 1024) + 3`
    positions out of `gpt_max_audio_tokens + 3` (608 in XTTS v2). Clips are kept up to
    `max_wav_length`, so anything above 605 x 1024 = 619520 samples (28 s at 22050 Hz)
    lets a long clip index past the table and crash the run when it is drawn.

    ## Example
    ```toml
    [model_args]
    max_wav_length = 661500  # 30 s
    ```

    ## Use instead
    ```toml
    [model_args]
    max_wav_length = 255995  # 11.6 s, the recipe's value
    ```

    ## Evidence
    - `GPT.forward` (coqui-tts 0.28.0, `TTS/tts/layers/xtts/gpt.py`):
      `code_lengths = ceil(wav_lengths / code_stride_len) + 3`; `max_mel_tokens + 2 + 1`
      position rows.
    - max_wav_length 255995 in the official recipe and gokhaneraslan/XTTS_V2.
    """
    wav, table = ctx.plan.model.max_wav_length.integer, ctx.plan.model.gpt_max_audio_tokens.integer
    stride = ctx.plan.model.gpt_code_stride_len.integer or 1024
    if wav is None or table is None or table < 0:
        return
    needed = math.ceil(wav / stride) + 3
    if needed <= table + 3:
        return
    rate = ctx.plan.model.sample_rate.number or 22050
    longest = table * stride
    yield Problem(
        f"model_args.max_wav_length {wav} samples needs ceil({wav}/{stride}) + 3 = {needed} "
        f"audio positions but the mel position embedding has gpt_max_audio_tokens + 3 = "
        f"{table + 3}: clips longer than {longest} samples ({longest / rate:.1f} s) index "
        "past it",
        key=ARGS + "max_wav_length",
        fix=f"set model_args.max_wav_length = {longest} or lower (e.g. the recipe's 255995)",
    )


@rule(
    "M303",
    "xtts-v1-audio-token-defaults",
    Severity.ERROR,
    summary="Audio-token settings are left at GPTArgs defaults, which are XTTS v1 values.",
)
def xtts_v1_audio_token_defaults(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Flags `gpt_num_audio_tokens`, `gpt_start_audio_token`, `gpt_stop_audio_token` and
    `gpt_use_perceiver_resampler` that the config leaves at the GPTArgs defaults.

    ## Why is this bad?
    The GPTArgs defaults (8194, 8192, 8193, no perceiver) describe XTTS v1. The v2
    checkpoint has 1026 audio tokens (start 1024, stop 1025) and a perceiver resampler:
    with the defaults, loading it fails with a size mismatch for `gpt.mel_embedding` and
    `gpt.mel_head`, and without the perceiver the conditioning path is not the one the
    checkpoint was trained with. Every v2 recipe sets all four.

    ## Example
    ```toml
    [model_args]
    gpt_layers = 30  # audio-token settings left out
    ```

    ## Use instead
    ```toml
    [model_args]
    gpt_num_audio_tokens = 1026
    gpt_start_audio_token = 1024
    gpt_stop_audio_token = 1025
    gpt_use_perceiver_resampler = true
    ```

    ## Evidence
    - `GPTArgs` / `XttsArgs` defaults (coqui-tts 0.28.0,
      `TTS/tts/layers/xtts/trainer/gpt_trainer.py`, `TTS/tts/models/xtts.py`).
    - The official recipe and gokhaneraslan/XTTS_V2 `train.py`@5cf242e set 1026/1024/1025
      and `gpt_use_perceiver_resampler=True`.
    """
    left = []
    for field in ctx.plan.model.audio_tokens:
        name = field.key.removeprefix(ARGS)
        if not field.explicit and field.value == V1_DEFAULTS[name][0]:
            left.append(name)
    if not left:
        return
    shown = ", ".join(f"{name} {fmt(V1_DEFAULTS[name][0])}" for name in left)
    wanted = ", ".join(f"{ARGS}{name} = {fmt(V1_DEFAULTS[name][1])}" for name in left)
    yield Problem(
        f"left at the GPTArgs defaults, which are XTTS v1 values: {shown}; the XTTS v2 "
        "checkpoint has 1026 audio tokens (start 1024, stop 1025) and a perceiver resampler, "
        "so loading it fails with a size mismatch for gpt.mel_embedding",
        key=ARGS + left[0],
        fix=f"set {wanted}".replace("= False", "= false").replace("= True", "= true"),
    )


@rule(
    "M304",
    "audio-token-out-of-range",
    Severity.ERROR,
    summary="The start or stop audio token id is not below `gpt_num_audio_tokens`.",
)
def audio_token_out_of_range(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Flags `gpt_start_audio_token` or `gpt_stop_audio_token` at or above
    `gpt_num_audio_tokens`.

    ## Why is this bad?
    The mel embedding and the mel head have `gpt_num_audio_tokens` rows; the start and stop
    tokens are rows of it. An id at or above the size indexes past the embedding on the
    first batch. This happens when a config sets `gpt_num_audio_tokens = 1026` for v2 but
    leaves the start/stop ids at the v1 defaults 8192/8193.

    ## Example
    ```toml
    [model_args]
    gpt_num_audio_tokens = 1026
    # start/stop left at 8192/8193
    ```

    ## Use instead
    ```toml
    [model_args]
    gpt_num_audio_tokens = 1026
    gpt_start_audio_token = 1024
    gpt_stop_audio_token = 1025
    ```

    ## Evidence
    - `GPT.__init__` (coqui-tts 0.28.0, `TTS/tts/layers/xtts/gpt.py`):
      `nn.Embedding(self.number_mel_codes, model_dim)`.
    """
    size = ctx.plan.model.gpt_num_audio_tokens.integer
    if size is None:
        return
    for field in (ctx.plan.model.gpt_start_audio_token, ctx.plan.model.gpt_stop_audio_token):
        name, token = field.key.removeprefix(ARGS), field.integer
        if token is not None and token >= size:
            yield Problem(
                f"model_args.{name} {token} is not below model_args.gpt_num_audio_tokens "
                f"{size}: the mel embedding has rows 0 to {size - 1}, so the first batch "
                "indexes past it",
                key=ARGS + name,
                fix=f"set model_args.{name} = {size - 2 if 'start' in name else size - 1} "
                "(the last two ids are start and stop: 1024 and 1025 for v2's 1026)",
            )


@rule(
    "M305",
    "text-vocab-checkpoint-mismatch",
    Severity.ERROR,
    summary="The text vocabulary size differs from the checkpoint's text embedding.",
)
def text_vocab_checkpoint_mismatch(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Compares `model_args.gpt_number_text_tokens` (the vocabulary size, max id + 1) with the
    rows of `gpt.text_embedding` in the checkpoint being fine-tuned (`[plan]
    checkpoint_text_tokens`, 6681 for the XTTS v2 release).

    ## Why is this bad?
    The GPTTrainer recomputes the text-token count from vocab.json and builds the embedding
    and text head to that size, then loads `xtts_checkpoint`. A grown vocabulary (a new
    language) makes that load fail with "size mismatch for gpt.text_embedding.weight ...
    [6681, 1024] ... [N, 1024]" (and for text_head weight and bias); `strict=False` does
    not help. The built-in resize only runs for `gpt_checkpoint`.

    ## Example
    ```toml
    [model_args]
    gpt_number_text_tokens = 7536
    [plan]
    checkpoint_text_tokens = 6681
    ```

    ## Use instead
    Resize a copy of the checkpoint first: append rows to `gpt.text_embedding.weight`,
    `gpt.text_head.weight` and `gpt.text_head.bias` (existing rows unchanged), and point
    `model_args.xtts_checkpoint` at the copy. Never rewrite the original.

    ## Evidence
    - `GPTTrainer.__init__` (coqui-tts 0.28.0, `TTS/tts/layers/xtts/trainer/gpt_trainer.py`).
    - coqui-ai/TTS#3303 (https://github.com/coqui-ai/TTS/issues/3303): new-language vocab.
    """
    vocab = ctx.plan.model.gpt_number_text_tokens.integer
    rows = ctx.plan.model.checkpoint_text_tokens.number
    if vocab is None or rows is None or vocab == int(rows):
        return
    yield Problem(
        f"model_args.gpt_number_text_tokens {vocab} but the checkpoint's gpt.text_embedding "
        f"has {int(rows)} rows: loading xtts_checkpoint fails with 'size mismatch for "
        "gpt.text_embedding.weight' (and text_head weight and bias); strict=False does not "
        "help",
        key=ARGS + "gpt_number_text_tokens",
        fix=f"resize gpt.text_embedding and gpt.text_head to {vocab} rows on a copy of the "
        "checkpoint (append rows, keep the existing ones) and point "
        "model_args.xtts_checkpoint at the copy",
    )
