"""TrainerArgs(start_with_eval=True): the first epoch only evaluates, so E epochs train E - 1
(the trainer's _fit; pinned against the installed trainer in tests/test_library.py)."""

from __future__ import annotations

import pytest

from harness.plan.build import build_plan
from harness.plan.mapping import raw_from_mapping
from harness.rules import run_rules
from harness.schedule import compute_schedule

BASE = {
    "epochs": 5,
    "batch_size": 4,
    "save_step": 45,
    "lr": 1e-05,
    "lr_scheduler": "MultiStepLR",
    "lr_scheduler_params": {"milestones": [4], "gamma": 0.5},
    "plan": {"dataset_size": 40},
}


def _plan(trainer: dict, **config):
    data = {**BASE, **config, "trainer": trainer, "meta": {"library": "coqui-tts 0.24.2"}}
    return build_plan(raw_from_mapping(data, name="c", path="c.toml"))


@pytest.mark.parametrize(
    ("trainer", "config", "trained"),
    [
        ({}, {}, 5),
        ({"start_with_eval": True}, {}, 4),
        ({"start_with_eval": True}, {"run_eval": False}, 5),  # the trainer drops it then
    ],
)
def test_steps_and_schedule_follow_the_trained_epochs(trainer, config, trained) -> None:
    plan = _plan(trainer, **config)
    assert plan.batching.trained_epochs == trained
    assert plan.batching.total_batches == 10 * trained  # 5 epochs gave 40 batches, not 50
    schedule = compute_schedule(plan)
    assert schedule.epochs == trained
    assert len(schedule.lr_per_epoch) == trained
    # The milestone at epoch 4 fires only when all 5 epochs train.
    fires = [e.fires for e in schedule.events if e.kind == "milestone"]
    assert fires == [trained > 4]


def test_checkpoint_rule_follows_start_with_eval() -> None:
    assert not [f for f in run_rules(_plan({}), select=["B501"])]
    findings = run_rules(_plan({"start_with_eval": True}), select=["B501"])
    assert findings and "4 trained epochs (start_with_eval)" in findings[0].message
