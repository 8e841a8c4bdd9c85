"""Check a Coqui Trainer run folder against the harness's prediction for its own config.

``check_run(folder)`` reads config.json, the text logs and the TensorBoard events, aligns the
logged LR (per batch) with the predicted schedule (per optimizer step) and reports R1xx
findings (``harness.runcheck.codes``). ``follow`` polls a live run.
"""

from harness.runcheck.check import RunCheck, check_run

__all__ = ["RunCheck", "check_run"]
