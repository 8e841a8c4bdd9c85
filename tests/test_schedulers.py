"""The schedulers package: closed forms agree with the exact tabulation, and a schedule costs
what its input costs, not what the numbers in it say."""

from __future__ import annotations

import numpy as np
import pytest
from test_schedule import BASE_LR, CASE_IDS, CASES, STEPPING_TRAINER, make_plan

from harness.plan.model import SchedulerSpec
from harness.schedule import compute_schedule, lr_at, lr_curve
from harness.schedulers import SCHEDULERS, TABULATE_LIMIT
from harness.schedulers.sample import DENSE, GRID

# Bound on the points of a sampled curve: dense head, two grids, two per event, the end.
SAMPLE_BOUND = DENSE + 2 * GRID + 2 * 10 + 1


@pytest.mark.parametrize("warmup", [0, 37])
@pytest.mark.parametrize(("name", "params", "n"), CASES, ids=CASE_IDS)
def test_closed_form_agrees_with_the_tabulation(name, params, n, warmup):
    spec = SchedulerSpec(
        name=name, params=params, after_epoch=False, base_lr=BASE_LR, warmup_steps=warmup
    )
    exact = lr_curve(spec, n + warmup)
    closed = lr_at(spec, np.arange(n + warmup))
    # The recursion accumulates a rounding error per step; the closed form has none.
    np.testing.assert_allclose(closed, exact, rtol=1e-9, atol=1e-18)


def test_every_modelled_scheduler_has_a_signature_in_the_library_facts():
    from harness.rules.keys import SCHEDULER_SIGNATURES

    for name, model in SCHEDULERS.items():
        required, optional = SCHEDULER_SIGNATURES[name]
        assert set(model.signature) == set(required) | set(optional) - {"last_epoch"}


@pytest.mark.parametrize("after_epoch", [True, False])
def test_a_run_of_10_12_epochs_is_sampled_with_its_events_in_closed_form(after_epoch):
    milestones = [50_000, 150_000, 300_000]
    plan = make_plan(
        params={"milestones": milestones, "gamma": 0.5},
        epochs=10**12,
        after_epoch=after_epoch,
        dataset_size=40_000,
    )
    schedule = compute_schedule(plan, trainer=STEPPING_TRAINER)
    assert schedule.total_steps == 79 * 10**12
    assert schedule.lr_per_step is None and schedule.lr_per_epoch is None
    for curve in (schedule.step_curve, schedule.epoch_curve):
        assert curve is not None and len(curve.x) <= SAMPLE_BOUND
        assert curve.x[-1] == curve.length - 1
    per_step = 1 if not after_epoch else 79
    assert [e.fires_at_step for e in schedule.events] == [m * per_step for m in milestones]
    assert schedule.final_lr_ratio() == pytest.approx(0.125)
    assert schedule.first_change_fraction() == pytest.approx(50_000 * per_step / (79 * 10**12))
    points = dict(zip(schedule.step_curve.x, schedule.step_curve.lr, strict=True))
    first = milestones[0] * per_step
    assert points[first - 1] == BASE_LR and points[first] == BASE_LR / 2
    data = schedule.to_dict(max_points=500)
    assert len(data["x_step"]) <= 500 and data["x_step"][-1] == schedule.total_steps - 1


def test_a_run_just_within_the_limit_is_tabulated_whole():
    plan = make_plan(params={"milestones": [10], "gamma": 0.5}, epochs=TABULATE_LIMIT)
    schedule = compute_schedule(plan, trainer=STEPPING_TRAINER)
    assert len(schedule.lr_per_epoch) == TABULATE_LIMIT and schedule.epoch_curve.whole


def test_rules_on_huge_numbers_use_closed_forms():
    # A loop or a table per step, epoch or batch would not finish here.
    from harness.rules import run_rules

    plan = make_plan(
        params={"milestones": [10, 20], "gamma": 0.5},
        epochs=10**12,
        batch_size=1,
        grad_accum=4 * 10**12,
        dataset_size=2 * 10**12,
        after_epoch=False,
    )
    findings = {f.code: f for f in run_rules(plan)}
    assert "S107" in findings and "1000000000000" in findings["S107"].fix
    assert "S102" in findings  # the LR halves twice within the first 10% of the run
