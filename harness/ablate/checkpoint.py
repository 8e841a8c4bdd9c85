"""Full scale: start a trial from a user's XTTS v2 checkpoint without touching it.

- ``model.pth`` is copied into the study's cache once and only the copy is ever loaded:
  loading the release file rewrites it in place (docs/xtts-facts.md section 5). ``dvae.pth`` and
  ``mel_stats.pth`` are only read (``torch.load``), in place.
- A grown vocab (Amharic tokens appended) makes ``gpt.text_embedding`` and
  ``gpt.text_head`` of the model larger than in the checkpoint; loading would fail with a
  size mismatch, and ``strict=False`` does not help. The checkpoint's rows are kept (the
  extension appends, so old ids keep their meaning) and the new rows start at the mean of
  the old ones (embedding and head weights; head bias too).
- ``load_state_dict(strict=False)`` hides missing keys, so the load is checked: no
  ``gpt.*`` key may be missing or unexpected, and a few tensors are compared after loading.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PADDED_KEYS = ("gpt.text_embedding.weight", "gpt.text_head.weight", "gpt.text_head.bias")
CHECKED_KEYS = ("gpt.text_embedding.weight", "gpt.mel_embedding.weight", "gpt.mel_head.weight")


class CheckpointError(RuntimeError):
    """The checkpoint's weights did not load into the model as they should."""


@dataclass(frozen=True)
class LoadReport:
    loaded: int  # tensors loaded
    padded_rows: int  # text tokens added to the checkpoint's embedding
    ignored: tuple[str, ...]  # checkpoint keys outside xtts.gpt that the model lacks

    def to_dict(self) -> dict[str, Any]:
        return {
            "loaded": self.loaded,
            "padded_rows": self.padded_rows,
            "ignored": len(self.ignored),
        }


def cached_copy(model_file: Path, cache_dir: Path) -> Path:
    """A private copy of ``model_file`` in ``cache_dir``, made once, converted from the
    legacy format if need be, and renamed into place: readers only see the final file."""
    stat = model_file.stat()
    key = f"{model_file.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()
    folder = Path(cache_dir) / f"checkpoint-{hashlib.sha256(key).hexdigest()[:16]}"
    target = folder / "model.pth"
    if target.exists() and target.stat().st_size == stat.st_size:
        return target
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="model.pth", suffix=".tmp")
    os.close(fd)
    try:
        shutil.copyfile(model_file, tmp)
        convert_legacy(Path(tmp))
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def convert_legacy(path: Path) -> None:
    """Let the library convert a legacy-format checkpoint (its "config" an XttsConfig
    object) now, on this private file: it rewrites the file it loads, in place, once."""
    from TTS.tts.models.xtts import Xtts

    Xtts._load_checkpoint(None, path)  # self is not used


def load_gpt_weights(model: Any, copy: Path) -> LoadReport:
    """Load the checkpoint copy into ``model.xtts`` (GPTTrainer), padding the text rows."""
    import torch

    state = model.xtts.get_compatible_checkpoint_state_dict(str(copy))
    target = model.xtts.state_dict()
    padded = pad_text_rows(state, target)
    state = {k: v for k, v in state.items() if not k.startswith("gpt.gpt_inference")}
    result = model.xtts.load_state_dict(state, strict=False)
    missing = [k for k in result.missing_keys if k.startswith("gpt.")]
    unexpected = [k for k in result.unexpected_keys if k.startswith("gpt.")]
    if missing or unexpected:
        raise CheckpointError(
            f"the checkpoint does not fit the model: {len(missing)} gpt keys missing "
            f"(e.g. {missing[:3]}), {len(unexpected)} unexpected (e.g. {unexpected[:3]})"
        )
    loaded = model.xtts.state_dict()
    for key in CHECKED_KEYS:
        if key in state and not torch.equal(loaded[key].cpu(), state[key].to(loaded[key].dtype)):
            raise CheckpointError(f"{key} differs from the checkpoint after loading")
    return LoadReport(
        loaded=len(state) - len(result.unexpected_keys),
        padded_rows=padded,
        ignored=tuple(result.unexpected_keys),
    )


def pad_text_rows(state: dict[str, Any], target: dict[str, Any]) -> int:
    """Grow the checkpoint's text rows to the model's vocab size; return rows added."""
    import torch

    key = "gpt.text_embedding.weight"
    if key not in state or key not in target:
        return 0
    have, want = state[key].shape[0], target[key].shape[0]
    if want < have:
        raise CheckpointError(
            f"the vocab has {want} tokens but the checkpoint {have}: a vocab must only grow"
        )
    if want == have:
        return 0
    for name in PADDED_KEYS:
        old = state[name]
        mean = old.float().mean(dim=0, keepdim=True).to(old.dtype)
        state[name] = torch.cat([old, mean.expand(want - have, *old.shape[1:])], dim=0)
    return want - have


def save_gpt_weights(model: Any, path: Path) -> None:
    """The trained GPT as a release-layout checkpoint: {"model": {"gpt.*": ...}}, atomically."""
    from harness.ablate.assets import save_atomic

    state = {f"gpt.{k}": v.detach().cpu().clone() for k, v in model.xtts.gpt.state_dict().items()}
    state = {k: v for k, v in state.items() if not k.startswith("gpt.gpt_inference")}
    path.parent.mkdir(parents=True, exist_ok=True)
    save_atomic({"model": state, "config": {}}, path)
