"""Output formats: one ReportDocument rendered as text, JSON, Markdown or SARIF (and HTML).

``render(doc, fmt)`` picks the renderer; each renderer module imports its heavy
dependencies (rich) only when called.
"""

from harness.report.document import FORMATS, ReportDocument
from harness.report.formats import render

__all__ = ["FORMATS", "ReportDocument", "render"]
