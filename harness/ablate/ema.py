"""EMA of the trained weights (xtts.gpt), which neither the Coqui Trainer nor TTS has.

``torch.optim.swa_utils.AveragedModel`` with ``get_ema_multi_avg_fn``, updated from
``optimizer.register_step_post_hook``: the hook fires only when the optimizer really
steps, so batches that only accumulate gradients (``grad_accum_steps``) do not move the
average, and a step the fp16 grad scaler skips does not either (it skips
``optimizer.step``). Evaluation runs with the EMA weights swapped in, then swapped back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class Ema:
    """Exponential moving average of ``module``'s parameters, one update per optimizer step."""

    def __init__(self, module: Any, optimizer: Any, decay: float):
        from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

        if not 0.0 < decay < 1.0:
            raise ValueError(f"EMA decay must be in (0, 1), got {decay}")
        self.module = module
        self.decay = decay
        self.updates = 0
        self.averaged = AveragedModel(module, multi_avg_fn=get_ema_multi_avg_fn(decay))
        self._handle = optimizer.register_step_post_hook(self._after_step)

    def _after_step(self, _optimizer: Any, _args: Any, _kwargs: Any) -> None:
        self.averaged.update_parameters(self.module)
        self.updates += 1

    def remove(self) -> None:
        self._handle.remove()

    @contextmanager
    def swapped_in(self) -> Iterator[None]:
        """Run the block with the EMA weights in ``module``; restore the trained ones after."""
        import torch

        if self.updates == 0:  # nothing averaged yet: the EMA equals the weights
            yield
            return
        params = list(self.module.parameters())
        with torch.no_grad():
            saved = [p.detach().clone() for p in params]
            for param, averaged in zip(params, self.averaged.module.parameters(), strict=True):
                param.copy_(averaged)
        try:
            yield
        finally:
            with torch.no_grad():
                for param, original in zip(params, saved, strict=True):
                    param.copy_(original)
