"""The schedulers package: closed forms agree with the exact tabulation, and a schedule costs
what its input costs, not what the numbers in it say."""

from __future__ import annotations

import math
from array import array

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_schedule import BASE_LR, CASE_IDS, CASES, STEPPING_TRAINER, make_plan

from harness.plan.model import SchedulerSpec
from harness.schedule import compute_schedule, lr_at, lr_curve
from harness.schedulers import SCHEDULERS, TABULATE_LIMIT
from harness.schedulers.sample import DENSE, GRID, sample_indices
from harness.schedulers.vectors import changes, repeat_each

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


# --- pure Python in place of numpy: the facts it relies on --------------------------------


@pytest.mark.parametrize("n", [1, 2, 255, 3_000, TABULATE_LIMIT + 1, 79 * 10**12])
def test_sampled_steps_are_numpys_linspace_and_geomspace_grids(n):
    # The grids repeat numpy's arithmetic, so a long run samples the steps (and writes the
    # JSON) that the numpy implementation did.
    events = [5, n // 3, n - 1, None, n + 7]
    marks = [i for e in events if e is not None for i in (e - 1, e) if 0 <= i < n]
    parts = [
        np.arange(min(n, DENSE)),
        np.linspace(0, n - 1, GRID).round().astype(np.int64),
        np.unique(np.geomspace(1, n, GRID).round().astype(np.int64)) - 1,
        np.asarray(marks, dtype=np.int64),
        [n - 1],
    ]
    assert sample_indices(n, events) == np.unique(np.concatenate(parts)).tolist()


@given(
    st.lists(
        st.tuples(st.sampled_from([0.0, -0.0, 1.0, 0.5, math.nan, math.inf]), st.integers(1, 40)),
        max_size=30,
    )
)
def test_changes_are_numpys_not_equal_positions(runs):
    # memoryview slices of array('d') compare as floats in C: -0.0 == 0.0, nan != nan.
    values = [value for value, length in runs for _ in range(length)]
    expected = np.flatnonzero(np.array(values[1:]) != np.array(values[:-1])) + 1
    assert list(changes(array("d", values))) == expected.tolist()


@given(st.lists(st.floats(allow_nan=False), max_size=200), st.integers(0, 40))
def test_repeat_each_is_numpys_repeat(values, times):
    np.testing.assert_array_equal(repeat_each(values, times), np.repeat(values, times))


def test_numpy_reads_a_tabulation_without_a_copy():
    plan = make_plan(params={"milestones": [10], "gamma": 0.5}, after_epoch=False, dataset_size=400)
    schedule = compute_schedule(plan)
    view = np.asarray(schedule.lr_per_step)  # what runcheck does with it
    assert view.dtype == np.float64 and len(view) == schedule.total_steps == 100
    schedule.lr_per_step[0] = 1.0
    assert view[0] == 1.0


def test_an_overflowing_closed_form_is_infinite_not_an_error():
    # numpy's gamma ** step gave inf for a growing ExponentialLR; Python's ** raises instead.
    plan = make_plan(scheduler="ExponentialLR", params={"gamma": 1.5}, epochs=10**12)
    schedule = compute_schedule(plan, trainer=STEPPING_TRAINER)
    assert schedule.epoch_curve is not None and not schedule.epoch_curve.whole
    assert schedule.epoch_curve.lr[-1] == math.inf
    data = schedule.to_dict()
    assert data["lr"][-1] is None and data["final_lr_ratio"] == math.inf
