"""Which characters of the dataset the vocab has as tokens (the rest become [UNK])."""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# Scripts worth a line of their own: the block a new language's text lives in.
BLOCKS = {"am": ("Ethiopic", 0x1200, 0x137F)}


@dataclass(frozen=True)
class Coverage:
    seen: Counter[str]  # character -> occurrences in the cleaned text
    missing: tuple[str, ...]  # seen characters that are not vocab tokens, most frequent first
    samples_with: Mapping[str, int]  # missing character -> samples it occurs in
    block: dict[str, Any] | None  # the language's Unicode block, when it has one

    @property
    def covered(self) -> int:
        return len(self.seen) - len(self.missing)

    def to_dict(self) -> dict[str, Any]:
        total = len(self.seen)
        return {
            "total": total,
            "covered": self.covered,
            "share": self.covered / total if total else None,
            "missing": list(self.missing),
            "missing_detail": [
                {
                    "char": char,
                    "code_point": code_point(char),
                    "name": unicodedata.name(char, ""),
                    "occurrences": self.seen[char],
                    "samples": self.samples_with.get(char, 0),
                }
                for char in self.missing
            ],
            "block": self.block,
        }


def coverage(
    texts: Iterable[str],
    unk_per_text: Iterable[Iterable[str]],
    vocab: Mapping[str, int],
    language: str,
) -> Coverage:
    """Characters of the cleaned texts; spaces are [SPACE] and other whitespace is dropped
    by the Whitespace pre-tokenizer, so neither counts."""
    counter = CoverageCounter()
    for text, chars in zip(texts, unk_per_text, strict=True):
        counter.add(text, chars)
    return counter.result(vocab, language)


class CoverageCounter:
    """Coverage summed text by text: memory of the distinct characters, not of the texts."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()
        self.samples_with: Counter[str] = Counter()

    def add(self, text: str, unk_chars: Iterable[str]) -> None:
        self.seen.update(text)
        self.samples_with.update(set(unk_chars))

    def result(self, vocab: Mapping[str, int], language: str) -> Coverage:
        seen = Counter({c: n for c, n in self.seen.items() if not c.isspace()})
        missing = tuple(sorted((c for c in seen if c not in vocab), key=lambda c: (-seen[c], c)))
        return Coverage(seen, missing, dict(self.samples_with), _block(language, seen, vocab))


def _block(language: str, seen: Counter[str], vocab: Mapping[str, int]) -> dict | None:
    entry = BLOCKS.get(language.split("-")[0])
    if entry is None:
        return None
    name, first, last = entry
    assigned = [chr(c) for c in range(first, last + 1) if unicodedata.category(chr(c)) != "Cn"]
    in_block = [c for c in seen if first <= ord(c) <= last]
    return {
        "name": name,
        "range": f"U+{first:04X}..U+{last:04X}",
        "assigned": len(assigned),
        "in_vocab": sum(1 for c in assigned if c in vocab),
        "seen": len(in_block),
        "seen_in_vocab": sum(1 for c in in_block if c in vocab),
    }


def code_point(char: str) -> str:
    return f"U+{ord(char):04X}"
