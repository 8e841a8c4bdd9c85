"""The finding codes of the dataset audit (A1xx) and the vocab check (V1xx).

Each code has a kebab-case name, a default severity, a one-line summary and a short text
(why it matters, then "Fix: ..."); ``CODES`` holds them as ``FindingCode`` entries of the
one catalogue (``harness.catalog``), their docs in ruff's sections like the config rules'.
``make`` builds a ``Finding`` from a code.
"""

from __future__ import annotations

from harness.audit.code_docs import EXAMPLES
from harness.findings import Finding, FindingCode, Severity

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


FAMILY = "data"  # the dataset and the tokenizer the trainer reads it with
NOTHING_TO_FIX = "Nothing to change: the finding reports what the trainer will see."


_TABLE: tuple[tuple[str, str, Severity, str, str], ...] = (
    # Drop reasons: one summary finding per reason (count, share, hours, example lines), an
    # error whatever its default when the reason drops every training sample. Missing and
    # unreadable audio are reported row by row instead.
    (
        "A101",
        "language-unsupported",
        ERROR,
        "the stock tokenizer rejects the dataset's language",
        "VoiceBpeTokenizer.preprocess_text raises NotImplementedError for a language outside "
        "its list; XTTSDataset catches it and drops every sample silently. Fix: patch the "
        "tokenizer as the language forks do (audit with --tokenizer passthrough) and extend "
        "the vocab.",
    ),
    (
        "A102",
        "unk-characters",
        WARNING,
        "characters absent from the vocab become [UNK]",
        "XTTSDataset.get_text asserts that no token is [UNK] (id 1); the assertion is caught "
        "and the sample dropped silently. Fix: extend the vocab (append the characters, "
        "merges and the [lang] token; see `xtts-harness vocab-check`).",
    ),
    (
        "A103",
        "stop-token-in-text",
        WARNING,
        "the text contains the literal [STOP] token",
        "get_text also asserts that no token is [STOP] (id 0). The stock cleaners lowercase "
        "the text first, so '[STOP]' in a transcript normally shows up as '[stop]', whose "
        "brackets are [UNK] (A102); only a fork that keeps case reaches this. Fix: remove "
        "'[STOP]' from the transcript.",
    ),
    (
        "A104",
        "audio-missing",
        WARNING,
        "audio files that do not exist",
        "The coqui formatter skips rows whose audio file does not exist (one warning line "
        "with the count); the ljspeech formatter keeps them and the dataset drops them when "
        "loading fails. Fix: correct the path (relative to the dataset root) or the file.",
    ),
    (
        "A105",
        "audio-unreadable",
        WARNING,
        "audio files that cannot be decoded",
        "torchaudio.load fails on a corrupt or non-audio file; the dataset drops the sample "
        "silently. Fix: re-export the file (22050 Hz mono WAV).",
    ),
    (
        "A106",
        "text-empty",
        WARNING,
        "empty transcripts",
        "load_item raises ValueError for an empty or blank text and the sample is dropped. "
        "Fix: transcribe the clip or remove the row.",
    ),
    (
        "A107",
        "audio-too-short",
        WARNING,
        "clips shorter than 0.5 s",
        "load_item drops clips shorter than 0.5 s at the trainer's sample rate "
        "(audio.sample_rate). Fix: remove or merge them.",
    ),
    (
        "A108",
        "audio-too-long",
        WARNING,
        "clips longer than max_wav_length",
        "Clips whose length after resampling to audio.sample_rate exceeds "
        "model_args.max_wav_length samples are dropped. Fix: split the clips, or raise "
        "max_wav_length (codes must still fit gpt_max_audio_tokens: about 605 x 1024 samples).",
    ),
    (
        "A109",
        "text-too-long",
        WARNING,
        "texts longer than max_text_length tokens",
        "The limit counts tokens after the [lang] prefix and with spaces as [SPACE] tokens, "
        "not characters. Fix: split the text, or raise model_args.max_text_length (at most "
        "gpt_max_text_tokens, 402 in the v2 release).",
    ),
    # Consequences for the whole run.
    (
        "A110",
        "no-eval-samples-left",
        ERROR,
        "no eval sample survives the filters",
        "XTTSDataset filters eval samples up front and logs 'Total eval samples after "
        "filtering: 0'; eval losses are then meaningless. Fix: the drop reasons above.",
    ),
    (
        "A111",
        "all-train-samples-dropped",
        ERROR,
        "no training sample survives the filters",
        "XTTSDataset.__getitem__ retries with another sample after each failure; when every "
        "sample fails, training ends in RecursionError. Fix: the drop reasons above.",
    ),
    (
        "A112",
        "language-token-missing",
        WARNING,
        "the [lang] tag is not an added token of the vocab",
        "VoiceBpeTokenizer prefixes every text with '[lang]'. Unless that string is an added "
        "token it is split into '[', the code, ']' by the BPE model; the release vocab has no "
        "'[' or ']' at all, so they become [UNK]. Fix: add '[lang]' as an added token.",
    ),
    (
        "A113",
        "eval-split-failed",
        ERROR,
        "the automatic eval split cannot be made",
        "Without an eval metadata file load_tts_samples splits eval_split_size off the "
        "training rows; it asserts the split is not empty, and for several speakers loops "
        "forever when no speaker has a second clip. Fix: give an eval file or a larger "
        "eval_split_size.",
    ),
    (
        "A120",
        "dataset-summary",
        INFO,
        "what the trainer will see",
        "Samples, hours, share kept, tokens per character and the limits used.",
    ),
    (
        "A121",
        "vocab-coverage",
        INFO,
        "characters of the dataset the vocab covers",
        "Distinct characters of the cleaned text and whether each is a vocab token.",
    ),
    (
        "A122",
        "text-cleaning-approximate",
        INFO,
        "text the audit cannot clean exactly",
        "The stock cleaners expand numbers, abbreviations and symbols per language "
        "(num2words and tables inside coqui-tts) and transliterate zh/ja/ko; the audit only "
        "lowercases and collapses whitespace, so token counts of these samples are estimates.",
    ),
    # Input problems, one finding per row.
    (
        "A130",
        "audio-path-absolute",
        WARNING,
        "absolute audio path in the metadata",
        "os.path.join(root, path) ignores the root for an absolute path: the dataset only "
        "works on the machine that wrote it. Fix: write paths relative to the dataset root.",
    ),
    (
        "A131",
        "audio-path-windows",
        WARNING,
        "Windows-style audio path in the metadata",
        "Backslashes are not path separators on Linux: the file is not found. Fix: use "
        "forward slashes (wavs/clip.wav).",
    ),
    (
        "A132",
        "duplicate-sample",
        WARNING,
        "the same audio file listed twice",
        "Duplicates weight a clip twice; one in both train and eval leaks eval data into "
        "training. Fix: remove the repeated row.",
    ),
    (
        "A133",
        "column-count",
        WARNING,
        "a row with a different number of columns than the header",
        "csv.DictReader fills missing columns with None, and the dataset trains on str(None): "
        "the text 'None'. Fix: write audio_file|text|speaker_name on every row.",
    ),
    (
        "A134",
        "audio-truncated",
        WARNING,
        "audio file shorter than its header says",
        "The trainer reads what is there, so the clip is cut short of its transcript. Fix: "
        "re-export the file.",
    ),
    # Vocab extension check.
    (
        "V101",
        "vocab-not-append-only",
        ERROR,
        "tokens of the base vocab changed id or vanished",
        "The checkpoint's text embedding rows are indexed by id: a moved token reads another "
        "token's embedding. Fix: append new tokens after the base vocab's last id.",
    ),
    (
        "V102",
        "vocab-language-token-missing",
        ERROR,
        "the [lang] tag is not an added token",
        "See A112. Fix: add '[lang]' to added_tokens (special, not normalized) with a new id.",
    ),
    (
        "V103",
        "vocab-unreachable-tokens",
        WARNING,
        "added multi-character tokens no merge produces",
        "A BPE model only builds a token by merges; a multi-character token without a merge "
        "that makes it is never produced, its embedding row never trained. Fix: learn merges "
        "with `tokenizers` and append them with the tokens they produce.",
    ),
    (
        "V104",
        "vocab-merges-reordered",
        WARNING,
        "the base vocab's merges are not kept first, in order",
        "A merge's rank is its position: inserting merges before the base ones changes how "
        "every existing language is tokenized. Fix: append new merges after the base merges.",
    ),
    (
        "V105",
        "text-embedding-size-mismatch",
        ERROR,
        "the grown vocab does not fit the checkpoint",
        "gpt_number_text_tokens is recomputed from vocab.json (max id + 1); loading a "
        "checkpoint with fewer text_embedding rows fails with a size mismatch (strict=False "
        "does not help). Fix: pad gpt.text_embedding.weight, gpt.text_head.weight and "
        "gpt.text_head.bias to the new size on a copy of the checkpoint.",
    ),
    (
        "V106",
        "vocab-ids-not-contiguous",
        WARNING,
        "the vocab's ids have gaps",
        "gpt_number_text_tokens is max id + 1, so every gap is an embedding row no token uses. "
        "Fix: give the appended tokens the ids right after the base vocab's (existing ids "
        "unchanged).",
    ),
    (
        "V107",
        "vocab-extension-summary",
        INFO,
        "what the extension adds",
        "Tokens, characters, merges and added tokens appended; tokens per character on the "
        "dataset before and after.",
    ),
    (
        "V108",
        "vocab-dataset-unk",
        ERROR,
        "dataset characters still missing from the extended vocab",
        "Samples with these characters are dropped as [UNK]. Fix: append them.",
    ),
)


def ruff_doc(code: str, summary: str, text: str) -> str:
    """The code's doc in ruff's sections: what it reports, why it matters, an Example that
    reports it, the fix with a Use instead that does not, and the Evidence
    (``harness.audit.code_docs``)."""
    why, _, fix = text.partition("Fix:")
    fix = fix.strip() or NOTHING_TO_FIX
    check = "dataset audit" if code.startswith("A") else "vocab check"
    example, instead, evidence = EXAMPLES[code]
    return (
        f"## What it does\nThe {check} reports: {summary}.\n\n"
        f"## Why is this bad?\n{why.strip()}\n\n## Example\n{example}\n"
        f"## Use instead\n{fix[0].upper() + fix[1:]}\n\n{instead}\n"
        f"## Evidence\n{evidence}"
    )


CODES: dict[str, FindingCode] = {
    code: FindingCode(code, name, severity, FAMILY, summary, ruff_doc(code, summary, text))
    for code, name, severity, summary, text in _TABLE
}


def get_code(code: str) -> FindingCode:
    return CODES[code]


def make(
    code: str,
    message: str,
    *,
    severity: Severity | None = None,
    key: str | None = None,
    file: str | None = None,
    line: int | None = None,
    fix: str | None = None,
    plan: str | None = None,
) -> Finding:
    """A Finding with the code's name and (unless overridden) its default severity."""
    return CODES[code].finding(
        message, severity=severity, key=key, file=file, line=line, fix=fix, plan=plan
    )
