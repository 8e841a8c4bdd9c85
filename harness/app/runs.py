"""The run use case: a Coqui Trainer run folder against the harness's prediction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from harness.app.configs import severity
from harness.findings import Finding, Severity, exit_code

if TYPE_CHECKING:
    from harness.runcheck import RunCheck


@dataclass(frozen=True)
class RunCheckResult:
    """The run's logged LR and losses against the prediction, and its R1xx findings."""

    run: RunCheck
    fail_on: Severity = Severity.ERROR

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(self.run.findings)

    @property
    def exit_code(self) -> int:
        return exit_code(list(self.run.findings), self.fail_on)


@dataclass(frozen=True)
class Follow:
    """``--follow``: poll a live run until it is idle for ``idle`` s or ``timeout`` s pass;
    ``on_new`` gets each finding once, as it appears."""

    on_new: Callable[[list[Finding]], None]
    interval: float = 10.0
    timeout: float = 3600.0
    idle: float = 600.0


def check_run(
    run_dir: str,
    *,
    overrides: Sequence[str] = (),
    library: str | None = None,
    follow: Follow | None = None,
    fail_on: Severity | str = Severity.ERROR,
) -> RunCheckResult:
    """Check ``run_dir`` (config.json, logs, TensorBoard events) against the schedule the
    harness predicts for its config and ``library`` (the coqui-tts it trained with)."""
    from harness.runcheck import check_run as check_folder

    if follow is None:
        return RunCheckResult(check_folder(run_dir, overrides, library), severity(fail_on))
    from harness.runcheck.follow import follow as poll

    run = poll(
        run_dir,
        follow.on_new,
        overrides=overrides,
        library=library,
        interval=follow.interval,
        timeout=follow.timeout,
        idle=follow.idle,
    )
    return RunCheckResult(run, severity(fail_on))
