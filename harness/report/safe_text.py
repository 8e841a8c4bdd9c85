"""Untrusted text (keys, values, file names, failure reasons) made safe to show on a terminal.

A config key can hold ``ESC [ 2 J`` (clear the screen), an OSC 8 hyperlink or a title
change; a file name can hold U+202E (RIGHT-TO-LEFT OVERRIDE), which makes
``evil\u202egnp.py`` read as ``evilyp.png``; a name that is not UTF-8 arrives as lone
surrogates that a strict UTF-8 stdout cannot encode. Each such character is shown as its
Python escape (``\\x1b``, ``\\u202e``, ``\\udcff``), so the terminal shows what the bytes are
and never acts on them. One huge value is cut: a message quotes it, the file holds it.
"""

from __future__ import annotations

import re

MAX_CHARS = 2000  # longer text is cut (a 2 MB value would be wrapped for minutes)

# C0 controls but tab and newline, DEL, C1 controls; bidi embeddings, overrides, isolates and
# marks; zero-width and BOM characters that hide text; lone surrogates.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ud800-\udfff]"
)


def safe_text(text: object, *, limit: int = MAX_CHARS) -> str:
    """``text`` with every control, bidi and invalid character escaped, cut to ``limit``."""
    shown = str(text)
    if len(shown) > limit:
        shown = f"{shown[:limit]}... ({len(shown) - limit} more characters)"
    return _UNSAFE.sub(_escape, shown)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
