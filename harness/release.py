"""The XTTS v2 release files vendored with the package (provenance: data/xtts_v2/SOURCE.md)."""

from __future__ import annotations

from pathlib import Path

RELEASE_DIR = Path(__file__).resolve().parent / "data" / "xtts_v2"
RELEASE_VOCAB = RELEASE_DIR / "vocab.json"  # the stock tokenizer's vocab: 6681 tokens
RELEASE_CONFIG = RELEASE_DIR / "config.json"  # the release architecture (model_args)


def release_vocab() -> Path:
    """The vendored vocab as a user would type it: relative to the working directory when
    under it (a clone), absolute otherwise (an installed package)."""
    try:
        return RELEASE_VOCAB.relative_to(Path.cwd().resolve())
    except ValueError:
        return RELEASE_VOCAB
