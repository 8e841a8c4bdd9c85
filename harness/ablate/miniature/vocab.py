"""Vocabularies: the miniature release's own BPE vocab, and its append-only extension.

- ``train_base_vocab``: a BPE vocab trained with ``tokenizers`` on the base languages'
  cleaned text, in the layout of the XTTS v2 release vocab.json (Whitespace
  pre-tokenizer, ``[STOP]``, ``[UNK]``, ``[SPACE]``, ``[START]`` and one ``[xx]`` tag per
  language as special added tokens), so VoiceBpeTokenizer reads it as it reads the release.
- ``extend_vocab``: what a user does to add a language (experiments/amharic_bpe's
  make_vocab.py does the same to the real release vocab): the ``[am]`` tag, every
  assigned character of the script, and BPE merges learned from the new language's
  training text, all appended, so every old id keeps its meaning. The result is checked
  with the vocab-check audit (no id changed, no unreachable token).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.errors import HarnessError

SPECIALS = ("[STOP]", "[UNK]", "[SPACE]", "[START]")
BASE_VOCAB_SIZE = 384
MIN_FREQUENCY = 2
SCRIPTS = {"am": range(0x1200, 0x1380)}  # Ethiopic


def cleaned(texts: Sequence[str], language: str) -> list[str]:
    """The text as XTTS's tokenizer sees it before BPE (its own cleaners for ``language``)."""
    from TTS.tts.layers.xtts.tokenizer import VoiceBpeTokenizer

    tokenizer = VoiceBpeTokenizer(vocab_file=None)
    return [tokenizer.preprocess_text(t, language) for t in texts]


def train_base_vocab(texts: dict[str, list[str]], out: Path) -> int:
    """Train the base vocab on ``{language: cleaned texts}``; write it; return its size."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tags = [f"[{language}]" for language in texts]
    tokenizer = Tokenizer(models.BPE(unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    trainer = trainers.BpeTrainer(
        vocab_size=BASE_VOCAB_SIZE,
        min_frequency=MIN_FREQUENCY,
        special_tokens=[*SPECIALS, *tags],
        show_progress=False,
    )
    tokenizer.train_from_iterator([t for group in texts.values() for t in group], trainer)
    data = json.loads(tokenizer.to_str())
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return tokenizer.get_vocab_size(with_added_tokens=True)


def script_characters(language: str) -> list[str]:
    block = SCRIPTS.get(language)
    if block is None:
        raise HarnessError(
            f"no script block known for language {language!r}",
            fix=f"use one of: {', '.join(SCRIPTS)}",
        )
    return [chr(c) for c in block if unicodedata.category(chr(c)) != "Cn"]


def learn_merges(texts: Sequence[str], alphabet: Sequence[str]) -> list[tuple[str, str]]:
    """BPE merges of ``texts``, in the order the trainer learned them (their priority)."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE(unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()  # as the XTTS vocab splits words
    trainer = trainers.BpeTrainer(
        vocab_size=100_000,
        min_frequency=MIN_FREQUENCY,
        initial_alphabet=list(alphabet),
        special_tokens=[],
        show_progress=False,
    )
    tokenizer.train_from_iterator(list(texts), trainer)
    merges = json.loads(tokenizer.to_str())["model"]["merges"]
    return [tuple(m) if isinstance(m, list) else tuple(m.split(" ", 1)) for m in merges]


def extend(
    base: dict[str, Any], tag: str, alphabet: Sequence[str], merges: Sequence[tuple[str, str]]
) -> dict[str, Any]:
    """A copy of ``base`` with ``tag``, ``alphabet`` and ``merges`` appended (ids kept)."""
    out = json.loads(json.dumps(base))  # deep copy; the base is never modified
    vocab: dict[str, int] = out["model"]["vocab"]
    next_id = max([*vocab.values(), *(t["id"] for t in out["added_tokens"])]) + 1

    def append(token: str) -> int:
        nonlocal next_id
        if token not in vocab:
            vocab[token] = next_id
            next_id += 1
        return vocab[token]

    if not any(t["content"] == tag for t in out["added_tokens"]):
        out["added_tokens"].append(
            {
                "id": append(tag),
                "special": True,
                "content": tag,
                "single_word": False,
                "lstrip": False,
                "rstrip": False,
                "normalized": False,
            }
        )
    for char in alphabet:
        append(char)
    written = out["model"]["merges"]
    as_text = isinstance(written[0], str) if written else False
    known = {m if isinstance(m, str) else " ".join(m) for m in written}
    for left, right in merges:
        append(left + right)
        if f"{left} {right}" not in known:
            written.append(f"{left} {right}" if as_text else [left, right])
            known.add(f"{left} {right}")
    return out


def extend_vocab(base_path: Path, out: Path, language: str, texts: Sequence[str]) -> Path:
    """Write ``base_path`` extended for ``language`` (trained on ``texts``) to ``out``,
    checked by the vocab-check audit; return ``out``."""
    from harness.audit.vocab_check import check_vocab

    base = json.loads(base_path.read_text(encoding="utf-8"))
    # The script, and any other character of the text the base lacks (e.g. "?" in a base
    # trained on sentences that all end with "."): an [UNK] drops the whole sample.
    script = script_characters(language)
    known = set(base["model"]["vocab"]) | set(script)
    alphabet = [*script, *sorted({c for t in texts for c in t if not c.isspace()} - known)]
    grown = extend(base, f"[{language}]", alphabet, learn_merges(texts, alphabet))
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(grown, ensure_ascii=False) + "\n", encoding="utf-8")
    check = check_vocab(base_path, tmp, language=language, texts=list(texts))
    if check.changed or check.unreachable:
        raise HarnessError(
            f"the extended vocab is not append-only ({len(check.changed)} ids changed, "
            f"{len(check.unreachable)} tokens unreachable)",
            where=str(out),
        )
    tmp.replace(out)
    return out
