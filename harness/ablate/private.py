"""The one place that reaches private attributes of Optuna and the coqui Trainer.

Each accessor names what it reads and why no public API gives it; tests/test_private.py pins
every one against the installed libraries, so an upgrade that renames one fails there, not
in the middle of a study. Imports neither library: the objects come from the caller.
"""

from __future__ import annotations

from typing import Any


def study_storage(study: Any) -> Any:
    """``Study._storage``: the storage a study writes through (Optuna's cache over an RDB).

    Needed to record heartbeats and take the study lock on the same connection the study
    uses; ``optuna.Study`` exposes no storage object.
    """
    return study._storage


def trial_id(trial: Any) -> int:
    """``Trial._trial_id`` / ``FrozenTrial._trial_id``: the storage's id of a trial.

    ``trial.number`` counts within a study; the storage API (``record_heartbeat``) takes
    the id.
    """
    return int(trial._trial_id)


def storage_backend(storage: Any) -> Any:
    """The RDBStorage behind Optuna's ``_CachedStorage`` (``._backend``), or the storage."""
    return getattr(storage, "_backend", storage)


def stepped_optimizers(trainer: Any) -> set[Any]:
    """``Trainer._stepped_optimizers``: the optimizer indices ``optimize()`` stepped.

    ``Trainer.train_epoch`` steps a per-epoch scheduler only when its index is in this set
    (coqui-tts-trainer 0.4.0 records None for a single optimizer, so it never matches 0).
    """
    return trainer._stepped_optimizers
