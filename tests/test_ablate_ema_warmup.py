"""EMA and warmup as the trial runner attaches them to the Trainer's optimizer."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from harness.ablate.ema import Ema  # noqa: E402
from harness.ablate.warmup import Warmup  # noqa: E402

pytestmark = pytest.mark.ablate


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


def test_warmup_chains_onto_a_per_step_multisteplr_like_chainedscheduler():
    _, opt_a = model_and_optimizer()
    _, opt_b = model_and_optimizer()
    base = torch.optim.lr_scheduler.MultiStepLR(opt_a, milestones=[4, 9], gamma=0.5)
    warmup = Warmup(opt_a, base, steps=6, start_factor=0.1)
    chained = torch.optim.lr_scheduler.ChainedScheduler(
        [
            torch.optim.lr_scheduler.LinearLR(opt_b, start_factor=0.1, total_iters=6),
            torch.optim.lr_scheduler.MultiStepLR(opt_b, milestones=[4, 9], gamma=0.5),
        ]
    )
    ours = run_trainer_like(opt_a, warmup, steps_per_epoch=5, epochs=3, after_epoch=False)
    reference = run_trainer_like(opt_b, chained, steps_per_epoch=5, epochs=3, after_epoch=False)
    assert ours == pytest.approx(reference, rel=1e-9)
    assert ours[0] == pytest.approx(0.01) and ours[-1] == pytest.approx(0.025)


def test_warmup_per_step_with_a_per_epoch_base_keeps_the_epoch_milestones():
    _, optimizer = model_and_optimizer()
    base = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[1, 2], gamma=0.5)
    warmup = Warmup(optimizer, base, steps=4, start_factor=0.2)
    lrs = run_trainer_like(optimizer, warmup, steps_per_epoch=3, epochs=3, after_epoch=True)
    factor = [min(1.0, 0.2 + 0.8 * k / 4) for k in range(9)]
    epoch_lr = [0.1, 0.05, 0.025]
    expected = [epoch_lr[k // 3] * factor[k] for k in range(9)]
    assert lrs == pytest.approx(expected, rel=1e-9)


def test_warmup_without_a_base_scheduler_warms_up_a_constant_lr():
    _, optimizer = model_and_optimizer()
    warmup = Warmup(optimizer, None, steps=2, start_factor=0.5)
    lrs = run_trainer_like(optimizer, warmup, steps_per_epoch=4, epochs=1, after_epoch=False)
    assert lrs == pytest.approx([0.05, 0.075, 0.1, 0.1])
