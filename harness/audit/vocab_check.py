"""Check a vocab extension (base vocab.json -> extended vocab.json) before training on it.

- append-only: every base token keeps its id (the checkpoint's embedding rows are by id);
- the ``[lang]`` tag is an added token (else it is split and, in the XTTS vocab, [UNK]);
- merges: the base merges first and in order, and every added multi-character token built
  by some merge (a BPE model never produces a token no merge makes); on a dataset, which
  added tokens the encoder really produces;
- size: ``gpt_number_text_tokens`` (max id + 1) against the checkpoint's text embedding rows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.audit.codes import make
from harness.audit.coverage import code_point
from harness.audit.tokenizer import TextTokenizer
from harness.audit.vocab import Vocab, producible, read_vocab
from harness.findings import Finding

RELEASE_TEXT_TOKENS = 6681  # rows of gpt.text_embedding in the XTTS v2 release
SHOWN = 8


@dataclass(frozen=True)
class DatasetUse:
    """How the extended vocab encodes a dataset's texts (and how the base one did)."""

    texts: int
    produced: frozenset[str]  # appended tokens that occur in the encodings
    unk_chars: Counter[str]  # characters still [UNK] with the extended vocab
    tokens_per_char_base: float | None
    tokens_per_char_extended: float | None


@dataclass
class VocabCheck:
    base: Vocab
    extended: Vocab
    language: str
    checkpoint_text_tokens: int
    changed: list[tuple[str, int, int | None]]  # token, base id, extended id (None: gone)
    appended: list[str]  # tokens the extension adds, by id
    unreachable: list[str]  # appended multi-character tokens no merge builds
    merges_appended: int
    merges_reordered: bool
    dataset: DatasetUse | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def tag(self) -> str:
        return f"[{self.language.split('-')[0]}]"

    @property
    def appended_multichar(self) -> list[str]:
        return [t for t in self.appended if len(t) > 1 and t not in self.extended.added]

    def to_dict(self) -> dict[str, Any]:
        use = self.dataset
        return {
            "base": str(self.base.path),
            "extended": str(self.extended.path),
            "language": self.language,
            "language_token": self.tag,
            "language_token_added": self.tag in self.extended.added,
            "base_text_tokens": self.base.number_text_tokens,
            "gpt_number_text_tokens": self.extended.number_text_tokens,
            "checkpoint_text_tokens": self.checkpoint_text_tokens,
            "appended": len(self.appended),
            "appended_characters": sum(1 for t in self.appended if len(t) == 1),
            "appended_multichar": len(self.appended_multichar),
            "appended_added_tokens": [t for t in self.appended if t in self.extended.added],
            "merges_base": len(self.base.merges),
            "merges_extended": len(self.extended.merges),
            "merges_appended": self.merges_appended,
            "merges_reordered": self.merges_reordered,
            "changed_ids": [
                {"token": t, "base_id": a, "extended_id": b} for t, a, b in self.changed
            ],
            "unreachable": self.unreachable,
            "id_gaps": self.extended.gaps,
            "dataset": None
            if use is None
            else {
                "texts": use.texts,
                "appended_multichar_produced": sum(
                    1 for t in self.appended_multichar if t in use.produced
                ),
                "appended_multichar_never_produced": sum(
                    1 for t in self.appended_multichar if t not in use.produced
                ),
                "unk_chars": {c: n for c, n in use.unk_chars.most_common()},
                "tokens_per_char_base": use.tokens_per_char_base,
                "tokens_per_char_extended": use.tokens_per_char_extended,
            },
        }


def check_vocab(
    base_path: str | Path,
    extended_path: str | Path,
    *,
    language: str = "am",
    checkpoint_text_tokens: int = RELEASE_TEXT_TOKENS,
    texts: list[str] | None = None,
    tokenizer_mode: str = "passthrough",
    supported: frozenset[str] = frozenset(),
) -> VocabCheck:
    """Compare the extension with its base; encode ``texts`` (a dataset) when given."""
    base, extended = read_vocab(base_path), read_vocab(extended_path)
    ids = extended.tokens
    appended = sorted((t for t in ids if t not in base.tokens), key=lambda t: ids[t])
    buildable = producible(extended)
    check = VocabCheck(
        base=base,
        extended=extended,
        language=language,
        checkpoint_text_tokens=checkpoint_text_tokens,
        changed=[
            (token, old, extended.tokens.get(token))
            for token, old in base.tokens.items()
            if extended.tokens.get(token) != old
        ],
        appended=appended,
        unreachable=[],
        merges_appended=max(len(extended.merges) - len(base.merges), 0),
        merges_reordered=extended.merges[: len(base.merges)] != base.merges,
    )
    check.unreachable = [t for t in check.appended_multichar if t not in buildable]
    if texts is not None:
        check.dataset = _dataset_use(check, texts, tokenizer_mode, supported)
    check.findings = vocab_findings(check)
    return check


def _dataset_use(
    check: VocabCheck, texts: list[str], mode: str, supported: frozenset[str]
) -> DatasetUse:
    per_char = []
    produced: set[str] = set()
    unk: Counter[str] = Counter()
    for vocab in (check.base, check.extended):
        tokenizer = TextTokenizer(vocab.path, mode, supported)
        encoded = tokenizer.encode_many(texts, check.language)
        tag_tokens = len(tokenizer.encode("", check.language).ids)
        chars = sum(len(e.cleaned) for e in encoded)
        tokens = sum(len(e.ids) - tag_tokens for e in encoded)
        per_char.append(tokens / chars if chars else None)
        if vocab is check.extended:
            by_id = {i: t for t, i in vocab.tokens.items()}
            for e in encoded:
                produced.update(by_id.get(i, "") for i in e.ids)
                unk.update(e.unk_chars)
    appended = set(check.appended)
    return DatasetUse(len(texts), frozenset(produced & appended), unk, per_char[0], per_char[1])


def vocab_findings(check: VocabCheck) -> list[Finding]:
    out: list[Finding] = []
    file = str(check.extended.path)
    if check.changed:
        shown = ", ".join(
            f"{t!r} {a} -> {'gone' if b is None else b}" for t, a, b in check.changed[:SHOWN]
        )
        out.append(
            make(
                "V101",
                f"{len(check.changed)} tokens of the base vocab changed id or vanished: {shown}",
                file=file,
                fix="rebuild the extension by appending after the base's last id "
                f"({check.base.number_text_tokens - 1})",
            )
        )
    if check.tag not in check.extended.added:
        where = (
            "is a model token but not an added token"
            if check.tag in check.extended.tokens
            else "is missing"
        )
        out.append(
            make(
                "V102",
                f"{check.tag} {where}: VoiceBpeTokenizer's prefix is split into '[', "
                f"{check.language!r}, ']' before the BPE model sees it",
                file=file,
                fix=f"append {check.tag} to added_tokens (special: true, normalized: false) "
                f"with id {check.extended.number_text_tokens}",
            )
        )
    out += _merge_findings(check, file)
    out += _size_findings(check, file)
    out += _dataset_findings(check, file)
    out.append(_summary(check, file))
    return out


def _merge_findings(check: VocabCheck, file: str) -> list[Finding]:
    out = []
    if check.merges_reordered:
        out.append(
            make(
                "V104",
                f"the first {len(check.base.merges)} merges differ from the base vocab's",
                file=file,
                fix="keep the base merges first and in order; append new merges after them",
            )
        )
    multichar = check.appended_multichar
    if check.unreachable:
        shown = ", ".join(repr(t) for t in check.unreachable[:SHOWN])
        why = "no merges were appended" if not check.merges_appended else "no merge builds them"
        never = ""
        if check.dataset is not None:
            unused = sum(1 for t in multichar if t not in check.dataset.produced)
            never = f"; on the dataset, {unused} of {len(multichar)} never occur"
        out.append(
            make(
                "V103",
                f"{len(check.unreachable)} of {len(multichar)} added multi-character tokens can "
                f"never be produced ({why}): {shown}{never}",
                file=file,
                fix="learn merges from the training text with tokenizers (BpeTrainer) and append "
                "them with the tokens they produce",
            )
        )
    return out


def _size_findings(check: VocabCheck, file: str) -> list[Finding]:
    out = []
    size, rows = check.extended.number_text_tokens, check.checkpoint_text_tokens
    if size != rows:
        out.append(
            make(
                "V105",
                f"gpt_number_text_tokens becomes {size} (max id + 1) but the checkpoint's "
                f"gpt.text_embedding has {rows} rows: loading xtts_checkpoint fails with "
                f"'size mismatch for gpt.text_embedding.weight ... [{rows}, 1024] ... "
                f"[{size}, 1024]' (and text_head)",
                key="checkpoint_text_tokens",
                file=file,
                fix=f"on a copy of the checkpoint, pad gpt.text_embedding.weight and "
                f"gpt.text_head.weight/bias from {rows} to {size} rows (new rows: the mean "
                "of the old ones), then point xtts_checkpoint at the copy; keys carry an "
                "'xtts.' prefix in a Trainer checkpoint",
            )
        )
    if check.extended.gaps:
        out.append(
            make(
                "V106",
                f"{check.extended.gaps} ids below {size} belong to no token: each is an "
                "embedding row no text uses",
                file=file,
                fix="number appended tokens contiguously after the base's last id",
            )
        )
    return out


def _dataset_findings(check: VocabCheck, file: str) -> list[Finding]:
    use = check.dataset
    if use is None or not use.unk_chars:
        return []
    shown = ", ".join(f"{c!r} {code_point(c)} x{n}" for c, n in use.unk_chars.most_common(SHOWN))
    return [
        make(
            "V108",
            f"{len(use.unk_chars)} characters of the dataset are still not in the extended "
            f"vocab: {shown}",
            file=file,
            fix="append them to the vocab (and merges that use them)",
        )
    ]


def _summary(check: VocabCheck, file: str) -> Finding:
    data = check.to_dict()
    text = (
        f"{data['appended']} tokens appended ({data['appended_characters']} characters, "
        f"{data['appended_multichar']} multi-character, added tokens "
        f"{data['appended_added_tokens'] or 'none'}), {check.merges_appended} merges appended; "
        f"gpt_number_text_tokens {check.base.number_text_tokens} -> "
        f"{check.extended.number_text_tokens}"
    )
    use = check.dataset
    if use is not None:
        text += (
            f"; on {use.texts} texts, tokens per character {_ratio(use.tokens_per_char_base)} "
            f"(base) -> {_ratio(use.tokens_per_char_extended)}"
        )
    return make("V107", text, file=file)


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"
