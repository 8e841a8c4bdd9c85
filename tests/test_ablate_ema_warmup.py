"""EMA and warmup as the trial runner attaches them to the Trainer's optimizer."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from harness.ablate.ema import Ema  # noqa: E402
from harness.ablate.warmup import Warmup  # noqa: E402

pytestmark = pytest.mark.ablate
DEMO = Path(__file__).resolve().parents[1] / "experiments" / "amharic_bpe"


def model_and_optimizer(lr=0.1):
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    return model, torch.optim.SGD(model.parameters(), lr=lr)


def accumulate_and_step(model, optimizer, batches: int, step: bool) -> None:
    for _ in range(batches):
        model(torch.randn(4, 3)).pow(2).mean().backward()
    if step:
        optimizer.step()
        optimizer.zero_grad()


def test_ema_moves_on_optimizer_steps_only_and_is_swapped_in_for_eval():
    model, optimizer = model_and_optimizer()
    ema = Ema(model, optimizer, decay=0.5)
    expected = None
    for steps_done in range(3):  # 3 optimizer steps, each after 4 accumulation batches
        accumulate_and_step(model, optimizer, batches=3, step=False)
        assert ema.updates == steps_done  # accumulation batches do not move the average
        accumulate_and_step(model, optimizer, batches=1, step=True)
        weight = model.weight.detach().clone()
        expected = weight if expected is None else 0.5 * expected + 0.5 * weight
    assert ema.updates == 3
    trained = model.weight.detach().clone()
    with ema.swapped_in():
        assert torch.allclose(model.weight, expected)
    assert torch.equal(model.weight, trained)
    ema.remove()
    accumulate_and_step(model, optimizer, batches=1, step=True)
    assert ema.updates == 3


def run_trainer_like(optimizer, scheduler, steps_per_epoch, epochs, after_epoch):
    """Step like the Coqui Trainer: per optimizer step, or once per epoch."""
    lrs = []
    for _ in range(epochs):
        for _ in range(steps_per_epoch):
            lrs.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            if not after_epoch:
                scheduler.step()
        if after_epoch:
            scheduler.step()
    return lrs


@pytest.mark.parametrize("after_epoch", [False, True])
def test_trial_warmup_lr_per_step_is_the_curve_the_schedule_command_shows(after_epoch):
    """The LR a trial's optimizer really sees, step by step, stepped the way the Coqui
    Trainer steps it, equals harness.schedule's curve for the same plan: SequentialLR
    (milestones after the warmup) on a per-step base, a per-step factor on a per-epoch one."""
    from harness.ablate.spec import apply_overrides, load_spec
    from harness.ablate.warmup import DEFAULT_START_FACTOR, chain_warmup
    from harness.schedule import compute_schedule

    plan = load_spec(DEMO / "ablation.toml").plan
    milestones = [8, 12] if not after_epoch else [1, 2]
    plan = apply_overrides(
        plan,
        {
            "lr": 0.1,
            "dataset_size": 20,
            "batch_size": 4,
            "epochs": 3,
            "grad_accum_steps": 1,
            "scheduler_after_epoch": after_epoch,
            "lr_scheduler_params.milestones": milestones,
            "extras.warmup.enabled": True,
            "extras.warmup.steps": 6,
        },
        DEMO / "ablation.toml",
        "test",
    )
    expected = compute_schedule(plan).lr_per_step
    assert expected is not None and len(expected) == 15

    _, optimizer = model_and_optimizer(lr=0.1)
    base = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=milestones, gamma=0.5)
    scheduler = chain_warmup(optimizer, base, 6, DEFAULT_START_FACTOR, base_per_epoch=after_epoch)
    lrs = run_trainer_like(
        optimizer, scheduler, steps_per_epoch=5, epochs=3, after_epoch=after_epoch
    )
    assert lrs == pytest.approx(list(expected), rel=1e-9)
    assert lrs[0] == pytest.approx(0.1 * DEFAULT_START_FACTOR)


def test_warmup_without_a_base_scheduler_warms_up_a_constant_lr():
    _, optimizer = model_and_optimizer()
    warmup = Warmup(optimizer, None, steps=2, start_factor=0.5)
    lrs = run_trainer_like(optimizer, warmup, steps_per_epoch=4, epochs=1, after_epoch=False)
    assert lrs == pytest.approx([0.05, 0.075, 0.1, 0.1])
