"""Key rules (K7xx): settings the config class or the torch constructors do not take."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from functools import cache, lru_cache

from harness.findings import Severity
from harness.plan import Plan
from harness.plan.defaults import load_table
from harness.plan.flatten import root_of
from harness.plan.library_facts import library_facts
from harness.plan.model import EXTRA_KEYS, FACT_KEYS
from harness.rules.base import Problem, RuleContext, fmt, rule

# Keyword arguments of the schedulers the trainer can build, without the optimizer:
# (required, optional); and the optimizer classes of torch.optim ("radam", any case, is TTS's
# own RAdam). Versioned library facts, read from the data beside the defaults; pinned by
# tests/test_rules.py against the installed torch and trainer.
SCHEDULER_SIGNATURES = library_facts().scheduler_signatures
TRAINER_SCHEDULERS = library_facts().trainer_schedulers
TORCH_OPTIMIZERS = library_facts().optimizers
# extras.* keys that harness modules read but EXTRA_DEFAULTS has no default for.
OTHER_EXTRA_KEYS = frozenset({"extras.warmup.start_factor"})  # harness.schedulers
scheduler_class = library_facts().scheduler_class


def _close(word: str, choices: list[str] | tuple[str, ...]) -> str | None:
    same = [c for c in choices if c.lower() == word.lower()]
    found = same or difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if not found:
        lowered = {c.lower(): c for c in choices}
        found = [lowered[m] for m in difflib.get_close_matches(word.lower(), list(lowered), 1)]
    return found[0] if found else None


MATCHED_KEY_CHARS = 80  # a longer key is no misspelling of a real one: not worth matching
HINTED_KEYS = 200  # unknown keys that get a "did you mean"; the search costs ~1 ms each


def closest_key(plan: Plan, key: str) -> str | None:
    """The real key a misspelled one most likely meant (``lr_sheduler`` -> ``lr_scheduler``)."""
    if len(key) > MATCHED_KEY_CHARS:
        return None
    return _closest_key(plan.library, key)


@cache
def _key_index(library: str) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    """Every real key's root, and the real keys under each root (built once per table)."""
    table = load_table(library)
    keys = [*table.config, *table.trainer_args, *FACT_KEYS, *_extra_keys(), *table.dict_fields]
    by_root: dict[str, list[str]] = {}
    for k in keys:
        by_root.setdefault(root_of(k), []).append(k)
    return tuple(sorted(by_root)), {r: tuple(ks) for r, ks in by_root.items()}


@lru_cache(maxsize=4096)
def _closest_key(library: str, key: str) -> str | None:
    roots, by_root = _key_index(library)
    root = root_of(key)
    if root not in by_root:
        better = _close(root, roots)
        return None if better is None else better + key[len(root) :]
    return _close(key, by_root[root])


def _extra_keys() -> frozenset[str]:
    return EXTRA_KEYS | OTHER_EXTRA_KEYS


def _unknown_settings(plan: Plan) -> Iterator[tuple[str, object]]:
    for setting in plan.unknown_keys:
        yield setting.key, setting.value
    for key, setting in plan.settings.items():
        # build_plan accepts every extras.* key; only the known ones are read by anything.
        is_extra = key.startswith("extras.") and not setting.source.is_default
        if is_extra and key not in _extra_keys() and not _in_list_extra(key):
            yield key, setting.value


def _in_list_extra(key: str) -> bool:
    """``extras.ablation_evidence[0].study``: an item of a list-valued extra."""
    return any(key.startswith(known + "[") for known in _extra_keys())


@rule(
    "K701",
    "unknown-key",
    Severity.WARNING,
    summary="A key the config class does not have: coqpit ignores it silently.",
)
def unknown_key(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Flags every key that is not a field of GPTTrainerConfig (or its nested model_args and
    audio), a trainer argument, a plan fact or a known extra, and names the closest real
    key.

    ## Why is this bad?
    Coqpit's `from_dict`/`load_json` skip unknown keys without a word, and
    `config.lr_sheduler = "MultiStepLR"` just adds an attribute nobody reads. The setting
    the author meant keeps its default: a misspelled `lr_sheduler` means no scheduler at
    all, and the log shows nothing wrong. (Only the constructor,
    `GPTTrainerConfig(lr_sheduler=...)`, raises.)

    ## Example
    ```toml
    lr_sheduler = "MultiStepLR"
    ```

    ## Use instead
    ```toml
    lr_scheduler = "MultiStepLR"
    ```

    ## Evidence
    - `Coqpit.from_dict` (coqpit-config `coqpit/coqpit.py`, used by coqui-tts 0.28.0) skips
      keys that are not fields; checked with
      `GPTTrainerConfig().from_dict({"lr_sheduler": ...})`.
    """
    for count, (key, value) in enumerate(_unknown_settings(ctx.plan)):
        meant = closest_key(ctx.plan, key) if count < HINTED_KEYS else None
        hint = ""
        if meant is not None:
            # By name: the key meant is found at run time (any key of the config class).
            current = ctx.plan.setting(meant)
            now = f" (now {fmt(current.value)}, {current.source})" if current else ""
            hint = f"; did you mean {meant}{now}?"
        yield Problem(
            f"{key} = {fmt(value)} is not a key the trainer reads: coqpit ignores it silently "
            f"and the intended setting keeps its default{hint}",
            key=key,
            fix=f"rename it to {meant}" if meant else "remove it, or check the key's spelling",
        )


def _scheduler(plan: Plan) -> tuple[str | None, dict]:
    name = plan.lr_schedule.name.value
    params = plan.lr_schedule.params_dict or {}
    if not isinstance(name, str):
        return None, {}
    return scheduler_class(name), params


@rule(
    "K702",
    "unknown-scheduler-param",
    Severity.ERROR,
    summary="`lr_scheduler_params` has a key the named scheduler does not take.",
)
def unknown_scheduler_param(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Checks every key of `lr_scheduler_params` against the constructor of the scheduler
    named by `lr_scheduler` (torch 2.8's `torch.optim.lr_scheduler`, or the trainer's
    NoamLR / StepwiseGradualLR).

    ## Why is this bad?
    The trainer builds the scheduler as `Scheduler(optimizer, **lr_scheduler_params)`, so
    an unknown key is a TypeError at start-up, after the model and data are loaded. Typical
    causes: a parameter of another scheduler (`T_max` for MultiStepLR), a misspelling
    (`milestone`), or `verbose`, which newer torch removed.

    ## Example
    ```toml
    lr_scheduler = "MultiStepLR"
    [lr_scheduler_params]
    milestone = [50, 75, 90]
    ```

    ## Use instead
    ```toml
    lr_scheduler = "MultiStepLR"
    [lr_scheduler_params]
    milestones = [50, 75, 90]
    ```

    ## Evidence
    - `trainer/trainer_utils.py::get_scheduler` (coqui-tts-trainer 0.4.0):
      `scheduler(optimizer, **lr_scheduler_params)`.
    """
    name, params = _scheduler(ctx.plan)
    if name is None:
        return
    required, optional = SCHEDULER_SIGNATURES[name]
    accepted = (*required, *optional)
    for param in params:
        if param in accepted:
            continue
        meant = _close(param, accepted)
        hint = f"; did you mean {meant}?" if meant else ""
        yield Problem(
            f"lr_scheduler_params.{param} is not a parameter of {name} "
            f"(it takes {', '.join(accepted)}): building the scheduler fails with a TypeError "
            f"at start-up{hint}",
            key=f"lr_scheduler_params.{param}",
            fix=f"rename it to {meant}" if meant else f"remove lr_scheduler_params.{param}",
        )


@rule(
    "K703",
    "missing-scheduler-param",
    Severity.ERROR,
    summary="`lr_scheduler_params` lacks a parameter the named scheduler requires.",
)
def missing_scheduler_param(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Flags a required constructor argument of the scheduler named by `lr_scheduler` that
    `lr_scheduler_params` does not give (`milestones` for MultiStepLR, `step_size` for
    StepLR, `T_max`, `T_0`, `gamma` for ExponentialLR, ...).

    ## Why is this bad?
    `Scheduler(optimizer, **lr_scheduler_params)` raises a TypeError at start-up; the
    default `lr_scheduler_params` is an empty dict, so naming a scheduler without its
    parameters always fails.

    ## Example
    ```toml
    lr_scheduler = "MultiStepLR"
    ```

    ## Use instead
    ```toml
    lr_scheduler = "MultiStepLR"
    [lr_scheduler_params]
    milestones = [50, 75, 90]
    gamma = 0.5
    ```

    ## Evidence
    - torch 2.8 `torch.optim.lr_scheduler` signatures; `trainer/trainer_utils.py::
      get_scheduler` (coqui-tts-trainer 0.4.0).
    """
    name, params = _scheduler(ctx.plan)
    if name is None:
        return
    for param in SCHEDULER_SIGNATURES[name][0]:
        if param not in params:
            yield Problem(
                f"lr_scheduler is {name} but lr_scheduler_params has no {param}, which it "
                "requires: building the scheduler fails with a TypeError at start-up",
                key=f"lr_scheduler_params.{param}",
                fix=f"add lr_scheduler_params.{param}",
            )


@rule(
    "K704",
    "unknown-scheduler",
    Severity.ERROR,
    summary="`lr_scheduler` names no scheduler the trainer can find.",
)
def unknown_scheduler(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Checks `lr_scheduler` against the names the trainer looks up: classes of
    `torch.optim.lr_scheduler` (case-sensitive) and NoamLR / StepwiseGradualLR (any case).

    ## Why is this bad?
    `getattr(torch.optim.lr_scheduler, name)` raises an AttributeError at start-up for a
    misspelled or differently-cased name (`MultiStepLr`, `multisteplr`), after the model
    and data are loaded.

    ## Example
    ```toml
    lr_scheduler = "MultistepLR"
    ```

    ## Use instead
    ```toml
    lr_scheduler = "MultiStepLR"
    ```

    ## Evidence
    - `trainer/trainer_utils.py::get_scheduler` (coqui-tts-trainer 0.4.0).
    """
    name = ctx.plan.lr_schedule.name.value
    if not isinstance(name, str) or scheduler_class(name) is not None:
        return
    meant = _close(name, list(SCHEDULER_SIGNATURES))
    hint = f"; did you mean {meant}?" if meant else ""
    yield Problem(
        f"lr_scheduler {name!r} is not a class of torch.optim.lr_scheduler nor one of the "
        f"trainer's NoamLR / StepwiseGradualLR: start-up fails with an AttributeError{hint}",
        key="lr_scheduler",
        fix=f'set lr_scheduler = "{meant}"' if meant else "use a torch.optim.lr_scheduler name",
    )


@rule(
    "K705",
    "unknown-optimizer",
    Severity.ERROR,
    summary="`optimizer` names no optimizer the trainer can find.",
)
def unknown_optimizer(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Checks `optimizer` against the names the trainer looks up: `radam` (any case, TTS's
    own RAdam) and the classes of `torch.optim` (case-sensitive).

    ## Why is this bad?
    `getattr(torch.optim, name)` raises an AttributeError at start-up for `adamw` or
    `Adamw`, after the model and data are loaded.

    ## Example
    ```toml
    optimizer = "adamw"
    ```

    ## Use instead
    ```toml
    optimizer = "AdamW"
    ```

    ## Evidence
    - `trainer/trainer_utils.py::get_optimizer` (coqui-tts-trainer 0.4.0).
    """
    name = ctx.plan.optimizer.name.value
    if not isinstance(name, str) or name.lower() == "radam" or name in TORCH_OPTIMIZERS:
        return
    meant = _close(name, TORCH_OPTIMIZERS)
    hint = f"; did you mean {meant}?" if meant else ""
    yield Problem(
        f"optimizer {name!r} is not a class of torch.optim (names are case-sensitive): "
        f"start-up fails with an AttributeError{hint}",
        key="optimizer",
        fix=f'set optimizer = "{meant}"' if meant else 'use a torch.optim name such as "AdamW"',
    )
