"""Plan model, version-keyed library defaults, and the loaders that build Plans."""

from harness.plan.fields import Field
from harness.plan.model import Plan
from harness.plan.source import Setting, Source, Unknown
from harness.plan.views import (
    Batching,
    Bookkeeping,
    Data,
    Environment,
    Extras,
    LrSchedule,
    ModelLimits,
    Optimizer,
    SchedulerSpec,
    Warmup,
)

__all__ = [
    "Batching",
    "Bookkeeping",
    "Data",
    "Environment",
    "Extras",
    "Field",
    "LrSchedule",
    "ModelLimits",
    "Optimizer",
    "Plan",
    "SchedulerSpec",
    "Setting",
    "Source",
    "Unknown",
    "Warmup",
]
