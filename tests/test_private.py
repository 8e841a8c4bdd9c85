"""Pins every private attribute of Optuna and the coqui Trainer that harness.ablate.private
reaches, against the installed libraries."""

from __future__ import annotations

import inspect
from pathlib import Path

import optuna
import pytest

from harness.ablate.private import stepped_optimizers, storage_backend, study_storage, trial_id


def test_optuna_study_storage_trial_id_and_backend(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'study.db'}"
    study = optuna.create_study(study_name="pin", storage=url)
    trial = study.ask()
    storage = study_storage(study)
    assert isinstance(storage_backend(storage), optuna.storages.RDBStorage)
    frozen = study.get_trials(deepcopy=False)[0]
    assert trial_id(trial) == trial_id(frozen)
    storage.record_heartbeat(trial_id(trial))  # the id the storage API takes
    assert storage.get_trial(trial_id(trial)).number == trial.number
    in_memory = optuna.create_study()
    assert storage_backend(study_storage(in_memory)) is study_storage(in_memory)


@pytest.mark.ablate
def test_trainer_records_stepped_optimizers_in_a_set() -> None:
    trainer_module = pytest.importorskip("trainer.trainer")
    source = inspect.getsource(trainer_module.Trainer)
    assert "self._stepped_optimizers: set[int | None] = set()" in source
    assert "self._stepped_optimizers.add(optimizer_idx)" in source
    assert "idx in self._stepped_optimizers" in source

    class Stub:
        _stepped_optimizers: set = {None}  # noqa: RUF012

    assert stepped_optimizers(Stub()) == {None}
