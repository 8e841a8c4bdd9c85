"""Progress of a study: a rich bar for the study and one per running trial, and one line
per finished trial. Everything goes to stderr, so ``--format json`` on stdout stays clean.

Workers in other processes send the same calls through a queue (``QueueProgress``); the
parent process draws them (``drain``), so several workers never fight over the terminal.
"""

from __future__ import annotations

import queue as queue_module
from typing import Any


class Progress:
    """What the study and the runner call; the base class draws nothing."""

    def trial_started(self, worker: int, number: int, label: str, steps: int) -> None: ...

    def trial_step(self, worker: int, number: int, step: int, loss: float) -> None: ...

    def trial_eval(self, worker: int, number: int, step: int, value: float) -> None: ...

    def trial_finished(self, worker: int, number: int, line: str) -> None: ...

    def note(self, text: str) -> None: ...

    def close(self) -> None: ...


class RichProgress(Progress):
    def __init__(self, study_name: str, total: int, done: int, console: Any = None):
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as Bars

        self.console = console or Console(stderr=True)
        self.bars = Bars(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
        )
        self.study = self.bars.add_task(
            f"study {study_name}", total=total, completed=done, status=""
        )
        self.trials: dict[int, Any] = {}
        self.bars.start()

    def trial_started(self, worker: int, number: int, label: str, steps: int) -> None:
        self.trials[number] = self.bars.add_task(
            f"  trial {number} {label}", total=steps, status=""
        )

    def trial_step(self, worker: int, number: int, step: int, loss: float) -> None:
        task = self.trials.get(number)
        if task is not None:
            self.bars.update(task, completed=step, status=f"train {loss:.4f}")

    def trial_eval(self, worker: int, number: int, step: int, value: float) -> None:
        task = self.trials.get(number)
        if task is not None:
            self.bars.update(task, completed=step, status=f"eval {value:.4f}")

    def trial_finished(self, worker: int, number: int, line: str) -> None:
        task = self.trials.pop(number, None)
        if task is not None:
            self.bars.remove_task(task)
        self.bars.advance(self.study)
        self.bars.console.print(line, highlight=False, markup=False, soft_wrap=True)

    def note(self, text: str) -> None:
        self.bars.console.print(text, highlight=False, markup=False, soft_wrap=True)

    def close(self) -> None:
        self.bars.stop()


class LineProgress(Progress):
    """When stderr is not a terminal (CI, a log file): one line per trial start, per
    evaluation and per finished trial, written as they happen."""

    def __init__(self, study_name: str, total: int, done: int, stream: Any = None):
        import sys

        self.stream = stream or sys.stderr
        self.total, self.done = total, done
        self._write(f"study {study_name}: {done} of {total} trials done")

    def _write(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def trial_started(self, worker: int, number: int, label: str, steps: int) -> None:
        self._write(f"trial {number:>3}  {label}  started ({steps} steps, worker {worker})")

    def trial_eval(self, worker: int, number: int, step: int, value: float) -> None:
        self._write(f"trial {number:>3}  step {step}: eval {value:.4f}")

    def trial_finished(self, worker: int, number: int, line: str) -> None:
        self.done += 1
        self._write(f"{line}  ({self.done}/{self.total})")

    def note(self, text: str) -> None:
        self._write(text)


def make_progress(study_name: str, total: int, done: int) -> Progress:
    """Bars on a terminal, plain lines otherwise."""
    import sys

    if sys.stderr.isatty():
        return RichProgress(study_name, total, done)
    return LineProgress(study_name, total, done)


class QueueProgress(Progress):
    """Sends each call to the parent process (a multiprocessing queue)."""

    def __init__(self, queue: Any):
        self.queue = queue

    def trial_started(self, *args: Any) -> None:
        self.queue.put(("trial_started", args))

    def trial_step(self, *args: Any) -> None:
        self.queue.put(("trial_step", args))

    def trial_eval(self, *args: Any) -> None:
        self.queue.put(("trial_eval", args))

    def trial_finished(self, *args: Any) -> None:
        self.queue.put(("trial_finished", args))

    def note(self, *args: Any) -> None:
        self.queue.put(("note", args))


def drain(queue: Any, progress: Progress, timeout: float) -> None:
    """Replay the calls workers sent, waiting up to ``timeout`` for the first one."""
    try:
        name, args = queue.get(timeout=timeout)
        while True:
            getattr(progress, name)(*args)
            name, args = queue.get_nowait()
    except queue_module.Empty:
        return
