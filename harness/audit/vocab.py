"""A vocab.json (tokenizers JSON, BPE model) read as data: tokens, merges, added tokens."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from harness.audit.tokenizer import load_tokenizer
from harness.errors import HarnessError


@dataclass(frozen=True)
class Vocab:
    path: Path
    tokens: dict[str, int]  # model vocab and added tokens: token -> id
    merges: tuple[tuple[str, str], ...]  # in rank order
    added: dict[str, int]  # added tokens (language tags, [SPACE], ...): content -> id

    @property
    def number_text_tokens(self) -> int:
        """gpt_number_text_tokens as the trainer computes it: max id + 1."""
        return max(self.tokens.values()) + 1 if self.tokens else 0

    @property
    def gaps(self) -> int:
        """ids below the maximum that no token uses (rows of the embedding nobody reads)."""
        return self.number_text_tokens - len(set(self.tokens.values()))


def read_vocab(path: str | Path) -> Vocab:
    """Load with tokenizers (so a file it rejects is a clear error) and read the JSON."""
    path = Path(path)
    load_tokenizer(path)
    try:
        return _vocab(path, json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, KeyError, AttributeError, IndexError) as error:
        # tokenizers accepted the file, so only an odd shape gets here (ids as text, ...)
        raise HarnessError(
            f"not a tokenizers vocab.json this tool can read ({type(error).__name__})",
            where=str(path),
            fix="use the vocab.json of an XTTS checkpoint, extended with tokenizers",
        ) from None


def _vocab(path: Path, data: dict) -> Vocab:
    model = data.get("model") or {}
    if model.get("type") != "BPE":
        raise HarnessError(
            f"the model is {model.get('type')!r}, not BPE",
            where=str(path),
            fix="XTTS uses a BPE vocab.json",
        )
    added = {t["content"]: int(t["id"]) for t in data.get("added_tokens") or []}
    tokens = {**{k: int(v) for k, v in model.get("vocab", {}).items()}, **added}
    return Vocab(path, tokens, tuple(_merge(m) for m in model.get("merges") or []), added)


def _merge(entry: str | list[str]) -> tuple[str, str]:
    """Merges are "a b" strings in older files and [a, b] pairs in newer ones."""
    if isinstance(entry, str):
        left, _, right = entry.partition(" ")
        return left, right
    return entry[0], entry[1]


def producible(vocab: Vocab) -> set[str]:
    """Tokens the BPE model can build: single characters, then merges of buildable parts."""
    made = {t for t in vocab.tokens if len(t) == 1}
    pending = list(vocab.merges)
    while pending:
        left_over = [(a, b) for a, b in pending if not (a in made and b in made)]
        made.update(a + b for a, b in pending if a in made and b in made)
        if len(left_over) == len(pending):
            break
        pending = left_over
    return made & set(vocab.tokens)
