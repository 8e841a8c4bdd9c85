"""The Example, Use instead and Evidence sections of the dataset and vocab codes.

Each Example is what a user runs: the command, then the files it reads, each block's first
line a comment naming the file (``# data/metadata_train.csv``). A vocab block shows the
parts of a ``tokenizers`` vocab.json that matter (``added_tokens``, ``model.vocab``,
``model.merges``); the rest is as in the XTTS v2 release vocab. Audio named
``NAME_<seconds>s.wav`` is a silent 22050 Hz clip that long (1 s without a length);
``missing.wav`` does not exist, ``corrupt.wav`` holds random bytes and ``truncated.wav``
(2 s) ends half-way through what its header says. A Use instead shows only what changes:
the Example's command and its other files stay. The tests run every Example (it reports the
code) and every Use instead (it does not).
"""

from __future__ import annotations

AUDIT = (
    "```console\n$ xtts-harness audit config.toml --dataset data --language {lang}{extra}\n```\n"
)


CONTINUED = " \\\n    "  # a shell line continuation: keeps a command within 80 columns


def audit(lang: str = "en", extra: str = "") -> str:
    """The audit command line; options beyond the language go on a continuation line."""
    return AUDIT.format(lang=lang, extra=CONTINUED + extra if extra else "")


def csv(*rows: str, name: str = "metadata_train.csv") -> str:
    body = "\n".join(["audio_file|text|speaker_name", *rows])
    return f"```csv\n# data/{name}\n{body}\n```\n"


def toml(text: str) -> str:
    return f"```toml\n# config.toml\n{text.strip()}\n```\n"


def vocab(name: str, text: str) -> str:
    return f"```json\n# {name}\n{text.strip()}\n```\n"


def check(extra: str = "", rows: int = 64) -> str:
    more = CONTINUED + extra if extra else ""
    return (
        "```console\n$ xtts-harness vocab-check base.json extended.json "
        f"--checkpoint-text-tokens {rows}{more}\n```\n"
    )


_TOKENS = '"[STOP]": 0, "[UNK]": 1, "[SPACE]": 2, "[en]": 3,\n                     "a": 4, "b": 5'
_ADDED = '"[STOP]", "[UNK]", "[SPACE]", "[en]"'
_BASE = (
    f'{{"added_tokens": [{_ADDED}],\n "model": {{"vocab": {{{_TOKENS}}},\n'
    '           "merges": []}}'
)
BASE = vocab("base.json", _BASE)


def extended(
    tokens: str, merges: str = "", *, added: bool = True, name: str = "extended.json"
) -> str:
    """The base vocab with ``tokens`` appended (``[am]`` an added token unless not ``added``)."""
    tags = _ADDED + (', "[am]"' if added else "")
    return vocab(
        name,
        f'{{"added_tokens": [{tags}],\n "model": {{"vocab": {{{_TOKENS}{tokens}}},\n'
        f'           "merges": [{merges}]}}}}',
    )


GOOD = csv("wavs/clip.wav|A plain sentence.|speaker")
EVAL = csv("wavs/eval.wav|Another sentence.|speaker", name="metadata_eval.csv")
TTS = "coqui-tts 0.24.2, `TTS/tts/datasets/dataset.py`"
TOKENIZER = "coqui-tts 0.24.2, `TTS/tts/layers/xtts/tokenizer.py`"
SAME = "The same run with nothing to change: this code reports, it does not warn."

# code -> (Example, Use instead, Evidence)
EXAMPLES: dict[str, tuple[str, str, str]] = {
    "A101": (
        audit("am") + csv("wavs/clip.wav|ሰላም ለሁሉም።|speaker"),
        "Audit as the run trains, with the tokenizer patched to accept the language:\n\n"
        + audit("am", "--tokenizer passthrough"),
        f"`VoiceBpeTokenizer.preprocess_text` ({TOKENIZER}) raises NotImplementedError; "
        "`XTTSDataset.__getitem__` catches it and drops the sample.",
    ),
    "A102": (
        audit() + csv("wavs/clip.wav|A snowman ☃ in the text.|speaker"),
        csv("wavs/clip.wav|A snowman in the text.|speaker"),
        f"`XTTSDataset.get_text` ({TTS}) asserts no token is [UNK] (id 1).",
    ),
    "A103": (
        audit("en", "--vocab vocab.json")
        + csv("wavs/clip.wav|[STOP] ab|speaker")
        + vocab("vocab.json", _BASE.replace("[STOP]", "[stop]")),
        csv("wavs/clip.wav|ab|speaker"),
        f"`XTTSDataset.get_text` ({TTS}) asserts no token is [STOP] (id 0).",
    ),
    "A104": (
        audit() + csv("wavs/missing.wav|A plain sentence.|speaker") + EVAL,
        GOOD,
        "`coqui` formatter (`TTS/tts/datasets/formatters.py`) skips rows whose file does "
        "not exist.",
    ),
    "A105": (
        audit() + csv("wavs/corrupt.wav|A plain sentence.|speaker") + EVAL,
        GOOD,
        f"`XTTSDataset.__getitem__` ({TTS}) drops a sample whose audio fails to load.",
    ),
    "A106": (
        audit() + csv("wavs/clip.wav||speaker") + EVAL,
        GOOD,
        f"`XTTSDataset.load_item` ({TTS}) raises ValueError for an empty text.",
    ),
    "A107": (
        audit() + csv("wavs/clip_0.3s.wav|Hi.|speaker") + EVAL,
        csv("wavs/clip_1s.wav|Hi.|speaker"),
        f"`XTTSDataset.load_item` ({TTS}) skips clips under 0.5 s.",
    ),
    "A108": (
        audit()
        + toml("[model_args]\nmax_wav_length = 22050  # 1 s at 22050 Hz")
        + csv("wavs/clip_2s.wav|A plain sentence.|speaker")
        + EVAL,
        csv("wavs/clip_1s.wav|A plain sentence.|speaker"),
        f"`XTTSDataset.load_item` ({TTS}) skips clips over max_wav_length samples.",
    ),
    "A109": (
        audit()
        + toml("[model_args]\nmax_text_length = 8")
        + csv("wavs/clip.wav|A sentence far longer than eight tokens.|speaker")
        + EVAL,
        csv("wavs/clip.wav|Hi.|speaker"),
        f"`XTTSDataset.load_item` ({TTS}) skips texts over max_text_length tokens.",
    ),
    "A110": (
        audit()
        + GOOD
        + csv("wavs/missing.wav|Another sentence.|speaker", name="metadata_eval.csv"),
        EVAL,
        f"`XTTSDataset` ({TTS}) logs 'Total eval samples after filtering'.",
    ),
    "A111": (
        audit() + csv("wavs/clip_0.3s.wav|Hi.|speaker") + EVAL,
        GOOD,
        f"`XTTSDataset.__getitem__` ({TTS}) retries another sample after each failure.",
    ),
    "A112": (
        audit("am", "--tokenizer passthrough --vocab vocab.json")
        + csv("wavs/clip.wav|ab|speaker")
        + EVAL
        + vocab("vocab.json", _BASE),
        extended(', "[am]": 6', name="vocab.json"),
        f"`VoiceBpeTokenizer.encode` ({TOKENIZER}) prefixes every text with '[lang]'.",
    ),
    "A113": (
        audit() + csv("wavs/clip.wav|A plain sentence.|speaker", "wavs/two.wav|Hi.|speaker"),
        EVAL,
        "`load_tts_samples` (`TTS/tts/datasets/__init__.py`) asserts a non-empty eval split.",
    ),
    "A120": (audit() + GOOD + EVAL, SAME, "What the audit counts, from the rows it read."),
    "A121": (audit() + GOOD + EVAL, SAME, "What the audit counts, from the rows it read."),
    "A122": (
        audit() + csv("wavs/clip.wav|I have 3 apples.|speaker") + EVAL,
        csv("wavs/clip.wav|I have three apples.|speaker"),
        f"`multilingual_cleaners` ({TOKENIZER}) expand numbers with num2words.",
    ),
    "A130": (
        audit() + csv("/home/me/data/wavs/clip.wav|A plain sentence.|speaker") + EVAL,
        GOOD,
        "`os.path.join` drops the root before an absolute path (Python documentation).",
    ),
    "A131": (
        audit() + csv("wavs\\clip.wav|A plain sentence.|speaker") + EVAL,
        GOOD,
        "`coqui` formatter (`TTS/tts/datasets/formatters.py`) joins the path as written.",
    ),
    "A132": (
        audit()
        + csv("wavs/clip.wav|A plain sentence.|speaker", "wavs/clip.wav|A plain sentence.|speaker")
        + EVAL,
        GOOD,
        "`coqui` formatter (`TTS/tts/datasets/formatters.py`) keeps every row.",
    ),
    "A133": (
        audit() + csv("wavs/clip.wav|A plain sentence.") + EVAL,
        GOOD,
        "`csv.DictReader` fills missing columns with None (Python documentation).",
    ),
    "A134": (
        audit() + csv("wavs/truncated.wav|A plain sentence.|speaker") + EVAL,
        GOOD,
        "soundfile reports the frames present; the header states more.",
    ),
    "V101": (
        check() + BASE + extended(', "[am]": 6, "c": 8').replace('"b": 5', '"b": 7'),
        extended(', "[am]": 6, "c": 7'),
        f"`GPT.text_embedding` rows are indexed by token id ({TOKENIZER}).",
    ),
    "V102": (
        check() + BASE + extended(', "[am]": 6', added=False),
        extended(', "[am]": 6'),
        f"`VoiceBpeTokenizer.encode` ({TOKENIZER}) prefixes every text with '[lang]'.",
    ),
    "V103": (
        check() + BASE + extended(', "[am]": 6, "c": 7, "d": 8, "cd": 9'),
        extended(', "[am]": 6, "c": 7, "d": 8, "cd": 9', '"c d"'),
        "A BPE model builds tokens only by merges (`tokenizers`, BPE model).",
    ),
    "V104": (
        check()
        + vocab("base.json", _BASE.replace('"b": 5', '"b": 5, "ab": 6').replace("[]", '["a b"]'))
        + extended(', "ab": 6, "[am]": 7, "c": 8, "ac": 9', '"a c", "a b"'),
        extended(', "ab": 6, "[am]": 7, "c": 8, "ac": 9', '"a b", "a c"'),
        "A merge's rank is its position in `model.merges` (`tokenizers`, BPE model).",
    ),
    "V105": (
        check(rows=6) + BASE + extended(', "[am]": 6, "c": 7'),
        "Pad the checkpoint's text embedding to the new size, then check against it:\n\n"
        + check(rows=8),
        "`GPT` loads `text_embedding.weight` of shape (gpt_number_text_tokens, ...).",
    ),
    "V106": (
        check() + BASE + extended(', "[am]": 6, "c": 9'),
        extended(', "[am]": 6, "c": 7'),
        "gpt_number_text_tokens is the vocab's max id + 1 (`TTS/tts/models/xtts.py`).",
    ),
    "V107": (
        check() + BASE + extended(', "[am]": 6'),
        SAME,
        "What the check counts, from the two vocab files.",
    ),
    "V108": (
        check("--dataset data") + BASE + extended(', "[am]": 6') + csv("wavs/clip.wav|ሰላም|speaker"),
        extended(', "[am]": 6, "ሰ": 7, "ላ": 8, "ም": 9'),
        f"`XTTSDataset.get_text` ({TTS}) asserts no token is [UNK] (id 1).",
    ),
}
