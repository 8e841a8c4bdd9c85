"""Learning-rate schedulers, modelled without torch, and their placement in a planned run.

Laid out like Optuna's samplers: ``base`` holds the small ``Scheduler`` base (``signature``,
``curve``, ``at``, ``events``, ``check``); one module per family (``multiplicative``,
``cosine``, ``linear``, ``coqui``); ``registry`` finds a model by the name the trainer looks
up; ``placement`` puts a schedule into the run (the coqui Trainer's stepping rules);
``sample`` bounds what is computed for a long run; ``result`` holds what is returned;
``vectors`` builds and scans the curves (``array('d')``) at C speed: pure Python, no numpy.
Constructor signatures per library version are data (``harness.plan.library_facts``).
"""

from harness.schedulers.base import Marker, ScheduleNotModelled, Scheduler
from harness.schedulers.placement import PER_EPOCH_SCHEDULER_NEVER_STEPPED, compute_schedule
from harness.schedulers.registry import (
    SCHEDULERS,
    WARMUP_START_FACTOR,
    lr_at,
    lr_curve,
    resolve,
    scheduler_class,
)
from harness.schedulers.result import EPOCH, OPTIMIZER_STEP, Schedule, ScheduleEvent
from harness.schedulers.sample import TABULATE_LIMIT, Curve

__all__ = [
    "EPOCH",
    "OPTIMIZER_STEP",
    "PER_EPOCH_SCHEDULER_NEVER_STEPPED",
    "SCHEDULERS",
    "TABULATE_LIMIT",
    "WARMUP_START_FACTOR",
    "Curve",
    "Marker",
    "Schedule",
    "ScheduleEvent",
    "ScheduleNotModelled",
    "Scheduler",
    "compute_schedule",
    "lr_at",
    "lr_curve",
    "resolve",
    "scheduler_class",
]
