"""Linear LR warmup per optimizer step, chained onto whatever scheduler the base config has.

The Coqui Trainer has no warmup. The harness builds the one ``xtts-harness schedule``
models (harness/schedule.py), so a trial's LR is the curve the schedule command shows:

- base scheduler stepped per optimizer step (``scheduler_after_epoch`` False): torch's
  ``SequentialLR([LinearLR(start_factor, 1.0, total_iters=W), base], milestones=[W])``,
  as the forks write it; the base starts after the warmup, so its milestones count from
  there;
- base stepped once per epoch (True, the Trainer's default and the demo's), or no base:
  one SequentialLR cannot mix the two units, so the warmup is a factor
  ``s + (1 - s) * min(k, W) / W`` (LinearLR's) at optimizer step k, multiplied onto the LR
  the base scheduler gives, which keeps its own LR, unit and milestones (``Warmup``).

Both count real optimizer steps: the Trainer steps a per-step scheduler only after an
optimizer step, and ``Warmup`` advances from ``register_step_post_hook``. The default start
factor is torch's LinearLR default (1/3, ``harness.schedule.WARMUP_START_FACTOR``).
"""

from __future__ import annotations

from typing import Any

from harness.schedule import WARMUP_START_FACTOR

DEFAULT_START_FACTOR = WARMUP_START_FACTOR  # one default for trials and `schedule`


def chain_warmup(
    optimizer: Any, base: Any, steps: int, start_factor: float, *, base_per_epoch: bool
) -> Any:
    """The scheduler to put in the Trainer's place of ``base`` (see the module doc)."""
    if base is not None and not base_per_epoch:
        from torch.optim.lr_scheduler import LinearLR, SequentialLR

        if steps < 1:
            raise ValueError(f"warmup needs at least one step, got {steps}")
        linear = LinearLR(optimizer, start_factor=start_factor, end_factor=1.0, total_iters=steps)
        return SequentialLR(optimizer, [linear, base], milestones=[steps])
    return Warmup(optimizer, base, steps, start_factor)


class Warmup:
    """A per-optimizer-step warmup factor on a per-epoch base (or none): stands in for the
    Trainer's scheduler, whose ``step()`` steps the base; a hook on the optimizer warms up."""

    def __init__(self, optimizer: Any, base: Any, steps: int, start_factor: float):
        if steps < 1:
            raise ValueError(f"warmup needs at least one step, got {steps}")
        if not 0.0 < start_factor <= 1.0:
            raise ValueError(f"warmup start factor must be in (0, 1], got {start_factor}")
        self.optimizer = optimizer
        self.base = base
        self.steps = steps
        self.start_factor = start_factor
        self.done = 0
        self.base_lrs = [group["lr"] for group in optimizer.param_groups]
        self._apply()
        self._handle = optimizer.register_step_post_hook(self._after_optimizer_step)

    @property
    def factor(self) -> float:
        return (
            self.start_factor + (1.0 - self.start_factor) * min(self.done, self.steps) / self.steps
        )

    def step(self) -> None:
        """Where the Trainer steps its scheduler: the base steps on its own LR."""
        if self.base is None:
            return
        for group, lr in zip(self.optimizer.param_groups, self.base_lrs, strict=True):
            group["lr"] = lr
        self.base.step()
        self.base_lrs = [group["lr"] for group in self.optimizer.param_groups]
        self._apply()

    def get_last_lr(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        base = self.base.state_dict() if self.base is not None else None
        return {"done": self.done, "base_lrs": self.base_lrs, "base": base}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.done = state["done"]
        self.base_lrs = state["base_lrs"]
        if self.base is not None and state["base"] is not None:
            self.base.load_state_dict(state["base"])
        self._apply()

    def remove(self) -> None:
        self._handle.remove()

    def _after_optimizer_step(self, _optimizer: Any, _args: Any, _kwargs: Any) -> None:
        self.done += 1
        self._apply()

    def _apply(self) -> None:
        factor = self.factor
        for group, lr in zip(self.optimizer.param_groups, self.base_lrs, strict=True):
            group["lr"] = lr * factor
