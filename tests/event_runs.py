"""Run folders written without training: tensorboard's own event writer and a coqpit config.

For the hazards a tiny real run does not show on demand (NaN, divergence, an LR collapse, an
empty eval set), the folder is laid out as the Coqui Trainer lays it out: config.json,
trainer_0_log.txt with its STEP lines, and an events.out.tfevents file with the Trainer's
tags, written by tensorboard's EventFileWriter.
"""

from __future__ import annotations

import json
from pathlib import Path

CONFIG = {
    "model": "xtts",
    "run_name": "synthetic",
    "epochs": 10,
    "batch_size": 4,
    "lr": 1e-3,
    "optimizer": "AdamW",
    "optimizer_params": {"betas": [0.9, 0.96], "eps": 1e-8, "weight_decay": 1e-2},
    "lr_scheduler": "MultiStepLR",
    "lr_scheduler_params": {"milestones": [30], "gamma": 0.5},
    "scheduler_after_epoch": False,
    "save_step": 1000000,
    "save_checkpoints": True,
    "run_eval": True,
}


def write_run(
    folder: Path,
    lr: list[float],
    loss: list[float],
    *,
    batches_per_epoch: int = 10,
    config: dict | None = None,
    eval_loss: list[float] | None = None,
    log_extra: str = "",
) -> Path:
    """A run folder with one logged batch per entry of ``lr`` / ``loss``."""
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.proto.summary_pb2 import Summary
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps({**CONFIG, **(config or {})}, indent=4))
    writer = EventFileWriter(str(folder))

    def scalar(tag: str, value: float, step: int) -> None:
        summary = Summary(value=[Summary.Value(tag=tag, simple_value=value)])
        writer.add_event(Event(step=step, wall_time=1.0 + step, summary=summary))

    log = [" > EPOCH: 0/9\n > TRAINING (2026-12-01)\n"]
    for step, (rate, value) in enumerate(zip(lr, loss, strict=True)):
        scalar("TrainIterStats/current_lr", rate, step)
        scalar("TrainIterStats/loss", value, step)
        scalar("TrainIterStats/grad_norm", 1.0, step)
        within = step % batches_per_epoch
        log.append(
            f"   --> TIME: x -- STEP: {within}/{batches_per_epoch - 1} -- GLOBAL_STEP: {step}\n"
        )
        if within == batches_per_epoch - 1:
            scalar("TrainEpochStats/epoch_time", 1.0, step + 1)
            epoch = (step + 1) // batches_per_epoch
            if eval_loss is not None and epoch <= len(eval_loss):
                scalar("EvalStats/avg_loss", eval_loss[epoch - 1], step + 1)
            log.append(f" > EPOCH: {epoch}/9\n > TRAINING (2026-12-01)\n")
    writer.close()
    (folder / "trainer_0_log.txt").write_text("".join(log) + log_extra)
    return folder


def step_lr(n: int, base: float, milestones: list[int], gamma: float) -> list[float]:
    """MultiStepLR stepped once per batch (accumulation 1): the LR logged at each batch."""
    return [base * gamma ** sum(1 for m in milestones if step >= m) for step in range(n)]
