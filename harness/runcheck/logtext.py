"""What the Coqui Trainer's text log (``trainer_0_log.txt``) says about a run.

The console logger writes one block per logged batch (``STEP: i/n -- GLOBAL_STEP: g``), one
line per epoch (``> EPOCH: e/E-1``), ``> TRAINING (`` before each trained epoch and
``> EVALUATION`` before each evaluation, with ANSI colour codes around them. The XTTS
dataset adds ``Total eval samples after filtering: N`` where the console is captured (a
``*.log`` file next to the run, say).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_STEP = re.compile(r"STEP: (\d+)/(\d+) -- GLOBAL_STEP: (\d+)")
_EPOCH = re.compile(r"> EPOCH: (\d+)/(\d+)")
_EVAL_SAMPLES = re.compile(r"Total eval samples after filtering: (\d+)")
_TRAINING = "> TRAINING ("
_EVALUATION = "> EVALUATION"
LOG_GLOBS = ("trainer_*_log.txt", "*.log")


@dataclass
class LogFacts:
    """Facts of the text logs; ``None`` where the logs do not say."""

    files: list[str] = field(default_factory=list)
    batches_per_epoch: int | None = None  # n + 1 of "STEP: i/n"
    last_global_step: int | None = None
    epochs_planned: int | None = None  # E of "EPOCH: e/E-1"
    epochs_started: int = 0
    epochs_trained: int = 0  # epochs with a "> TRAINING (" line
    first_epoch_eval_only: bool = False  # start_with_eval: epoch 0 evaluated, not trained
    eval_samples: int | None = None  # the last "Total eval samples after filtering"


def read_logs(folder: Path) -> LogFacts:
    facts = LogFacts()
    paths = sorted({p for pattern in LOG_GLOBS for p in Path(folder).glob(pattern)})
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        facts.files.append(path.name)
        _read(_ANSI.sub("", text), facts)
    return facts


def _read(text: str, facts: LogFacts) -> None:
    steps = _STEP.findall(text)
    if steps:
        batches = max({last for _, last, _ in steps}, key=int)
        facts.batches_per_epoch = max(facts.batches_per_epoch or 0, int(batches) + 1)
        facts.last_global_step = max(facts.last_global_step or 0, int(steps[-1][2]))
    for match in _EVAL_SAMPLES.finditer(text):
        facts.eval_samples = int(match.group(1))
    epochs = _EPOCH.split(text)
    # split() gives [before, e, E-1, body, e, E-1, body, ...]
    for index in range(1, len(epochs) - 2, 3):
        body = epochs[index + 2]
        facts.epochs_planned = int(epochs[index + 1]) + 1
        facts.epochs_started += 1
        trained = _TRAINING in body
        facts.epochs_trained += int(trained)
        if int(epochs[index]) == 0 and not trained and _EVALUATION in body:
            facts.first_epoch_eval_only = True
