"""VoiceBpeTokenizer.encode, mirrored with the ``tokenizers`` library (no TTS import).

The real encode (coqui-tts 0.28, TTS/tts/layers/xtts/tokenizer.py) does, for a language
code ``lang``:

1. ``lang = lang.split("-")[0]``; ``preprocess_text``: the multilingual cleaners for the
   languages it knows, ``NotImplementedError`` for any other (``am`` included);
2. ``"[" + ("zh-cn" if lang == "zh" else lang) + "]" + text``, then every ``" "`` becomes
   ``"[SPACE]"``; 3. ``Tokenizer.encode(...).ids`` on vocab.json.

Two tokenizer settings:

- ``stock``: exactly that. A language outside the list is *unsupported*; its text is still
  encoded the passthrough way so the audit can say what else would drop the sample.
- ``passthrough``: a fork that accepts any language code and cleans its text with the
  language-independent part of ``multilingual_cleaners``: drop ``"``, lowercase, collapse
  whitespace. This is what Diakonrobel/Amharic_XTTS-V2_TTS does for ``am`` (it runs the
  ``en`` cleaners, which for Ethiopic text without digits or ``&@%#$£°`` do just that).

For the known languages the audit applies the same language-independent steps and marks a
text *approximate* when the real cleaners would change more (digits and symbols are
spelled out by num2words and tables in coqui-tts; zh/ja/ko are transliterated).
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tokenizers import Tokenizer

from harness.errors import HarnessError

MODES = ("stock", "passthrough")
UNK_ID = 1  # XTTSDataset.get_text asserts no token is 1 ([UNK]) ...
STOP_ID = 0  # ... and none is 0 ([STOP])
_WHITESPACE = re.compile(r"\s+")
# What the stock cleaners spell out: digits, symbols, and abbreviations with a dot (the
# common keys of coqui-tts's per-language tables: "mr." -> "mister", "dr." -> "doctor").
_EXPANDED = re.compile(
    r"[0-9&@%#$£°€]|\b(?:mrs?|mme|drs?|dra|sra?|st|co|jr|maj|gen|rev|lt|hon|sgt|capt|esq|ltd"
    r"|col|ft)\.",
    re.IGNORECASE,
)
_TRANSLITERATED = frozenset({"zh", "ja", "ko"})
ENCODE_CHUNK = 1024


@dataclass(frozen=True, slots=True)
class Encoded:
    """One text as the dataset would tokenize it."""

    ids: Sequence[int]
    cleaned: str  # text after preprocess_text (passthrough cleaning when unsupported)
    unsupported: bool  # stock preprocess_text would raise NotImplementedError
    unk_chars: tuple[str, ...]  # characters of the text that became [UNK], in order
    prefix_unk: bool  # the [lang] prefix itself produced [UNK]
    approximate: bool  # the real cleaners would change this text in ways not modelled

    @property
    def has_unk(self) -> bool:
        return UNK_ID in self.ids

    @property
    def has_stop(self) -> bool:
        return STOP_ID in self.ids


class TextTokenizer:
    """Encodes dataset texts the way XTTSDataset.get_text does, on one vocab.json."""

    def __init__(self, vocab_path: str | Path, mode: str, supported: frozenset[str]):
        if mode not in MODES:
            raise HarnessError(f"unknown tokenizer setting {mode!r}", fix=f"use one of {MODES}")
        self.vocab_path = Path(vocab_path)
        self.mode = mode
        self.supported = supported
        self._tokenizer = load_tokenizer(self.vocab_path)
        self.vocab: dict[str, int] = self._tokenizer.get_vocab(with_added_tokens=True)
        self.added_tokens = frozenset(
            token.content for token in self._tokenizer.get_added_tokens_decoder().values()
        )

    def accepts(self, language: str) -> bool:
        return self.mode == "passthrough" or base_language(language) in self.supported

    def language_tag(self, language: str) -> str:
        lang = base_language(language)
        return f"[{'zh-cn' if lang == 'zh' else lang}]"

    def clean(self, text: str, language: str) -> tuple[str, bool]:
        """(text after preprocess_text, whether the real cleaners would differ)."""
        lang = base_language(language)
        known = lang in self.supported
        text = text.replace('"', "")
        if lang == "tr":
            text = text.replace("İ", "i").replace("Ö", "ö").replace("Ü", "ü")
        cleaned = _WHITESPACE.sub(" ", text.lower()).strip()
        approximate = known and (lang in _TRANSLITERATED or bool(_EXPANDED.search(text)))
        return cleaned, approximate

    def encode_many(self, texts: Sequence[str], language: str) -> list[Encoded]:
        """Encode in chunks: tokenizers' Encoding objects (offsets, tokens, masks) cost
        kilobytes each, so only one chunk of them lives at a time."""
        out: list[Encoded] = []
        for start in range(0, len(texts), ENCODE_CHUNK):
            out += self._encode_chunk(texts[start : start + ENCODE_CHUNK], language)
        return out

    def _encode_chunk(self, texts: Sequence[str], language: str) -> list[Encoded]:
        unsupported = not self.accepts(language)
        tag = self.language_tag(language)
        cleaned = [self.clean(text, language) for text in texts]
        inputs = [f"{tag}{text}".replace(" ", "[SPACE]") for text, _ in cleaned]
        encodings = self._tokenizer.encode_batch(inputs, add_special_tokens=False)
        prefix = len(tag)
        out = []
        rows = zip(texts, cleaned, inputs, encodings, strict=True)
        for source_text, (text, approximate), source, encoding in rows:
            pairs = zip(encoding.ids, encoding.offsets, strict=True)
            unk = [a for i, (a, _) in pairs if i == UNK_ID]
            out.append(
                Encoded(
                    ids=array("i", encoding.ids),  # 4 bytes an id, not a 28-byte int
                    cleaned=text if text != source_text else source_text,  # share the str
                    unsupported=unsupported,
                    unk_chars=tuple(source[a] for a in unk if a >= prefix),
                    prefix_unk=any(a < prefix for a in unk),
                    approximate=approximate,
                )
            )
        return out

    def encode(self, text: str, language: str) -> Encoded:
        return self.encode_many([text], language)[0]


def base_language(language: str) -> str:
    """VoiceBpeTokenizer drops the region: ``zh-cn`` -> ``zh``."""
    return language.split("-")[0]


def load_tokenizer(path: Path) -> Tokenizer:
    if not path.is_file():
        raise HarnessError(
            f"vocab file {str(path)!r} does not exist",
            fix="give the path of an existing vocab.json (the XTTS checkpoint's, or your "
            "extended one)",
        )
    try:
        return Tokenizer.from_file(str(path))
    except Exception as error:  # tokenizers raises a plain Exception for a bad file
        message = " ".join(str(error).split())[:200]
        fix = "use the vocab.json of an XTTS checkpoint (tokenizers JSON, BPE model)"
        if "out of vocabulary" in message:
            fix = "every merge's parts and result must be tokens of the vocab: add them"
        raise HarnessError(
            f"tokenizers cannot load it: {message}", where=str(path), fix=fix
        ) from None
