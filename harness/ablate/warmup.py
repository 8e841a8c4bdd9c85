"""Linear LR warmup per optimizer step, chained onto whatever scheduler the base config has.

The Coqui Trainer has no warmup. Forks add one as ``SequentialLR([LinearLR, base])``,
which also *delays* the base schedule by the warmup length, and which cannot work when
the base steps once per epoch (``scheduler_after_epoch`` True, the default). Here the
warmup is a factor multiplied onto the base scheduler's LR:

    lr(k) = base_lr(k) * (s + (1 - s) * min(k, W) / W)

for optimizer step k, warmup length W and start factor s (LinearLR's formula). The base
scheduler keeps its own LR and its own stepping unit: the Trainer still steps it once per
epoch or once per optimizer step, as the base config says, and it never sees the factor.
So "warmup on" and "warmup off" differ during the first W optimizer steps only, which is
the comparison an ablation wants; with a per-step MultiStepLR base this equals
``ChainedScheduler([LinearLR, MultiStepLR])``. The warmup counts real optimizer steps
(``register_step_post_hook``): accumulation batches and skipped fp16 steps do not count.
"""

from __future__ import annotations

from typing import Any

DEFAULT_START_FACTOR = 0.01


class Warmup:
    """Stands in for the Trainer's scheduler: ``step()`` steps the base, a hook warms up."""

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
