"""What the stub trainer saw, written as JSON to $ORACLE_OUT when fit() runs.

Part of the differential test's oracle (tests/test_repository_oracle.py): stub ``torch``,
``TTS`` and ``trainer`` packages that a fixture repository's own code imports in a
subprocess of the test. They record what reaches the trainer; they train nothing.
"""

import json
import os

STATE = {"phase": "idle", "clip_calls": [], "ema_created": False, "warmup_created": False}


def write(data):
    data.update(
        clip_calls=STATE["clip_calls"],
        ema_created=STATE["ema_created"],
        warmup_created=STATE["warmup_created"],
    )
    with open(os.environ["ORACLE_OUT"], "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1, sort_keys=True, default=str)
