"""Versioned facts about the libraries a config runs on, kept as data like the defaults.

Scheduler and optimizer constructor signatures and the optimizers' default weight decay
change with torch and the trainer, so they live in ``harness/plan/defaults/facts/``, one
JSON file per coqui-tts version (the key of the defaults tables). A version without its own
file uses the newest one: the facts are only re-measured when a new version is dumped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from harness.plan.defaults import LATEST, normalize_library, table_name

FACTS_DIR = Path(__file__).with_name("defaults") / "facts"

Signature = tuple[tuple[str, ...], tuple[str, ...]]  # (required, optional)


@dataclass(frozen=True)
class LibraryFacts:
    library: str  # the coqui-tts version the facts were measured with
    torch: str
    scheduler_signatures: dict[str, Signature]
    trainer_schedulers: tuple[str, ...]  # looked up case-insensitively by the trainer
    optimizers: tuple[str, ...]  # classes of torch.optim
    default_weight_decay: dict[str, float]  # lower-case optimizer name -> weight_decay

    def scheduler_class(self, name: str) -> str | None:
        """The class the trainer builds for ``lr_scheduler``, as it looks it up, or None.

        ``trainer.trainer_utils.get_scheduler``: its own schedulers by lower-case name, else
        ``getattr(torch.optim.lr_scheduler, name)`` (case-sensitive).
        """
        for special in self.trainer_schedulers:
            if name.lower() == special.lower():
                return special
        return name if name in self.scheduler_signatures else None


@cache
def library_facts(library: str = LATEST) -> LibraryFacts:
    path = FACTS_DIR / table_name(normalize_library(library))
    if not path.exists():
        path = FACTS_DIR / table_name(LATEST)
    data = json.loads(path.read_text(encoding="utf-8"))
    signatures = {
        name: (tuple(sig["required"]), tuple(sig["optional"]))
        for name, sig in data["scheduler_signatures"].items()
    }
    return LibraryFacts(
        library=data["library"],
        torch=data["torch"],
        scheduler_signatures=signatures,
        trainer_schedulers=tuple(data["trainer_schedulers"]),
        optimizers=tuple(data["optimizers"]),
        default_weight_decay=dict(data["default_weight_decay"]),
    )
