"""Watch a live run: poll its folder, report each finding once, as it appears.

Bounded: stops after ``timeout`` seconds, or once the run has been idle (no new event) for
``idle`` seconds after it started logging. Ctrl-C stops it between polls with the findings
so far.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from harness.findings import Finding
from harness.runcheck.check import RunCheck, check_run
from harness.runcheck.events import EventTail
from harness.runcheck.observed import WANTED


def follow(
    folder: str | Path,
    on_new: Callable[[list[Finding]], None],
    *,
    overrides: Sequence[str] = (),
    library: str | None = None,
    interval: float = 10.0,
    timeout: float = 3600.0,
    idle: float = 600.0,
    sleep: Callable[[float], None] = time.sleep,
) -> RunCheck:
    """Poll until the run is idle, the timeout passes or Ctrl-C; return the last check."""
    tail = EventTail(Path(folder), WANTED)
    seen: set[tuple[str, str | None]] = set()
    started = last_news = time.monotonic()
    count = -1
    run = check_run(folder, overrides, library, tail=tail)
    try:
        while True:
            fresh = [f for f in run.findings if (f.code, f.key) not in seen]
            seen.update((f.code, f.key) for f in fresh)
            if fresh:
                on_new(fresh)
            now = time.monotonic()
            total = tail.scalars.count()
            if total != count:
                count, last_news = total, now
            if now - started >= timeout or (count > 0 and now - last_news >= idle):
                return run
            sleep(interval)
            run = check_run(folder, overrides, library, tail=tail)
    except KeyboardInterrupt:
        return run
