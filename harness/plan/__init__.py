"""Plan model, version-keyed library defaults, and the loaders that build Plans."""

from harness.plan.model import Batching, Plan, SchedulerSpec
from harness.plan.source import Setting, Source, Unknown

__all__ = ["Batching", "Plan", "SchedulerSpec", "Setting", "Source", "Unknown"]
