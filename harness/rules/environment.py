"""Environment rules (E8xx): library versions with which a run dies before its first step.

The versions are plan facts read from the repository (harness.plan.library): pins resolved
through the wheels' own requirements, vendored packages read from their source.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from packaging.version import InvalidVersion, Version

from harness.findings import Severity
from harness.plan import Field
from harness.rules.base import Problem, RuleContext, rule


def _version(field: Field[str]) -> Version | None:
    value = field.value
    try:
        return Version(str(value)) if isinstance(value, str) else None
    except InvalidVersion:
        return None


def _why(field: Field[Any]) -> str:
    """Where a version was read, short: ``requirements.txt:2`` (+ "unpinned" when resolved)."""
    source, key = field.source, field.key
    if source is None or source.is_default:
        return key
    where = f"{source.file}:{source.line}" if source.line else str(source.file or key)
    reason = source.key or ""
    return f"{where}, unpinned" if "resolves" in reason or "not pinned" in reason else where


def _resolved(field: Field[Any]) -> bool:
    """The version is what a fresh install resolves today, not a pin: the user may install
    that package some other way (a CUDA wheel index), so the finding is a warning."""
    source = field.source
    reason = (source.key or "") if source is not None else ""
    return "resolves" in reason or "not pinned" in reason


def _severity(field: Field[Any]) -> Severity | None:
    return Severity.WARNING if _resolved(field) else None


def _installs(ctx: RuleContext, package: str) -> bool | None:
    names = ctx.plan.environment.installed_packages.value
    return None if not isinstance(names, list) else package in names


@rule(
    "E801",
    "checkpoint-load-fails-on-torch-2-6",
    Severity.ERROR,
    summary="torch >= 2.6 with a TTS that loads XTTS checkpoints without weights_only support.",
)
def checkpoint_load_fails(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Checks the torch version the repository installs (`torch_version`) against its TTS
    package (`tts_library`, `tts_loads_weights_only`): coqui-ai's `TTS` (every release,
    up to 0.22.0), `coqui-tts` up to 0.24.2 (0.24.3 registers XttsConfig as a safe global),
    and vendored `TTS/` copies whose loading code calls `torch.load` without
    `weights_only` or safe globals.

    ## Why is this bad?
    torch 2.6 changed the default of `torch.load` to `weights_only=True`. The XTTS v2
    release checkpoint pickles `XttsConfig`, so loading it fails before the first step:
    "Weights only load failed ... Unsupported global: GLOBAL
    TTS.tts.configs.xtts_config.XttsConfig". An unpinned torch resolves the newest release;
    as torch is often installed from a CUDA index instead, that case is a warning.

    ## Example
    ```toml
    [plan]
    tts_library = "coqui-tts 0.24.2"
    tts_loads_weights_only = false
    torch_version = "2.6.0"
    ```

    ## Use instead
    ```toml
    [plan]
    tts_library = "coqui-tts 0.24.2"
    tts_loads_weights_only = false
    torch_version = "2.5.1"  # or a coqui-tts that loads under safe globals (0.28.0)
    ```

    ## Evidence
    - coqui-ai/TTS#4121 (https://github.com/coqui-ai/TTS/issues/4121), #4175;
      daswer123/xtts-finetune-webui#98
      (https://github.com/daswer123/xtts-finetune-webui/issues/98).
    - coqui-tts 0.24.2 wheel: `TTS/tts/models/xtts.py` loads through
      `trainer.io.load_fsspec`, whose `torch.load` has no `weights_only` (coqui-tts-trainer
      0.1.4); the 0.24.3 and 0.25.0 wheels call `torch.serialization.add_safe_globals`
      with `XttsConfig` in `TTS/__init__.py`; 0.28.0 loads under `safe_globals`.
    """
    env = ctx.plan.environment
    torch = _version(env.torch_version)
    if torch is None or torch < Version("2.6") or env.tts_loads_weights_only.value is not False:
        return
    yield Problem(
        f"torch {torch} ({_why(env.torch_version)}) loads with weights_only=True, and "
        f"{env.tts_library.value} ({_why(env.tts_loads_weights_only)}) loads the "
        "XTTS checkpoint without allowing XttsConfig: the run dies before its first step "
        "('Weights only load failed')",
        key="torch_version",
        fix="pin torch<2.6 (and the torchaudio of the same version), or move to a coqui-tts "
        "that loads under safe globals (0.24.3 or later)",
        severity=_severity(env.torch_version),
    )


@rule(
    "E802",
    "torchaudio-needs-torchcodec",
    Severity.ERROR,
    summary="torchaudio >= 2.9 loads audio through torchcodec, which the repository lacks.",
)
def torchaudio_needs_torchcodec(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Flags a torchaudio of 2.9 or later (`torchaudio_version`) when the repository's
    requirements (`installed_packages`) do not install `torchcodec`.

    ## Why is this bad?
    From 2.9, `torchaudio.load` goes through torchcodec, which needs the FFmpeg shared
    libraries. Without it the XTTS dataset cannot read a single wav: the run dies at the
    first batch (conditioning audio is loaded with torchaudio).

    ## Example
    ```toml
    [plan]
    torchaudio_version = "2.9.0"
    installed_packages = ["coqui-tts", "torch", "torchaudio"]
    ```

    ## Use instead
    ```toml
    [plan]
    torchaudio_version = "2.9.0"
    installed_packages = ["coqui-tts", "torch", "torchaudio", "torchcodec"]  # + FFmpeg
    ```

    ## Evidence
    - torchaudio 2.9 release notes (https://github.com/pytorch/audio/releases/tag/v2.9.0):
      `load` / `save` are served by torchcodec.
    - coqui-tts 0.28.0 declares torchcodec only in its `codec` extra.
    """
    env = ctx.plan.environment
    audio = _version(env.torchaudio_version)
    if audio is None or audio < Version("2.9") or _installs(ctx, "torchcodec") is not False:
        return
    yield Problem(
        f"torchaudio {audio} ({_why(env.torchaudio_version)}) reads audio through "
        "torchcodec, which the requirements lack: torchaudio.load fails on the first "
        "sample, before the first step",
        key="torchaudio_version",
        fix="add torchcodec to the requirements (or coqui-tts[codec]) and install FFmpeg's "
        "shared libraries, or pin torch and torchaudio below 2.9",
        severity=_severity(env.torchaudio_version),
    )


@rule(
    "E803",
    "coqui-tts-needs-six",
    Severity.WARNING,
    summary="coqui-tts 0.28 imports six, which its wheel does not declare.",
)
def coqui_tts_needs_six(ctx: RuleContext) -> Iterator[Problem]:
    """
    ## What it does
    Flags `tts_library` coqui-tts 0.28.x when the repository's requirements
    (`installed_packages`) do not list `six`.

    ## Why is this bad?
    The coqui-tts 0.28.0 wheel imports `six` without requiring it. In an environment where
    nothing else brings it in, importing the trainer fails with
    `ModuleNotFoundError: No module named 'six'` before training starts.

    ## Example
    ```toml
    [plan]
    tts_library = "coqui-tts 0.28.0"
    installed_packages = ["coqui-tts"]
    ```

    ## Use instead
    ```toml
    [plan]
    tts_library = "coqui-tts 0.28.0"
    installed_packages = ["coqui-tts", "six"]
    ```

    ## Evidence
    - coqui-tts 0.28.0 wheel: `TTS/tts/utils/text/punctuation.py` has `import six`, and
      its Requires-Dist has no six;
      xtts-harness pyproject.toml `ablate` extra adds `six>=1.16` for that reason.
    """
    env = ctx.plan.environment
    tts = str(env.tts_library.value or "")
    if not tts.startswith("coqui-tts 0.28") or _installs(ctx, "six") is not False:
        return
    yield Problem(
        f"{tts} ({_why(env.tts_library)}) imports six without requiring it, and the "
        "requirements lack it: importing TTS can fail before the first step",
        key="tts_library",
        fix="add six>=1.16 to the requirements",
    )
