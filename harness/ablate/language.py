"""Make the XTTS tokenizer accept a language it does not know (Amharic), as forks do.

``VoiceBpeTokenizer.preprocess_text`` raises ``NotImplementedError`` for ``am`` and the
XTTS dataset swallows the error, so every Amharic sample is dropped (docs/xtts-facts.md section 4).
The Amharic fork Diakonrobel/Amharic_XTTS-V2_TTS (utils/amharic_bpe_tokenizer_patch.py)
patches the tokenizer *class* so that ``am`` gets the English text cleaners. We do the
same, but on one tokenizer *instance* of the trial's model, never globally: nothing else in
the process changes. Unlike that fork we keep the dataset's ``[UNK]`` assertion, so a vocab
that cannot encode the text still drops samples, and the runner's sample check says so.
"""

from __future__ import annotations

from typing import Any

# Languages the tokenizer lacks -> the language whose cleaners they borrow (the fork's map).
BORROWED_CLEANERS: dict[str, str] = {"am": "en", "amh": "en"}
CHAR_LIMIT = 200  # the fork's char_limits entry for am (only ever used for a warning)


def accept_language(tokenizer: Any, language: str) -> None:
    """Teach this tokenizer instance ``language`` if the library does not know it."""
    base = language.split("-")[0].lower()
    borrowed = BORROWED_CLEANERS.get(base)
    if borrowed is None or _supported(tokenizer, base):
        return
    original = tokenizer.preprocess_text  # bound method of the library class

    def preprocess_text(txt: str, lang: str) -> str:
        lang_base = lang.split("-")[0].lower()
        return original(txt, BORROWED_CLEANERS.get(lang_base, lang))

    tokenizer.preprocess_text = preprocess_text  # instance attribute: this object only
    tokenizer.char_limits = {**tokenizer.char_limits, base: CHAR_LIMIT}


def _supported(tokenizer: Any, language: str) -> bool:
    try:
        tokenizer.preprocess_text("a", language)
    except NotImplementedError:
        return False
    return True
