"""Dataset and tokenizer audit: what the XTTS trainer will silently drop, sample by sample.

``audit_dataset(plan, dataset, ...)`` mirrors the coqui formatters and XTTSDataset
(tokenizing with the ``tokenizers`` library, reading audio lengths from headers with
soundfile; no torch or TTS import); ``audit_source`` is the same without a Plan;
``check_vocab`` checks a vocab extension against its base.
"""

from harness.audit.dataset import audit_source, stock_languages
from harness.audit.limits import EvalSplit, Limits, limits_from_plan
from harness.audit.plan_audit import audit_dataset
from harness.audit.readers import locate
from harness.audit.result import AuditResult, SampleResult
from harness.audit.verdict import Reason, Verdict

__all__ = [
    "AuditResult",
    "EvalSplit",
    "Limits",
    "Reason",
    "SampleResult",
    "Verdict",
    "audit_dataset",
    "audit_source",
    "limits_from_plan",
    "locate",
    "stock_languages",
]
