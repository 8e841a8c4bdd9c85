"""Rules on options the Coqui trainer lacks (X6xx): EMA, warmup, freezing, LoRA, clipping."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterator

from harness.findings import Severity
from harness.rules.base import Problem, RuleContext, fmt, rule

# Module paths of the trained part of GPTTrainer (named_modules() of coqui-tts 0.28.0 with the
# perceiver on), layer indices written {i}. Pinned by tests/test_rules.py against the library.
# coqui-tts 0.24.2 builds the same tree (its gpt.py and gpt_trainer.py assign the same
# submodules: xtts.gpt.gpt.h, text_embedding, ..., and dvae beside xtts, not under it).
GPT_MODULES: tuple[str, ...] = (
    "xtts.gpt",
    "xtts.gpt.conditioning_dropout",
    "xtts.gpt.conditioning_encoder",
    "xtts.gpt.conditioning_encoder.attn",
    "xtts.gpt.conditioning_encoder.attn.{i}",
    "xtts.gpt.conditioning_encoder.attn.{i}.attention",
    "xtts.gpt.conditioning_encoder.attn.{i}.norm",
    "xtts.gpt.conditioning_encoder.attn.{i}.proj_out",
    "xtts.gpt.conditioning_encoder.attn.{i}.qkv",
    "xtts.gpt.conditioning_encoder.init",
    "xtts.gpt.conditioning_perceiver",
    "xtts.gpt.conditioning_perceiver.layers",
    "xtts.gpt.conditioning_perceiver.layers.{i}",
    "xtts.gpt.conditioning_perceiver.layers.{i}.{i}",
    "xtts.gpt.conditioning_perceiver.layers.{i}.{i}.attend",
    "xtts.gpt.conditioning_perceiver.layers.{i}.{i}.attend.attn_dropout",
    "xtts.gpt.conditioning_perceiver.layers.{i}.{i}.to_kv",
    "xtts.gpt.conditioning_perceiver.layers.{i}.{i}.to_out",
    "xtts.gpt.conditioning_perceiver.layers.{i}.{i}.to_q",
    "xtts.gpt.conditioning_perceiver.layers.{i}.{i}.{i}",
    "xtts.gpt.conditioning_perceiver.norm",
    "xtts.gpt.conditioning_perceiver.proj_context",
    "xtts.gpt.final_norm",
    "xtts.gpt.gpt",
    "xtts.gpt.gpt.drop",
    "xtts.gpt.gpt.h",
    "xtts.gpt.gpt.h.{i}",
    "xtts.gpt.gpt.h.{i}.attn",
    "xtts.gpt.gpt.h.{i}.attn.attn_dropout",
    "xtts.gpt.gpt.h.{i}.attn.c_attn",
    "xtts.gpt.gpt.h.{i}.attn.c_proj",
    "xtts.gpt.gpt.h.{i}.attn.resid_dropout",
    "xtts.gpt.gpt.h.{i}.ln_1",
    "xtts.gpt.gpt.h.{i}.ln_2",
    "xtts.gpt.gpt.h.{i}.mlp",
    "xtts.gpt.gpt.h.{i}.mlp.act",
    "xtts.gpt.gpt.h.{i}.mlp.c_fc",
    "xtts.gpt.gpt.h.{i}.mlp.c_proj",
    "xtts.gpt.gpt.h.{i}.mlp.dropout",
    "xtts.gpt.gpt.ln_f",
    "xtts.gpt.mel_embedding",
    "xtts.gpt.mel_head",
    "xtts.gpt.mel_pos_embedding",
    "xtts.gpt.mel_pos_embedding.emb",
    "xtts.gpt.text_embedding",
    "xtts.gpt.text_head",
    "xtts.gpt.text_pos_embedding",
    "xtts.gpt.text_pos_embedding.emb",
)
# Other top-level parts of GPTTrainer: real, but not trained (only xtts.gpt is optimized).
OTHER_ROOTS = (
    "xtts",
    "xtts.hifigan_decoder",
    "dvae",
    "torch_mel_spectrogram_dvae",
    "torch_mel_spectrogram_style_encoder",
)
_INDEX = re.compile(r"(?<=\.)\d+(?=\.|$)")
_PARAM_SUFFIX = re.compile(r"\.(weight|bias)$")
GPT2_PROJECTIONS = ("c_attn", "c_proj", "c_fc")


def _module_pattern(path: str) -> str:
    """``model.xtts.gpt.gpt.h.3.attn.weight`` -> ``xtts.gpt.gpt.h.{i}.attn``."""
    path = _PARAM_SUFFIX.sub("", path.strip().removeprefix("model."))
    return _INDEX.sub("{i}", path)


def module_exists(path: str) -> bool:
    pattern = _module_pattern(path)
    if pattern in GPT_MODULES or pattern in OTHER_ROOTS:
        return True
    return any(pattern.startswith(root + ".") for root in OTHER_ROOTS if root != "xtts")


def _closest_module(path: str) -> str:
    # Hugging Face's GPT2LMHeadModel calls its GPT-2 stack `transformer`; XTTS calls it `gpt`.
    pattern = _module_pattern(path).replace(".transformer", ".gpt")
    close = difflib.get_close_matches(pattern, GPT_MODULES, n=1, cutoff=0.0)
    return close[0].replace("{i}", "0") if close else "xtts.gpt.gpt.h"


def _string_list(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


@rule(
    "X601",
    "extra-without-ablation-evidence",
    Severity.WARNING,
    summary="EMA or LR warmup is on with no ablation showing that it helps.",
)
def extra_without_ablation_evidence(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Flags `extras.ema.enabled` or `extras.warmup.enabled` when `extras.ablation_evidence`
    names no study or report.

    ## Why is this bad?
    Neither the Coqui trainer nor any public XTTS fine-tuning config has EMA or LR warmup;
    forks add them "because they usually help". For a short fine-tune of a pretrained GPT
    they can as easily hide progress (an EMA that still mostly holds the starting weights)
    or waste part of the run (a long warmup). A choice that changes what is evaluated and
    saved should rest on a measured difference, with its statistics, not on habit.

    ## Example
    ```toml
    [extras.ema]
    enabled = true
    decay = 0.999
    ```

    ## Use instead
    Run `xtts-harness ablate` with an EMA on/off (or warmup on/off) axis, then name the
    study that supports the choice:
    ```toml
    [extras]
    ablation_evidence = ["reports/ablate-ema.html"]
    ```

    ## Evidence
    - No EMA or warmup in coqui-tts 0.28.0 / coqui-tts-trainer 0.4.0, the official recipe,
      gokhaneraslan/XTTS_V2 `train.py`@5cf242e or xtts-finetune-webui `utils/gpt_train.py`
      @abe1201; the recipe's first commit lists both as a ToDo.
    """
    extras = ctx.plan.extras
    if _string_list(extras.ablation_evidence.or_([])):
        return
    for enabled, what in ((extras.ema.enabled, "EMA"), (extras.warmup.enabled, "LR warmup")):
        key = enabled.key
        if enabled.value is True:
            yield Problem(
                f"{what} is enabled ({key}) but extras.ablation_evidence is empty: nothing "
                f"shows that {what} helps this fine-tune",
                key=key,
                fix=f"run `xtts-harness ablate` with {what} on and off and list the study in "
                f"extras.ablation_evidence, or set {key} = false",
            )


@rule(
    "X602",
    "freeze-path-not-found",
    Severity.ERROR,
    summary="A module named in extras.freeze.modules does not exist in the GPTTrainer.",
)
def freeze_path_not_found(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Checks each path in `extras.freeze.modules` against the module names of the Coqui
    `GPTTrainer` (`named_modules()`, e.g. `xtts.gpt.gpt.h.0`; a leading `model.` and a
    trailing `.weight`/`.bias` are accepted).

    ## Why is this bad?
    Freezing code matches names and freezes what matches. A path that matches nothing
    freezes nothing and raises nothing: the run trains every layer while its config says
    half are frozen. The Amharic fork Diakonrobel/Amharic_XTTS-V2_TTS aims its freezing
    at `model.xtts.gpt.transformer`; the GPT-2 layers live at `xtts.gpt.gpt.h`.

    ## Example
    ```toml
    [extras.freeze]
    modules = ["model.xtts.gpt.transformer"]
    ```

    ## Use instead
    ```toml
    [extras.freeze]
    modules = ["xtts.gpt.gpt.h.0", "xtts.gpt.gpt.h.1"]
    ```

    ## Evidence
    - `GPTTrainer` module names (coqui-tts 0.28.0, `TTS/tts/layers/xtts/gpt.py`: the
      GPT-2 stack is `self.gpt`, its blocks `.h`).
    - Diakonrobel/Amharic_XTTS-V2_TTS (https://github.com/Diakonrobel/Amharic_XTTS-V2_TTS).
    """
    layers = ctx.plan.model.gpt_layers.integer
    for path in _string_list(ctx.plan.extras.freeze_modules.or_([])):
        index = re.search(r"gpt\.gpt\.h\.(\d+)", path)
        if layers is not None and index and int(index.group(1)) >= layers:
            why = f"the GPT has {layers} layers (h.0 to h.{layers - 1})"
        elif not module_exists(path):
            why = "no GPTTrainer module has that name"
        else:
            continue
        yield Problem(
            f"extras.freeze.modules names {path!r}, but {why}: it freezes nothing, and "
            "nothing says so",
            key="extras.freeze.modules",
            fix=f"name a real module, e.g. {_closest_module(path)!r} (the GPT-2 blocks are "
            "xtts.gpt.gpt.h.0 ... h.N)",
        )


@rule(
    "X603",
    "grad-clip-after-optimizer-step",
    Severity.WARNING,
    summary="Gradients are clipped after the optimizer step, so clipping changes nothing.",
)
def grad_clip_after_optimizer_step(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Flags `extras.grad_clip_after_optimizer_step = true`: a fork's training loop that calls
    `clip_grad_norm_` after `optimizer.step()`. Read from scripts too: clipping after a
    wrapped `train_step` returns, or under `if model.training:` (the GPTTrainer's
    `on_train_epoch_start` calls `model.eval()` and only `xtts.gpt.train()`, so the
    top-level `training` is False for the whole run).

    ## Why is this bad?
    The update has already been made with the unclipped gradient, and the gradient is
    zeroed before the next one; clipping it afterwards bounds nothing. The run behaves as
    if it had no clipping while its author believes it has. The Coqui trainer itself clips
    before the step when `grad_clip > 0`.

    ## Example
    ```toml
    [extras]
    grad_clip_after_optimizer_step = true
    ```

    ## Use instead
    ```toml
    grad_clip = 1.0  # the trainer clips before optimizer.step()
    [extras]
    grad_clip_after_optimizer_step = false
    ```

    ## Evidence
    - `Trainer.optimize` (coqui-tts-trainer 0.4.0, `trainer/trainer.py`) clips, then steps.
    - Diakonrobel/Amharic_XTTS-V2_TTS (https://github.com/Diakonrobel/Amharic_XTTS-V2_TTS)
      clips after the step.
    """
    clipping = ctx.plan.extras.grad_clip_after_optimizer_step
    if clipping.value is not True:
        return
    source = clipping.source
    if source is not None and source.file and source.key and source.line:  # read from a script
        yield Problem(
            f"gradient clipping cannot act: {source.key} ({source.file}:{source.line}); the "
            "run trains as if it had no clipping",
            key="extras.grad_clip_after_optimizer_step",
            fix="drop that clipping and set grad_clip = 1.0 in GPTTrainerConfig (the trainer "
            "clips between backward and optimizer.step())",
        )
        return
    yield Problem(
        "gradients are clipped after optimizer.step() (extras.grad_clip_after_optimizer_step):"
        " the update already used the unclipped gradient, so clipping has no effect",
        key="extras.grad_clip_after_optimizer_step",
        fix="clip before the step: set grad_clip = 1.0 (the trainer clips before "
        "optimizer.step()) and extras.grad_clip_after_optimizer_step = false",
    )


@rule(
    "X604",
    "lora-target-not-in-gpt2",
    Severity.ERROR,
    summary="A LoRA target names no module of the XTTS GPT-2 (c_attn, c_proj, c_fc).",
)
def lora_target_not_in_gpt2(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Checks each of `extras.lora.targets` against the module names of the XTTS GPT the way
    peft does (a target matches a module whose name is the target or ends with
    `.target`), when `extras.lora.enabled` is true.

    ## Why is this bad?
    XTTS's GPT is a Hugging Face GPT-2: its projections are `c_attn`, `c_proj` and `c_fc`
    (Conv1D), not the `q_proj`/`v_proj` of LLaMA-style models. peft raises when no target
    matches, after the model is loaded; when some match, the others are skipped silently
    and LoRA covers less of the model than the config says.

    ## Example
    ```toml
    [extras.lora]
    enabled = true
    targets = ["q_proj", "v_proj"]
    ```

    ## Use instead
    ```toml
    [extras.lora]
    enabled = true
    targets = ["c_attn", "c_proj", "c_fc"]
    ```

    ## Evidence
    - GPT-2 module names in coqui-tts 0.28.0 (`xtts.gpt.gpt.h.{i}.attn.c_attn`, ...).
    - gokhaneraslan/XTTS_V2 `lora_train.py`@5cf242e targets c_attn c_proj c_fc
      (https://github.com/gokhaneraslan/XTTS_V2/blob/5cf242e/lora_train.py).
    """
    lora = ctx.plan.extras.lora
    if lora.enabled.value is not True:
        return
    targets = _string_list(lora.targets.or_([]))
    missing = [t for t in targets if not _lora_matches(t)]
    if not missing:
        return
    outcome = (
        "peft raises 'Target modules ... not found' after the model is loaded"
        if len(missing) == len(targets)
        else "peft skips them silently, so LoRA covers less than the config says"
    )
    yield Problem(
        f"extras.lora.targets {', '.join(missing)} match no module of the XTTS GPT-2, whose "
        f"projections are {', '.join(GPT2_PROJECTIONS)}: {outcome}",
        key="extras.lora.targets",
        fix='use targets = ["c_attn", "c_proj", "c_fc"] (gokhaneraslan/XTTS_V2 lora_train.py)',
    )


def _lora_matches(target: str) -> bool:
    suffix = _module_pattern(target)
    return any(m == suffix or m.endswith("." + suffix) for m in GPT_MODULES)


@rule(
    "X605",
    "ema-outlasts-run",
    Severity.WARNING,
    summary="The EMA decay is so slow that the averaged weights stay mostly the start.",
)
def ema_outlasts_run(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    With `extras.ema.enabled`, computes how much of the starting (pretrained) weights the
    EMA still holds at the end of the run: `decay ** optimizer_steps`, and flags more than
    10%. Without a dataset size it says how many optimizer steps the EMA needs.

    ## Why is this bad?
    An EMA updated once per optimizer step forgets the starting weights at a rate of
    `1 - decay` per step: with 0.999 it needs about 2300 steps to keep under 10% of them.
    With gradient accumulation a fine-tune often has only a few hundred optimizer steps,
    so the EMA weights that are evaluated and saved are mostly the pretrained model, and
    an "EMA helps / does not help" comparison measures nothing.

    ## Example
    ```toml
    epochs = 10
    [extras.ema]
    enabled = true
    decay = 0.9999
    ```

    ## Use instead
    ```toml
    epochs = 10
    batch_size = 4
    [plan]
    dataset_size = 2000  # 5000 optimizer steps in the run
    [extras.ema]
    enabled = true
    decay = 0.99  # ln(0.1) / ln(0.99) = 230 steps to forget 90% of the start
    ```

    ## Evidence
    - torch 2.8 `torch/optim/swa_utils.py::get_ema_multi_avg_fn`:
      `ema = decay * ema + (1 - decay) * p`.
    - docs/xtts-facts.md section 5: EMA updated from `optimizer.register_step_post_hook`.
    """
    ema = ctx.plan.extras.ema
    if ema.enabled.value is not True:
        return
    decay = ema.decay.number
    if decay is None or not 0 < decay < 1:
        return
    needed = math.ceil(math.log(0.1) / math.log(decay))
    steps = ctx.plan.batching.total_optimizer_steps
    if steps is None:
        yield Problem(
            f"undecided: with extras.ema.decay {fmt(decay)} the EMA needs {needed} optimizer "
            "steps to keep less than 10% of the starting weights, and the run's optimizer "
            "steps are unknown (dataset_size is not given)",
            key="extras.ema.decay",
            fix="give the dataset size ([plan] dataset_size or --set dataset_size=N) to decide",
            severity=Severity.INFO,
        )
        return
    kept = decay**steps
    if kept <= 0.1:
        return
    better = math.exp(math.log(0.1) / max(steps // 2, 1))
    yield Problem(
        f"extras.ema.decay {fmt(decay)} over the run's {steps} optimizer steps leaves "
        f"{kept:.0%} of the starting weights in the EMA (it needs {needed} steps to drop "
        "below 10%): the evaluated and saved EMA weights are mostly the starting model",
        key="extras.ema.decay",
        fix=f"use a decay of at most {math.floor(better * 1000) / 1000:g} (under 10% of the "
        "start by mid-run), or more optimizer steps",
    )
