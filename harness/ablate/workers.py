"""Worker processes of a study: one per ``--workers`` slot or per GPU of ``--devices``.

Each is a spawned process (a fresh interpreter: CUDA and the trainer's globals are never
shared) that claims and runs trials from the same Optuna storage until none is left. A
worker given a GPU sets CUDA_VISIBLE_DEVICES to it before torch starts, so it sees only
that GPU. Workers end when the parent dies (even by kill -9), like their trials.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
from collections.abc import Callable
from typing import Any

from harness.ablate.progress import Progress, QueueProgress, drain
from harness.ablate.spec import AblationSpec

# The study's worker loop: run_worker(spec, storage_url, progress, index).
WorkerLoop = Callable[[AblationSpec, str, Progress, int], Any]


def configure_process(spec: AblationSpec, workers: int) -> int:
    """Threads for this worker (cores / workers unless the spec says), before any trial."""
    from harness.ablate.quiet import quiet_libraries

    if spec.device == "cpu":
        os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")  # effective before torch loads
    quiet_libraries()
    import torch

    threads = spec.threads or max(1, (os.cpu_count() or 1) // max(1, workers))
    torch.set_num_threads(threads)
    return threads


def run_processes(
    spec: AblationSpec,
    storage_url: str,
    workers: int,
    progress: Progress,
    run: WorkerLoop,
    devices: tuple[str, ...] = (),
) -> None:
    """``workers`` spawned processes, each running ``run`` (the study's worker loop, passed
    in so that this module needs nothing from harness.ablate.study)."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    processes = [
        context.Process(
            target=_worker_process,
            args=(
                spec,
                storage_url,
                queue,
                index,
                workers,
                run,
                devices[index] if devices else None,
            ),
            name=f"xtts-harness-worker-{index}",
        )
        for index in range(workers)
    ]
    for process in processes:
        process.start()
    try:
        while any(p.is_alive() for p in processes):
            drain(queue, progress, timeout=0.5)
        drain(queue, progress, timeout=0.1)
    except KeyboardInterrupt:
        for process in processes:
            process.terminate()
        raise
    failed = [p.name for p in processes if p.exitcode != 0]
    if failed:
        progress.note(f"workers that did not finish cleanly: {', '.join(failed)}")


def _worker_process(
    spec: AblationSpec,
    storage_url: str,
    queue: Any,
    index: int,
    workers: int,
    run: WorkerLoop,
    device: str | None = None,
) -> None:
    if device is not None:  # before torch initialises CUDA in this process: only this GPU
        os.environ["CUDA_VISIBLE_DEVICES"] = device
        spec = dataclasses.replace(spec, device="cuda")
    _die_with_parent()
    progress = QueueProgress(queue)
    try:
        configure_process(spec, workers)
        run(spec, storage_url, progress, index)
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    except Exception as error:
        progress.note(f"worker {index} stopped: {type(error).__name__}: {error}")
        raise SystemExit(1) from None


def _die_with_parent() -> None:
    """Linux: end this worker when the parent dies (even by kill -9), like its trials."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
