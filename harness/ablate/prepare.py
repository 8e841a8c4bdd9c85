"""What a study makes once, in the parent process, before any worker starts.

- The checkpoint copy (checkpoint and miniature scales): ``model.pth`` is copied into the
  study's cache and, when it is in the legacy format (its "config" an XttsConfig object,
  which coqui converts by rewriting the file it loads, in place), converted on the copy,
  then renamed into place. Workers only ever read a final file, so two workers never
  race on a file the library rewrites.
- The new language's vocab (miniature scale): the release's vocab extended append-only
  with the ``[xx]`` tag, the script's characters and merges learned from the training
  text, as a user extends the XTTS v2 vocab; the trials train with it.
"""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

from harness.ablate.spec import AblationSpec, default_workdir


def prepare_assets(spec: AblationSpec) -> AblationSpec:
    """The spec the workers run: final checkpoint copy made, vocab extended if needed."""
    if spec.scale.kind == "tiny" or spec.scale.checkpoint_dir is None:
        return spec
    from harness.ablate.checkpoint import cached_copy

    cache = default_workdir(spec) / "cache"
    cached_copy(spec.scale.checkpoint_dir / "model.pth", cache)
    if spec.scale.kind != "miniature":
        return spec
    return dataclasses.replace(spec, data=_extended_data(spec, cache))


def _extended_data(spec: AblationSpec, cache: Path):
    from harness.ablate.miniature.vocab import extend_vocab

    assert spec.scale.checkpoint_dir is not None
    base = spec.scale.checkpoint_dir / "vocab.json"
    texts = _texts(spec.data.path / spec.data.train)
    language = spec.data.language
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / f"vocab-{language}.json"
    if not target.exists():
        extend_vocab(base, target, language, texts)
    return dataclasses.replace(spec.data, vocab=target)


def _texts(metadata: Path) -> list[str]:
    with metadata.open(newline="", encoding="utf-8") as handle:
        return [row["text"] for row in csv.DictReader(handle, delimiter="|")]
