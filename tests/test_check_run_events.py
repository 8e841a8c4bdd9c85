"""check-run's reading of event files and its post-hoc hazards (R103..R106), on run folders
written by tensorboard's own event writer (tests/event_runs.py); no training, no torch."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from event_runs import step_lr, write_run

from harness.runcheck import check_run
from harness.runcheck.events import EventTail

N = 100  # logged batches: 10 epochs of 10
ROOT_DEMO = Path(__file__).resolve().parents[1] / "experiments" / "amharic_bpe"


def codes(folder) -> set[str]:
    return {f.code for f in check_run(folder).findings}


def falling(n: int = N) -> list[float]:
    return [5.0 - 3.0 * i / n for i in range(n)]


def test_reader_agrees_with_tensorboards_event_accumulator(tmp_path) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    folder = write_run(tmp_path / "run", step_lr(N, 1e-3, [30], 0.5), falling())
    tail = EventTail(folder)
    tail.poll()
    accumulator = EventAccumulator(str(folder))
    accumulator.Reload()
    for tag in accumulator.Tags()["scalars"]:
        expected = accumulator.Scalars(tag)
        steps, values = tail.scalars.series(tag)
        assert steps.tolist() == [e.step for e in expected]
        assert values.tolist() == [e.value for e in expected]


def test_reader_agrees_on_long_steps_and_events_with_several_values(tmp_path) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.proto.summary_pb2 import Summary
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    writer = EventFileWriter(str(tmp_path))
    for step in (0, 1, 127, 128, 300_000, 2**35):  # varints of 0 to 6 bytes
        values = [Summary.Value(tag="TrainIterStats/current_lr", simple_value=step / 7)]
        if step % 2 == 0:  # two values in one event: not the one-scalar layout
            values.append(Summary.Value(tag="TrainIterStats/loss", simple_value=-step / 3))
        writer.add_event(Event(step=step, wall_time=2.0, summary=Summary(value=values)))
    writer.close()
    tail = EventTail(tmp_path, ("TrainIterStats/current_lr", "TrainIterStats/loss"))
    tail.poll()
    accumulator = EventAccumulator(str(tmp_path))
    accumulator.Reload()
    for tag in ("TrainIterStats/current_lr", "TrainIterStats/loss"):
        steps, values = tail.scalars.series(tag)
        expected = accumulator.Scalars(tag)
        assert steps.tolist() == [e.step for e in expected]
        assert values.tolist() == pytest.approx([e.value for e in expected])


def test_a_record_still_being_written_is_read_on_the_next_poll(tmp_path) -> None:
    folder = write_run(tmp_path / "run", step_lr(N, 1e-3, [30], 0.5), falling())
    events = next(folder.glob("events.out.tfevents.*"))
    data = events.read_bytes()
    events.write_bytes(data[: len(data) - 7])  # the last record is cut short
    tail = EventTail(folder)
    tail.poll()
    first = tail.scalars.count()
    events.write_bytes(data)
    assert tail.poll() == 1 and tail.scalars.count() == first + 1


def test_the_matching_run_is_confirmed_and_the_milestone_placed(tmp_path) -> None:
    folder = write_run(tmp_path / "run", step_lr(N, 1e-3, [30], 0.5), falling())
    run = check_run(folder)
    assert run.comparison.matches, run.verdict()
    assert run.alignment.batches_per_epoch == 10 and run.alignment.grad_accum_steps == 1


def test_an_lr_that_halves_one_batch_late_is_caught_there(tmp_path) -> None:
    folder = write_run(tmp_path / "run", step_lr(N, 1e-3, [31], 0.5), falling())
    diff = check_run(folder).comparison.first_difference
    assert (diff.batch, diff.logged, diff.predicted) == (30, pytest.approx(1e-3), 5e-4)


def test_nan_loss_is_reported_at_its_first_batch(tmp_path) -> None:
    loss = falling()
    loss[40:] = [math.nan] * (N - 40)
    folder = write_run(tmp_path / "run", step_lr(N, 1e-3, [30], 0.5), loss)
    r104 = [f for f in check_run(folder).findings if f.code == "R104"]
    assert len(r104) == 1 and "at batch 40" in r104[0].message and "60 of 100" in r104[0].message


def test_a_loss_that_climbs_back_is_divergence(tmp_path) -> None:
    loss = [2.0 + (0.0 if i < 60 else (i - 60) * 0.2) for i in range(N)]
    folder = write_run(tmp_path / "run", step_lr(N, 1e-3, [30], 0.5), loss)
    assert "R105" in codes(folder)
    assert "R105" not in codes(write_run(tmp_path / "ok", step_lr(N, 1e-3, [30], 0.5), falling()))


def test_an_early_collapse_with_a_flat_loss_after_it(tmp_path) -> None:
    lr = step_lr(N, 1e-3, [5], 0.01)
    flat = [5.0 - 0.5 * i / 5 if i < 5 else 4.5 for i in range(N)]
    folder = write_run(tmp_path / "flat", lr, flat, config={"lr_scheduler_params": {
        "milestones": [5], "gamma": 0.01}})  # fmt: skip
    assert "R103" in codes(folder)
    learning = write_run(tmp_path / "learning", lr, falling(), config={"lr_scheduler_params": {
        "milestones": [5], "gamma": 0.01}})  # fmt: skip
    assert "R103" not in codes(learning)


def test_an_empty_eval_set_from_the_log_or_from_missing_eval_stats(tmp_path) -> None:
    lr, loss = step_lr(N, 1e-3, [30], 0.5), falling()
    said = write_run(tmp_path / "said", lr, loss, eval_loss=[1.0] * 10,
                     log_extra="Total eval samples after filtering: 0\n")  # fmt: skip
    assert "R106" in codes(said)
    silent = write_run(tmp_path / "silent", lr, loss)
    assert "R106" in codes(silent)
    fine = write_run(tmp_path / "fine", lr, loss, eval_loss=list(np.linspace(3, 2, 10)))
    assert "R106" not in codes(fine)


def test_report_run_draws_both_curves_and_lists_the_run_findings(tmp_path) -> None:
    import json
    import re

    from harness.cli import main

    folder = write_run(tmp_path / "run", step_lr(N, 1e-3, [31], 0.5), falling())
    page = tmp_path / "report.html"
    candidate = str(ROOT_DEMO / "after.toml")
    assert main(["report", candidate, "--run", str(folder), "-o", str(page)]) in (0, 1)
    html = page.read_text(encoding="utf-8")
    assert 'id="run"' in html and "Run against prediction" in html
    assert "differs from batch 30" in html and "R101" in html
    data = json.loads(re.search(r'<script type="application/json"[^>]*>(.*?)</script>', html,
                                re.S).group(1))  # fmt: skip
    names = {t.get("name") for f in data.values() for t in f["data"]}
    assert {"logged LR", "predicted LR", "train loss"} <= names
