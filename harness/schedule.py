"""The learning rate the optimizer really sees over the planned run (a facade).

The models and their placement in the run live in ``harness.schedulers``; this module keeps
``compute_schedule``, ``Schedule`` and the names callers import from here.
"""

from harness.schedulers import (
    EPOCH,
    OPTIMIZER_STEP,
    PER_EPOCH_SCHEDULER_NEVER_STEPPED,
    TABULATE_LIMIT,
    WARMUP_START_FACTOR,
    Curve,
    Schedule,
    ScheduleEvent,
    ScheduleNotModelled,
    compute_schedule,
    lr_at,
    lr_curve,
)

# The old name of the tabulation limit (whole curves above it are sampled, not tabulated).
MAX_TABULATED_STEPS = TABULATE_LIMIT

__all__ = [
    "EPOCH",
    "MAX_TABULATED_STEPS",
    "OPTIMIZER_STEP",
    "PER_EPOCH_SCHEDULER_NEVER_STEPPED",
    "TABULATE_LIMIT",
    "WARMUP_START_FACTOR",
    "Curve",
    "Schedule",
    "ScheduleEvent",
    "ScheduleNotModelled",
    "compute_schedule",
    "lr_at",
    "lr_curve",
]
