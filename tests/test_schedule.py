"""The LR schedule against torch's real schedulers and the coqui Trainer's real stepping."""

from __future__ import annotations

import importlib.metadata
import json
import logging
import warnings
from typing import Any

import numpy as np
import pytest

from harness.plan.build import build_plan
from harness.plan.defaults import LATEST
from harness.plan.mapping import raw_from_mapping
from harness.plan.model import Plan, SchedulerSpec
from harness.plan.source import Unknown
from harness.schedule import (
    WARMUP_START_FACTOR,
    ScheduleNotModelled,
    compute_schedule,
    lr_curve,
)

BASE_LR = 5e-06
# A trainer that steps a per-epoch scheduler at each epoch end (0.3.1 and the original
# coqui-ai Trainer); the default table's coqui-tts-trainer 0.4.0 never steps it.
STEPPING_TRAINER = "coqui-tts-trainer 0.3.1"


def make_plan(
    *,
    scheduler: str | None = "MultiStepLR",
    params: dict[str, Any] | None = None,
    epochs: Any = 100,
    after_epoch: Any = None,
    batch_size: int = 4,
    grad_accum: int = 128,
    dataset_size: Any = None,
    lr: Any = BASE_LR,
    warmup: dict[str, Any] | None = None,
    library: str | None = None,
) -> Plan:
    data: dict[str, Any] = {
        "lr": lr,
        "lr_scheduler": scheduler,
        "lr_scheduler_params": params or {},
        "epochs": epochs,
        "batch_size": batch_size,
        "trainer": {"grad_accum_steps": grad_accum},
        "plan": {} if dataset_size is None else {"dataset_size": dataset_size},
    }
    if after_epoch is not None:
        data["scheduler_after_epoch"] = after_epoch
    if warmup is not None:
        data["extras"] = {"warmup": warmup}
    return build_plan(raw_from_mapping(data, name="candidate", path="candidate.toml"), library)


# --- the cases the project exists for -------------------------------------------------------


@pytest.mark.parametrize("trainer", [STEPPING_TRAINER, None])
@pytest.mark.parametrize("dataset_size", [None, 12000])
def test_recipe_milestones_never_fire_in_epochs(dataset_size, trainer):
    # Official recipe: milestones in "steps" [50000*18, ...], stepped per epoch, 1000 epochs.
    plan = make_plan(
        params={"milestones": [50000 * 18, 150000 * 18, 300000 * 18], "gamma": 0.5},
        epochs=1000,
        dataset_size=dataset_size,
    )
    schedule = compute_schedule(plan, trainer=trainer)
    assert schedule.unit == "epoch"
    assert [e.fires for e in schedule.events] == [False, False, False]
    if trainer == STEPPING_TRAINER:
        assert schedule.events[0].describe(1000) == "never fires (run has 1000 epochs)"
    assert set(schedule.lr_per_epoch) == {BASE_LR}
    assert schedule.first_change_fraction() is None
    assert schedule.final_lr_ratio() == 1.0
    if dataset_size:
        assert schedule.steps_per_epoch == 24  # ceil(ceil(12000 / 4) / 128)
        assert len(schedule.lr_per_step) == 24_000 and set(schedule.lr_per_step) == {BASE_LR}


def test_epoch_sized_milestones_reach_an_eighth_by_three_percent():
    # The "before" Amharic candidate: [1, 2, 3], gamma 0.5, 100 epochs, dataset size unknown.
    plan = make_plan(params={"milestones": [1, 2, 3], "gamma": 0.5}, epochs=100)
    schedule = compute_schedule(plan, trainer=STEPPING_TRAINER)
    assert schedule.scheduler_stepped and schedule.notes == []
    expected = BASE_LR * np.array([1, 0.5, 0.25] + [0.125] * 97)
    np.testing.assert_array_equal(schedule.lr_per_epoch, expected)
    last = schedule.events[-1]
    assert (last.label, last.fires_at_epoch, last.fires_at_step) == ("milestone 3", 3, None)
    assert last.describe(100) == "fires after epoch 3 of 100, 3% of the run"
    assert schedule.first_change_fraction() == pytest.approx(0.01)
    assert schedule.final_lr_ratio() == pytest.approx(0.125)
    # Without a dataset size the per-step curve is undecided, and the output says why.
    assert schedule.lr_per_step is None
    assert any("dataset_size" in s and "per-step curve" in s for s in schedule.undecided)
    data = schedule.to_dict()
    assert data["x_step"] is None and data["x_epoch"] == list(range(100))
    assert data["lr"] == expected.tolist()


def test_trainer_0_4_never_steps_a_per_epoch_scheduler():
    # The installed coqui-tts-trainer 0.4.0 (the default table's) never calls step() on a
    # single optimizer's per-epoch scheduler: only its constructor acts (ConstantLR's factor).
    plan = make_plan(
        params={"milestones": [1, 2, 3], "gamma": 0.5}, dataset_size=12000, library=LATEST
    )
    schedule = compute_schedule(plan)
    assert schedule.trainer == "coqui-tts-trainer 0.4.0" and not schedule.scheduler_stepped
    assert set(schedule.lr_per_step) == {BASE_LR} and schedule.first_change_fraction() is None
    assert [e.fires for e in schedule.events] == [False, False, False]
    assert "never steps a per-epoch scheduler" in schedule.events[0].describe(100)
    assert any("scheduler_after_epoch False" in note for note in schedule.notes)
    constant = make_plan(
        scheduler="ConstantLR", params={"factor": 0.5, "total_iters": 2}, library=LATEST
    )
    assert set(compute_schedule(constant).lr_per_epoch) == {BASE_LR * 0.5}


def test_a_plan_without_a_declared_library_follows_the_documented_stepping():
    # Which trainer will run an undeclared config is unknown: the schedule shows what every
    # trainer but 0.4.0 does (a rule warns about 0.4.0 separately).
    plan = make_plan(params={"milestones": [1, 2, 3], "gamma": 0.5})
    assert not plan.library_declared
    schedule = compute_schedule(plan)
    assert schedule.scheduler_stepped and schedule.trainer is None
    assert schedule.final_lr_ratio() == pytest.approx(0.125)
    # Stepped per optimizer step, the same trainer does step it.
    per_step = make_plan(params={"milestones": [1]}, after_epoch=False, dataset_size=12000)
    assert compute_schedule(per_step).scheduler_stepped


def test_step_unit_milestones_sized_to_the_run():
    # The fix: scheduler_after_epoch False and milestones in optimizer steps (2400 in the run).
    plan = make_plan(
        params={"milestones": [1200, 1800, 2400], "gamma": 0.5},
        after_epoch=False,
        dataset_size=12000,
    )
    schedule = compute_schedule(plan)
    assert (schedule.unit, schedule.steps_per_epoch, schedule.total_steps) == (
        "optimizer_step",
        24,
        2400,
    )
    first, second, last = schedule.events
    assert (first.fires_at_step, first.fires_at_epoch) == (1200, 51)
    assert (second.fires_at_step, second.fires_at_epoch) == (1800, 76)
    assert not last.fires and "2,400 optimizer steps" in last.describe(100, 2400)
    assert schedule.lr_per_step[1199] == BASE_LR and schedule.lr_per_step[1200] == BASE_LR / 2
    assert schedule.lr_per_epoch[50] == BASE_LR / 2  # epoch 51 starts at step 1200
    assert schedule.first_change_fraction() == 0.5


def test_step_unit_without_dataset_size_is_undecided():
    plan = make_plan(params={"milestones": [1200], "gamma": 0.5}, after_epoch=False)
    schedule = compute_schedule(plan)
    assert schedule.lr_per_step is None and schedule.lr_per_epoch is None
    (event,) = schedule.events
    assert event.fires is None and event.index == 1200
    assert any("cannot be placed in epochs" in s for s in schedule.undecided)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"params": {"milestones": Unknown("MILESTONES"), "gamma": 0.5}}, "MILESTONES"),
        ({"params": {"milestones": [1, Unknown("cfg.M2")]}}, "cfg.M2"),
        ({"scheduler": Unknown("args.scheduler")}, "args.scheduler"),
        ({"after_epoch": Unknown("AFTER")}, "AFTER"),
        ({"scheduler": "ReduceLROnPlateau", "params": {}}, "without the metric"),
        ({"scheduler": "multisteplr"}, "did you mean MultiStepLR"),
        ({"scheduler": "OneCycleLR", "params": {"max_lr": 1e-3}}, "not modelled"),
        ({"params": {"milestones": [1], "gama": 0.5}}, "takes no parameter gama"),
        ({"params": {"gamma": 0.5}}, "needs lr_scheduler_params.milestones"),
        ({"scheduler": "CosineAnnealingWarmRestarts", "params": {"T_0": 10.0}}, "integer"),
        ({"epochs": Unknown("EPOCHS")}, "EPOCHS"),
    ],
)
def test_unmodelled_or_unknown_values_are_reported_not_raised(overrides, expected):
    kwargs = {"params": {"milestones": [1, 2], "gamma": 0.5}} | overrides
    schedule = compute_schedule(make_plan(**kwargs))
    assert schedule.lr_per_epoch is None and schedule.lr_per_step is None
    assert any(expected in sentence for sentence in schedule.undecided), schedule.undecided
    json.dumps(schedule.to_dict(), allow_nan=False)


def test_unknown_lr_gives_the_curve_relative_to_one():
    plan = make_plan(params={"milestones": [1, 2], "gamma": 0.5}, lr=Unknown("LR"), epochs=4)
    schedule = compute_schedule(plan, trainer=STEPPING_TRAINER)
    np.testing.assert_array_equal(schedule.lr_per_epoch, [1.0, 0.5, 0.25, 0.25])
    assert schedule.base_lr is None and any("lr is unknown (LR)" in s for s in schedule.undecided)


def test_no_scheduler_is_a_constant_lr():
    schedule = compute_schedule(make_plan(scheduler=None, dataset_size=1000, epochs=3))
    assert list(schedule.lr_per_step) == [BASE_LR] * 6
    assert schedule.events == [] and schedule.undecided == []


def test_step_warmup_chains_before_the_step_unit_scheduler():
    plan = make_plan(
        params={"milestones": [1000], "gamma": 0.5},
        after_epoch=False,
        dataset_size=12000,
        warmup={"enabled": True, "steps": 100},
    )
    schedule = compute_schedule(plan)
    warmup, milestone = schedule.events
    assert (warmup.kind, warmup.fires_at_step) == ("warmup_end", 100)
    assert milestone.fires_at_step == 1100  # SequentialLR counts the base scheduler from 100
    lr = schedule.lr_per_step
    assert lr[0] == pytest.approx(BASE_LR * WARMUP_START_FACTOR, rel=1e-15)
    assert lr[100] == BASE_LR and lr[1099] == BASE_LR and lr[1100] == BASE_LR / 2


def test_step_warmup_before_an_epoch_scheduler_multiplies_each_step():
    plan = make_plan(
        params={"milestones": [1], "gamma": 0.5},
        dataset_size=12000,  # 24 optimizer steps per epoch
        epochs=3,
        warmup={"enabled": True, "steps": 30, "start_factor": 0.1},
    )
    schedule = compute_schedule(plan, trainer=STEPPING_TRAINER)
    lr = schedule.lr_per_step
    factor = 0.1 + 0.9 * np.arange(30) / 30
    np.testing.assert_allclose(lr[:24], BASE_LR * factor[:24], rtol=1e-15)
    np.testing.assert_allclose(lr[24:30], BASE_LR / 2 * factor[24:], rtol=1e-15)
    assert list(lr[30:48]) == [BASE_LR / 2] * 18
    assert schedule.events[0].unit == "optimizer_step" and schedule.events[0].fires_at_epoch == 2


def test_to_dict_keeps_every_change_within_max_points():
    plan = make_plan(
        params={"milestones": [50_000, 150_000], "gamma": 0.5},
        after_epoch=False,
        dataset_size=4_000_000,  # 7813 optimizer steps per epoch, 781300 in the run
    )
    data = compute_schedule(plan).to_dict(max_points=500)
    json.dumps(data, allow_nan=False)
    assert len(data["x_step"]) == len(data["lr"]) == len(data["x_epoch"]) <= 500
    points = dict(zip(data["x_step"], data["lr"], strict=True))
    assert points[49_999] == BASE_LR and points[50_000] == BASE_LR / 2
    assert points[149_999] == BASE_LR / 2 and points[150_000] == BASE_LR / 4
    assert data["x_step"][-1] == data["total_steps"] - 1
    assert [e["fires_at_step"] for e in data["events"]] == [50_000, 150_000]


# --- against torch's real schedulers -------------------------------------------------------

CASES = [
    ("MultiStepLR", {"milestones": [10, 20, 20, 500], "gamma": 0.5}, 800),
    ("MultiStepLR", {"milestones": [0, 300, 100], "gamma": 0.1}, 400),
    ("MultiStepLR", {"milestones": [10.0, 10.5, -3], "gamma": 0.5}, 50),
    ("StepLR", {"step_size": 7, "gamma": 0.9}, 500),
    ("StepLR", {"step_size": 1, "gamma": 0.999}, 2000),
    ("ExponentialLR", {"gamma": 0.998}, 3000),
    ("CosineAnnealingLR", {"T_max": 1000}, 3100),
    ("CosineAnnealingLR", {"T_max": 1000, "eta_min": 1e-7}, 3100),
    ("CosineAnnealingLR", {"T_max": 20000, "eta_min": 1e-8}, 41000),
    ("CosineAnnealingLR", {"T_max": 1}, 20),
    ("CosineAnnealingWarmRestarts", {"T_0": 10, "T_mult": 2, "eta_min": 1e-7}, 700),
    ("CosineAnnealingWarmRestarts", {"T_0": 50}, 300),
    ("LinearLR", {"start_factor": 0.1, "total_iters": 100}, 300),
    ("LinearLR", {"start_factor": 1.0, "end_factor": 0.0, "total_iters": 500}, 600),
    ("ConstantLR", {"factor": 0.5, "total_iters": 10}, 50),
    ("ConstantLR", {}, 50),
    ("NoamLR", {"warmup_steps": 400}, 3000),
    ("noamlr", {}, 100),  # the trainer matches its own schedulers case-insensitively
    ("StepwiseGradualLR", {"gradual_learning_rates": [[0, 1e-3], [100, 5e-4], [1000, 1e-4]]}, 1500),
    ("StepwiseGradualLR", {"gradual_learning_rates": [[10, 1e-3], [5, 2e-3]]}, 30),
    (None, {}, 10),
]
CASE_IDS = [f"{name}-{i}" for i, (name, _, _) in enumerate(CASES)]


def torch_lrs(name, params, n, *, warmup=0, start_factor=WARMUP_START_FACTOR):
    """Step the scheduler the coqui Trainer builds (get_scheduler) n-1 times; LR after each."""
    torch = pytest.importorskip("torch")
    trainer_utils = pytest.importorskip("trainer.trainer_utils")
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=BASE_LR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # step() before optimizer.step(); step(0) deprecation
        scheduler = trainer_utils.get_scheduler(name, dict(params), optimizer)
        if warmup:
            head = torch.optim.lr_scheduler.LinearLR(
                optimizer, start_factor=start_factor, end_factor=1.0, total_iters=warmup
            )
            scheduler = torch.optim.lr_scheduler.SequentialLR(
                optimizer,
                [head, scheduler or torch.optim.lr_scheduler.ConstantLR(optimizer, 1)],
                milestones=[warmup],
            )
        lrs = [optimizer.param_groups[0]["lr"]]
        for _ in range(n - 1):
            if scheduler is not None:
                scheduler.step()
            lrs.append(optimizer.param_groups[0]["lr"])
    return np.array(lrs)


@pytest.mark.ablate
@pytest.mark.parametrize(("name", "params", "n"), CASES, ids=CASE_IDS)
def test_lr_curve_matches_torch_at_every_step(name, params, n):
    spec = SchedulerSpec(name=name, params=params, after_epoch=False, base_lr=BASE_LR)
    expected = torch_lrs(name, params, n)
    # Bit for bit: the same float operations as torch's chainable get_lr, in its order.
    np.testing.assert_array_equal(lr_curve(spec, n), expected)


@pytest.mark.ablate
@pytest.mark.parametrize(("name", "params", "n"), CASES, ids=CASE_IDS)
def test_warmup_chain_matches_torch_sequential_lr(name, params, n):
    spec = SchedulerSpec(
        name=name, params=params, after_epoch=False, base_lr=BASE_LR, warmup_steps=37
    )
    expected = torch_lrs(name, params, n + 37, warmup=37, start_factor=0.05)
    ours = lr_curve(spec, n + 37, warmup_start_factor=0.05)
    np.testing.assert_array_equal(ours, expected)


@pytest.mark.ablate
@pytest.mark.parametrize(("epochs", "milestones"), [(5, [4, 5]), (100, [1, 2, 3, 100])])
def test_epoch_unit_matches_torch_stepped_at_each_epoch_end(epochs, milestones):
    # The per-epoch rule of trainers that step it (0.3.1 train_epoch): the LR during epoch e
    # is the LR after e calls of step(); a milestone equal to `epochs` is never seen.
    plan = make_plan(params={"milestones": milestones, "gamma": 0.1}, epochs=epochs)
    schedule = compute_schedule(plan, trainer=STEPPING_TRAINER)
    expected = torch_lrs("MultiStepLR", {"milestones": milestones, "gamma": 0.1}, epochs)
    np.testing.assert_array_equal(schedule.lr_per_epoch, expected)
    fired = [e.fires_at_epoch for e in schedule.events]
    assert fired == [m if m < epochs else None for m in milestones]


@pytest.mark.ablate
@pytest.mark.parametrize("t_max", [1 / 3, 0.2, 2 / 3, 1 / 7])
def test_a_cosine_that_divides_by_zero_is_named_at_the_step_torch_raises(t_max):
    # 1 + cos(pi * (t - 1) / T_max) is 0.0 when (t - 1) / T_max is odd: torch's chainable
    # get_lr raises there, and the model says so at that step instead of drawing nan.
    params = {"T_max": t_max}
    spec = SchedulerSpec("CosineAnnealingLR", params, after_epoch=False, base_lr=BASE_LR)
    with pytest.raises(ScheduleNotModelled, match=r"at scheduler step (\d+)") as raised:
        lr_curve(spec, 100)
    step = int(raised.value.args[0].split("scheduler step ")[1].split()[0])
    assert len(torch_lrs("CosineAnnealingLR", params, step)) == step  # steps before it run
    with pytest.raises(ZeroDivisionError):
        torch_lrs("CosineAnnealingLR", params, step + 1)


@pytest.mark.ablate
def test_names_torch_lacks_fail_in_the_trainer_too():
    torch = pytest.importorskip("torch")
    trainer_utils = pytest.importorskip("trainer.trainer_utils")
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=BASE_LR)
    with pytest.raises(AttributeError):
        trainer_utils.get_scheduler("multisteplr", {"milestones": [1]}, optimizer)
    schedule = compute_schedule(make_plan(scheduler="multisteplr", params={"milestones": [1]}))
    assert schedule.lr_per_epoch is None


# --- against the real coqui Trainer ----------------------------------------------------------


def run_real_trainer(tmp_path, *, after_epoch, milestones, epochs, samples, batch, accum):
    """Train a 2-parameter model with trainer.Trainer; the LR at the start of every batch."""
    torch = pytest.importorskip("torch")
    trainer_pkg = pytest.importorskip("trainer")
    from trainer.model import TrainerModel

    class Tiny(TrainerModel):
        def __init__(self):
            super().__init__()
            self.layer = torch.nn.Linear(1, 1)
            self.lrs: list[float] = []

        def forward(self, x):
            return self.layer(x)

        def train_step(self, batch, criterion):
            y = self.layer(batch["x"])
            return {"y": y}, {"loss": (y**2).mean()}

        def eval_step(self, batch, criterion):
            return self.train_step(batch, criterion)

        def on_train_step_start(self, trainer):
            self.lrs.append(trainer.optimizer[0].param_groups[0]["lr"])

        def get_criterion(self):
            return torch.nn.MSELoss()

        def get_data_loader(self, config, *, is_eval=False, samples=None, verbose=True):
            data = torch.tensor(samples, dtype=torch.float32).unsqueeze(1)
            collate = lambda rows: {"x": torch.stack(rows)}  # noqa: E731
            return torch.utils.data.DataLoader(
                data, batch_size=config.batch_size, collate_fn=collate
            )

    config = trainer_pkg.TrainerConfig(
        epochs=epochs,
        batch_size=batch,
        lr=1.0,
        optimizer="SGD",
        optimizer_params={},
        lr_scheduler="MultiStepLR",
        lr_scheduler_params={"milestones": milestones, "gamma": 0.5},
        scheduler_after_epoch=after_epoch,
        run_eval=False,
        save_checkpoints=False,
        save_best_after=10**9,
        print_step=10**9,
        plot_step=10**9,
        output_path=str(tmp_path),
    )
    model = Tiny()
    logger = logging.getLogger("trainer")
    handlers = list(logger.handlers)
    try:
        trainer = trainer_pkg.Trainer(
            trainer_pkg.TrainerArgs(grad_accum_steps=accum),
            config,
            str(tmp_path),
            model=model,
            train_samples=[float(i) for i in range(samples)],
            parse_command_line_args=False,
        )
        trainer._fit()
    finally:
        for handler in set(logger.handlers) - set(handlers):  # the Trainer never removes them
            logger.removeHandler(handler)
            handler.close()
    return np.array(model.lrs)


@pytest.mark.ablate
@pytest.mark.parametrize(
    ("after_epoch", "milestones"), [(True, [1, 2, 3]), (False, [1, 2, 3, 4, 5, 6])]
)
def test_stepping_rule_matches_the_real_trainer(tmp_path, after_epoch, milestones):
    # 10 samples, batch 3: 4 batches an epoch; accumulation 3: optimizer steps after batches
    # 3 and 4 (the forced step at the epoch's last batch), so 2 optimizer steps an epoch.
    epochs, samples, batch, accum = 3, 10, 3, 3
    seen = run_real_trainer(
        tmp_path,
        after_epoch=after_epoch,
        milestones=milestones,
        epochs=epochs,
        samples=samples,
        batch=batch,
        accum=accum,
    )
    plan = make_plan(
        params={"milestones": milestones, "gamma": 0.5},
        after_epoch=after_epoch,
        epochs=epochs,
        batch_size=batch,
        grad_accum=accum,
        dataset_size=samples,
        lr=1.0,
    )
    # Pin the model of the installed trainer: 0.4.0 never steps a per-epoch scheduler.
    installed = f"coqui-tts-trainer {importlib.metadata.version('coqui-tts-trainer')}"
    schedule = compute_schedule(plan, trainer=installed)
    assert schedule.steps_per_epoch == 2
    # Each batch belongs to the optimizer step its accumulation window ends in.
    batch_in_epoch = np.tile(np.arange(4), epochs)
    step_of_batch = np.repeat(np.arange(epochs), 4) * 2 + batch_in_epoch // accum
    np.testing.assert_array_equal(seen, np.asarray(schedule.lr_per_step)[step_of_batch])
    assert schedule.events[-1].fires is False  # the last milestone is one step too late
    if not after_epoch:
        assert len(set(seen)) == 6  # each optimizer step has its own LR: the rule is visible
