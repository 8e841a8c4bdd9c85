"""check-run on a run folder with 100k logged batches, against loading the same events with
tbparse (pandas) and with tensorboard's own readers.

The folder is written the way the Coqui Trainer writes it: its ``TensorboardLogger``
(torch's SummaryWriter) gets ``train_step_stats`` with the GPTTrainer's loss dict every
batch (7 scalars: 700k events), ``train_epoch_stats`` and ``eval_stats`` every 1000 batches,
and config.json and trainer_0_log.txt sit next to it. Sides, each timed once, cold:

- check-run: ``harness.runcheck.check_run``: events, log, config, the prediction for
  100k batches, the comparison and the hazards, i.e. the whole command.
- tbparse: ``SummaryReader(folder).scalars`` (a pandas DataFrame of every scalar); only
  loading, nothing checked. tbparse is the ``bench`` extra (pip install -e .[bench]).
- tensorboard raw: ``RawEventFileLoader`` + ``event_pb2.Event.FromString`` for every record
  (tensorboard's TFRecord reader without TensorFlow, checking CRCs in Python).
- EventAccumulator (with --all; slowest): tensorboard's own scalar loading.

The target (issue 12) is check-run at least 10x faster than tbparse's loading.
Usage: python benchmarks/bench_check_run.py [--batches 100000] [--folder DIR] [--all]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

CONFIG = {
    "model": "xtts",
    "run_name": "bench",
    "epochs": 100,
    "batch_size": 4,
    "lr": 5e-06,
    "optimizer": "AdamW",
    "optimizer_params": {"betas": [0.9, 0.96], "eps": 1e-8, "weight_decay": 1e-2},
    "lr_scheduler": "MultiStepLR",
    "lr_scheduler_params": {"milestones": [30000, 60000], "gamma": 0.5},
    "scheduler_after_epoch": False,
    "save_step": 10000,
}
PER_EPOCH = 1000


def write_folder(folder: Path, batches: int) -> None:
    """The Trainer's TensorboardLogger, config.json and the text log of ``batches`` batches."""
    from trainer.logging.tensorboard_logger import TensorboardLogger

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(CONFIG, indent=4))
    logger = TensorboardLogger(str(folder), model_name="bench")
    log = []
    milestones = CONFIG["lr_scheduler_params"]["milestones"]
    for step in range(batches):
        lr = CONFIG["lr"] * 0.5 ** sum(step >= m for m in milestones)
        loss = {"current_lr": lr, "loss_text_ce": 0.1, "loss_mel_ce": 5.0 - step / batches,
                "loss": 5.1 - step / batches, "grad_norm": 1.0, "step_time": 0.5,
                "loader_time": 0.01}  # fmt: skip
        logger.train_step_stats(step, loss)
        log.append(f"   --> STEP: {step % PER_EPOCH}/{PER_EPOCH - 1} -- GLOBAL_STEP: {step}\n")
        if step % PER_EPOCH == PER_EPOCH - 1:
            logger.train_epoch_stats(step + 1, {"epoch_time": 500.0})
            logger.eval_stats(step + 1, {"avg_loss": 4.0})
    logger.finish()
    (folder / "trainer_0_log.txt").write_text("".join(log))


def timed(label: str, run) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    detail = run()
    seconds = time.perf_counter() - started
    print(f"{label:<22} {seconds:8.2f} s   {detail}", flush=True)
    return seconds


def check_run_side(folder: Path) -> str:
    from harness.runcheck import check_run

    run = check_run(folder)
    return f"{run.comparison.compared:,} batches compared: {run.verdict()[:40]}"


def tbparse_side(folder: Path) -> str:
    from tbparse import SummaryReader

    return f"{len(SummaryReader(str(folder)).scalars):,} rows"


def raw_side(folder: Path) -> str:
    from tensorboard.backend.event_processing.event_file_loader import RawEventFileLoader
    from tensorboard.compat.proto.event_pb2 import Event

    count = 0
    for path in folder.glob("events.out.tfevents.*"):
        for record in RawEventFileLoader(str(path)).Load():
            Event.FromString(record)
            count += 1
    return f"{count:,} events"


def accumulator_side(folder: Path) -> str:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(str(folder), size_guidance={"scalars": 0})
    accumulator.Reload()
    return f"{sum(len(accumulator.Scalars(t)) for t in accumulator.Tags()['scalars']):,} scalars"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=100_000)
    parser.add_argument("--folder", type=Path, default=None, help="keep/reuse the run here")
    parser.add_argument("--all", action="store_true", help="also time EventAccumulator")
    args = parser.parse_args()
    folder = args.folder or Path(tempfile.mkdtemp(prefix="bench-check-run-"))
    if not (folder / "config.json").exists():
        started = time.perf_counter()
        write_folder(folder, args.batches)
        print(f"wrote {args.batches:,} batches in {time.perf_counter() - started:.1f} s")
    ours = timed("check-run", lambda: check_run_side(folder))
    others = {"tensorboard raw": timed("tensorboard raw", lambda: raw_side(folder))}
    try:
        others["tbparse"] = timed("tbparse", lambda: tbparse_side(folder))
    except ImportError:
        print("tbparse is not installed (pip install -e .[bench]): compared with the others")
    if args.all:
        others["EventAccumulator"] = timed("EventAccumulator", lambda: accumulator_side(folder))
    for name, seconds in others.items():
        print(f"check-run is {seconds / ours:.1f}x faster than {name}")


if __name__ == "__main__":
    main()
