"""Optimizer rules (O2xx): learning rate, weight decay, the optimizer factory, clipping."""

from __future__ import annotations

import math
from collections.abc import Iterator

from harness.findings import Severity
from harness.rules.base import Problem, RuleContext, fmt, rule

FAR = 3.0  # a ratio at or beyond 3x (or 1/3) is far from the reference


def _ratio_text(value: float, reference: float) -> str:
    ratio = value / reference
    return f"{fmt(round(ratio, 2))}x" if ratio >= 1 else f"1/{fmt(round(1 / ratio, 2))}"


@rule(
    "O201",
    "lr-far-from-reference",
    Severity.WARNING,
    summary="The learning rate is 3x or more away from the reference config's.",
)
def lr_far_from_reference(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Compares `lr` with the reference config's (`--baseline`) and flags a ratio of 3 or more
    in either direction. Runs only when there is a reference.

    ## Why is this bad?
    Every public XTTS v2 fine-tuning config (the official recipe, gokhaneraslan/XTTS_V2,
    xtts-finetune-webui) uses 5e-06 with AdamW. A learning rate several times larger can
    wreck the pretrained GPT within a few hundred steps; several times smaller can leave it
    untouched for the whole run. Either may be right for a new language, but it is a bet
    that should be backed by a short ablation, not made silently.

    ## Example
    ```toml
    lr = 2e-05  # reference: 5e-06
    ```

    ## Use instead
    ```toml
    lr = 5e-06
    ```
    or run `xtts-harness ablate` with an lr axis and keep the value it supports.

    ## Evidence
    - lr 5e-06 in the official recipe (idiap/coqui-ai-TTS
      `recipes/ljspeech/xtts_v2/train_gpt_xtts.py`), gokhaneraslan/XTTS_V2 `train.py`@5cf242e
      and daswer123/xtts-finetune-webui `utils/gpt_train.py`@abe1201.
    - https://github.com/idiap/coqui-ai-TTS/blob/main/recipes/ljspeech/xtts_v2/train_gpt_xtts.py
    - https://github.com/gokhaneraslan/XTTS_V2/blob/5cf242e/train.py
    - https://github.com/daswer123/xtts-finetune-webui/blob/abe1201/utils/gpt_train.py
    """
    if ctx.reference is None:
        return
    value, reference = ctx.plan.optimizer.lr.number, ctx.reference.optimizer.lr.number
    if not value or not reference or 1 / FAR < value / reference < FAR:
        return
    yield Problem(
        f"lr {fmt(value)} is {_ratio_text(value, reference)} the reference's {fmt(reference)} "
        f"({ctx.reference.name})",
        key="lr",
        fix=f"use lr = {fmt(reference)} as the reference does, or back {fmt(value)} with an "
        "lr ablation (`xtts-harness ablate`)",
    )


@rule(
    "O202",
    "weight-decay-far-from-reference",
    Severity.WARNING,
    summary="Weight decay is 3x or more away from the reference's, or on where it is off.",
)
def weight_decay_far_from_reference(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Compares the optimizer's weight decay (`optimizer_params.weight_decay`, or the
    optimizer's own default when it is left out) with the reference config's and flags a
    ratio of 3 or more, or decay on one side only. Runs only when there is a reference.

    ## Why is this bad?
    With AdamW the decay pulls every decayed weight toward zero by `lr * weight_decay` each
    optimizer step, independent of the gradient. The reference configs use 1e-2; a fork
    that uses 5e-2 shrinks the pretrained weights five times faster, which is a change of
    the model's prior, not a tuning detail.

    ## Example
    ```toml
    [optimizer_params]
    weight_decay = 0.05  # reference: 0.01
    ```

    ## Use instead
    ```toml
    [optimizer_params]
    weight_decay = 0.01
    ```

    ## Evidence
    - weight_decay 1e-2 with AdamW in the official recipe, gokhaneraslan/XTTS_V2
      `train.py`@5cf242e and daswer123/xtts-finetune-webui `utils/gpt_train.py`@abe1201.
    - https://github.com/idiap/coqui-ai-TTS/blob/main/recipes/ljspeech/xtts_v2/train_gpt_xtts.py
    - https://github.com/gokhaneraslan/XTTS_V2/blob/5cf242e/train.py
    - https://github.com/daswer123/xtts-finetune-webui/blob/abe1201/utils/gpt_train.py
    - torch.optim.AdamW's default weight_decay is 1e-2; Adam's and TTS's RAdam's are 0.
    """
    if ctx.reference is None:
        return
    value, reference = ctx.plan.optimizer.weight_decay, ctx.reference.optimizer.weight_decay
    if value is None or reference is None or value == reference:
        return
    if value and reference and 1 / FAR < value / reference < FAR:
        return
    if value and reference:
        relation = f"is {_ratio_text(value, reference)} the reference's {fmt(reference)}"
    else:
        relation = f"but the reference's is {fmt(reference)}"
    yield Problem(
        f"weight decay {fmt(value)} {relation} ({ctx.reference.name})",
        key="optimizer_params.weight_decay",
        fix=f"use optimizer_params.weight_decay = {fmt(reference)} as the reference does, or "
        "back the change with a weight-decay ablation (`xtts-harness ablate`)",
    )


@rule(
    "O203",
    "optimizer-left-at-radam",
    Severity.WARNING,
    summary="`optimizer` is not set, so GPTTrainerConfig's default RAdam is used, not AdamW.",
)
def optimizer_left_at_radam(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Flags a config that does not set `optimizer`, so the GPTTrainerConfig default applies.

    ## Why is this bad?
    The default is `"radam"` (TTS's own RAdam, weight decay 0), while every XTTS v2
    fine-tuning config trains with AdamW (betas [0.9, 0.96], eps 1e-8, weight decay 1e-2).
    A config that drops the line trains with a different optimizer than the one its
    learning rate was tuned for, and nothing in the log says so.

    ## Example
    ```toml
    lr = 5e-06
    # no optimizer = ...
    ```

    ## Use instead
    ```toml
    optimizer = "AdamW"
    [optimizer_params]
    betas = [0.9, 0.96]
    eps = 1e-08
    weight_decay = 0.01
    ```

    ## Evidence
    - `GPTTrainerConfig.optimizer` defaults to "radam" (coqui-tts 0.28.0,
      `TTS/tts/layers/xtts/trainer/gpt_trainer.py`); `trainer.trainer_utils.get_optimizer`
      builds `TTS.utils.radam.RAdam` for that name.
    - The official recipe sets `optimizer="AdamW"`:
      https://github.com/idiap/coqui-ai-TTS/blob/main/recipes/ljspeech/xtts_v2/train_gpt_xtts.py
    """
    if ctx.plan.optimizer.name.explicit:
        return
    name = ctx.plan.optimizer.name.value
    yield Problem(
        f"optimizer is not set: the GPTTrainerConfig default {name!r} is used "
        "(TTS.utils.radam.RAdam), not the AdamW every XTTS v2 recipe trains with",
        key="optimizer",
        fix='set optimizer = "AdamW" with optimizer_params betas [0.9, 0.96], eps 1e-08, '
        "weight_decay 0.01 (the official recipe's values)",
    )


@rule(
    "O204",
    "optimizer-params-none",
    Severity.ERROR,
    summary="`optimizer_params` is None, which crashes the trainer's optimizer factory.",
)
def optimizer_params_none(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Flags `optimizer_params` left at its GPTTrainerConfig default, `None`.

    ## Why is this bad?
    The trainer builds the optimizer as `optimizer(parameters, lr=lr, **optimizer_params)`;
    with `None` that is a TypeError, and with `optimizer_wd_only_on_weights` the
    GPTTrainer first reads `optimizer_params["weight_decay"]` and fails there. Either way
    the run dies after the model, DVAE and data have been loaded.

    ## Example
    ```toml
    optimizer = "AdamW"
    # no [optimizer_params]
    ```

    ## Use instead
    ```toml
    optimizer = "AdamW"
    [optimizer_params]
    betas = [0.9, 0.96]
    eps = 1e-08
    weight_decay = 0.01
    ```

    ## Evidence
    - `GPTTrainerConfig.optimizer_params` defaults to None (coqui-tts 0.28.0).
    - `trainer/trainer_utils.py::get_optimizer` (coqui-tts-trainer 0.4.0) calls
      `optimizer(parameters, lr=lr, **optimizer_params)`.
    """
    params = ctx.plan.optimizer.params
    if not params.present or params.raw is not None:
        return
    where = "set to" if params.explicit else "left at the GPTTrainerConfig default"
    yield Problem(
        f"optimizer_params is None ({where} None): the trainer calls the optimizer with "
        "**optimizer_params and fails with a TypeError before the first step",
        key="optimizer_params",
        fix="set [optimizer_params] betas = [0.9, 0.96], eps = 1e-08, weight_decay = 0.01",
    )


@rule(
    "O205",
    "weight-decay-on-all-parameters",
    Severity.INFO,
    summary="Weight decay also pulls embeddings, norms and biases toward zero.",
)
def weight_decay_on_all_parameters(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Flags `optimizer_wd_only_on_weights = false` (the GPTTrainerConfig default) together
    with a non-zero weight decay.

    ## Why is this bad?
    With `false`, the GPTTrainer hands all of `xtts.gpt.parameters()` to the optimizer with
    one weight decay, so the text, mel and position embeddings, the LayerNorms and every
    bias are decayed toward zero too. With `true` it puts biases, norms and every
    `nn.Embedding` in a group with weight decay 0, the usual practice for transformers.
    The gokhaneraslan/XTTS_V2 HEAD dropped the line (so got `false`) where its earlier
    version, the official recipe and xtts-finetune-webui set `true`. The recipe's comment
    says to make it False for multi-GPU training: keep `false` only for a DDP run.

    ## Example
    ```toml
    optimizer = "AdamW"
    [optimizer_params]
    weight_decay = 0.01
    ```

    ## Use instead
    ```toml
    optimizer_wd_only_on_weights = true  # False only for multi-GPU (DDP) training
    ```

    ## Evidence
    - `GPTTrainer.get_optimizer` (coqui-tts 0.28.0,
      `TTS/tts/layers/xtts/trainer/gpt_trainer.py`).
    - gokhaneraslan/XTTS_V2 `train.py`@5cf242e (not set) vs @38e3c75 (True):
      https://github.com/gokhaneraslan/XTTS_V2/blob/5cf242e/train.py,
      https://github.com/gokhaneraslan/XTTS_V2/blob/38e3c75/train.py
    - The official recipe sets True with "for multi-gpu training please make it False":
      https://github.com/idiap/coqui-ai-TTS/blob/main/recipes/ljspeech/xtts_v2/train_gpt_xtts.py
    """
    optimizer = ctx.plan.optimizer
    if optimizer.wd_only_on_weights.value is not False:
        return
    decay = optimizer.weight_decay
    if not decay:
        return
    how = "is" if optimizer.wd_only_on_weights.explicit else "is left at"
    message = (
        f"optimizer_wd_only_on_weights {how} False: weight decay {fmt(decay)} also applies to "
        "every embedding (text, mel, positions), LayerNorm and bias of the GPT"
    )
    lr, steps = optimizer.lr.number, ctx.plan.batching.total_optimizer_steps
    if lr and steps:
        kept = math.exp(-lr * decay * steps)
        message += (
            f"; over the run's {steps} optimizer steps they shrink to {kept:.3g} of their size"
        )
    yield Problem(
        message,
        key="optimizer_wd_only_on_weights",
        fix="set optimizer_wd_only_on_weights = true as the official recipe does (leave it "
        "false only for multi-GPU training, as the recipe's comment says)",
    )


@rule(
    "O206",
    "no-gradient-clipping",
    Severity.INFO,
    summary="`grad_clip` is 0: one bad batch can make an arbitrarily large update.",
)
def no_gradient_clipping(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Flags `grad_clip` of 0 (the default) or unset.

    ## Why is this bad?
    The trainer clips the gradient norm before each optimizer step only when `grad_clip`
    is above 0. Without it, a batch with a long, silent or mislabeled sample can produce a
    gradient spike that undoes hours of fine-tuning; with a new language's noisy data that
    is likely. None of the public XTTS configs clip, so this is information, not an error.

    ## Example
    ```toml
    grad_clip = 0.0
    ```

    ## Use instead
    ```toml
    grad_clip = 1.0
    ```

    ## Evidence
    - `Trainer._set_grad_clip_per_optimizer` and `Trainer.optimize` (coqui-tts-trainer 0.4.0,
      `trainer/trainer.py`): clipping runs only for grad_clip > 0.
    - grad_clip is not set (0.0) in the official recipe, gokhaneraslan/XTTS_V2 and
      xtts-finetune-webui.
    """
    value = ctx.plan.optimizer.grad_clip.or_(0.0)
    if value is not None and not isinstance(value, (int, float)):
        return  # a per-optimizer list or an unresolved value: nothing to say
    if value and value > 0:
        return
    yield Problem(
        f"grad_clip is {fmt(value)}: gradients are never clipped, so one bad batch can make "
        "an arbitrarily large update",
        key="grad_clip",
        fix="set grad_clip = 1.0 (the trainer clips before the optimizer step)",
    )


@rule(
    "O207",
    "weight-decay-missing-from-optimizer-params",
    Severity.ERROR,
    summary="`optimizer_wd_only_on_weights` is true but `optimizer_params` has no weight_decay.",
)
def weight_decay_missing(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Flags `optimizer_wd_only_on_weights = true` with an `optimizer_params` table that has no
    `weight_decay`.

    ## Why is this bad?
    With that flag, `GPTTrainer.get_optimizer` builds two parameter groups and reads
    `optimizer_params["weight_decay"]` for the first: a KeyError at start-up, after the
    model and data are loaded.

    ## Example
    ```toml
    optimizer_wd_only_on_weights = true
    [optimizer_params]
    betas = [0.9, 0.96]
    ```

    ## Use instead
    ```toml
    optimizer_wd_only_on_weights = true
    [optimizer_params]
    betas = [0.9, 0.96]
    weight_decay = 0.01
    ```

    ## Evidence
    - `GPTTrainer.get_optimizer` (coqui-tts 0.28.0,
      `TTS/tts/layers/xtts/trainer/gpt_trainer.py`): `self.config.optimizer_params["weight_decay"]`.
    """
    optimizer = ctx.plan.optimizer
    if optimizer.wd_only_on_weights.value is not True:
        return
    params = optimizer.params_dict
    if not isinstance(params, dict) or "weight_decay" in params:
        return  # None is O204's finding
    yield Problem(
        "optimizer_wd_only_on_weights is True but optimizer_params has no weight_decay: "
        'GPTTrainer.get_optimizer reads optimizer_params["weight_decay"] and fails with a '
        "KeyError at start-up",
        key="optimizer_params",
        fix="add optimizer_params.weight_decay = 0.01 (the recipe's value)",
    )
