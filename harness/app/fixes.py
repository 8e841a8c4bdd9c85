"""The fix use case: the corrected config for every finding that has a safe fix."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from harness.app.configs import lint_plans, load_candidates, load_reference
from harness.output_guard import refuse_output_over_inputs

if TYPE_CHECKING:
    from harness.fix import FixResult


def fix_config(
    candidate: str,
    overrides: Sequence[str] = (),
    baseline: str | None = None,
    *,
    output: str | None = None,
) -> FixResult:
    """Lint ``candidate`` as ``lint`` does and apply each safe fix to the file's own text.
    Nothing is written: the result holds the original and the fixed text, and the diff.
    ``output``: a file the caller will write the fixed text to, refused over an input."""
    from harness.fix import fix_plan, writer_for
    from harness.plan.load import resolve_target

    path = resolve_target(candidate)
    writer_for(path)  # a file kind fix cannot rewrite fails before anything is loaded
    refuse_output_over_inputs(output, [candidate, path, baseline])
    plans = load_candidates([str(candidate)], list(overrides))
    findings, _ = lint_plans(plans, load_reference(baseline))
    return fix_plan(path, plans[0], findings)
