"""The number of training samples a script's dataset CSV holds, counted without running it.

A script that branches on ``len(train_samples)`` (what ``load_tts_samples`` returned) runs
one path or the other depending on the dataset. When ``--set dataset_size=N`` is not given,
the loader counts the rows of the metadata file the script's ``BaseDatasetConfig`` names,
as the Coqui formatters read it: ``coqui`` has a header line, ``ljspeech`` does not. The
file must lie inside the working folder or the repository and be a regular file; it is
streamed, never loaded whole.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

HEADER_LINES = {"coqui": 1, "ljspeech": 0}
MAX_BYTES = 2_000_000_000


def count_samples(path: str, meta_file: str, formatter: str, roots: tuple[Path, ...]) -> int | None:
    """Rows of ``path/meta_file`` for a known formatter, or None when it cannot be counted."""
    if formatter not in HEADER_LINES:
        return None
    file = Path(os.path.join(path, meta_file))
    try:
        resolved = file.resolve()
        if not any(resolved.is_relative_to(root.resolve()) for root in roots):
            return None
        info = resolved.stat()
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES:
        return None  # a FIFO or device would block; a huge file is not worth reading
    rows = 0
    try:
        with resolved.open("rb") as handle:
            for line in handle:
                rows += bool(line.strip())
    except OSError:
        return None
    return max(0, rows - HEADER_LINES[formatter])
