"""Findings from an audit result: input problems per row, then drop reasons and totals."""

from __future__ import annotations

import ntpath
import os
from collections import Counter
from typing import TYPE_CHECKING

from harness.audit.codes import make
from harness.audit.coverage import code_point
from harness.audit.durations import format_hours
from harness.audit.verdict import REASON_CODES, Reason
from harness.findings import Finding, Severity

if TYPE_CHECKING:
    from harness.audit.result import AuditResult, SampleResult
    from harness.audit.tokenizer import TextTokenizer

EXAMPLES = 3  # lines quoted in a summary finding
MISSING_SHOWN = 12  # characters quoted in the [UNK] finding
PER_ROW_REASONS = (Reason.AUDIO_MISSING, Reason.AUDIO_UNREADABLE)  # reported row by row

KEYS = {
    Reason.LANGUAGE_UNSUPPORTED: "language",
    Reason.UNK_CHARACTERS: "model_args.tokenizer_file",
    Reason.AUDIO_TOO_LONG: "model_args.max_wav_length",
    Reason.TEXT_TOO_LONG: "model_args.max_text_length",
}


def audit_findings(result: AuditResult, tokenizer: TextTokenizer) -> list[Finding]:
    findings = row_findings(result)
    findings += reason_findings(result, tokenizer)
    findings += run_findings(result, tokenizer.supported)
    findings += info_findings(result)
    return findings


# Per row ------------------------------------------------------------------------------


def row_findings(result: AuditResult) -> list[Finding]:
    out: list[Finding] = []
    first_seen: dict[str, SampleResult] = {}
    for item in result.samples:
        sample, audio = item.sample, item.audio
        raw = sample.audio_file
        if _is_windows_path(raw):
            out.append(
                make(
                    "A131",
                    f"audio path {raw!r} uses backslashes or a drive letter: on Linux the "
                    "formatter looks for a file of that literal name",
                    file=sample.file,
                    line=sample.line,
                    fix=f"write it as {raw.replace(chr(92), '/')!r}, relative to the dataset root",
                )
            )
        elif os.path.isabs(raw):
            out.append(
                make(
                    "A130",
                    f"absolute audio path {raw!r}: the dataset root is ignored for it",
                    file=sample.file,
                    line=sample.line,
                    fix="write the path relative to the dataset root (wavs/clip.wav)",
                )
            )
        if sample.expected_columns is not None and sample.columns != sample.expected_columns:
            out.append(_column_finding(item))
        if not audio.exists:
            out.append(
                make(
                    "A104",
                    f"audio file not found: {sample.audio_path}",
                    file=sample.file,
                    line=sample.line,
                    fix="correct the path (relative to the dataset root) or restore the file",
                )
            )
        elif audio.error:
            out.append(
                make(
                    "A105",
                    f"cannot decode {sample.audio_path}: {audio.error}",
                    file=sample.file,
                    line=sample.line,
                    fix="re-export the file as WAV (22050 Hz mono)",
                )
            )
        elif audio.truncated:
            out.append(
                make(
                    "A134",
                    f"{sample.audio_path}: {audio.truncated}; the trainer reads only "
                    f"{audio.duration_s:.2f} s of it",
                    file=sample.file,
                    line=sample.line,
                    fix="re-export the file from its source",
                )
            )
        key = os.path.normpath(sample.audio_path)
        if key in first_seen:
            out.append(_duplicate_finding(item, first_seen[key]))
        else:
            first_seen[key] = item
    return out


def _is_windows_path(path: str) -> bool:
    return "\\" in path or bool(ntpath.splitdrive(path)[0])


def _column_finding(item: SampleResult) -> Finding:
    sample = item.sample
    detail = (
        "no text column: the dataset trains on the text 'None'"
        if sample.text_missing
        else "extra '|' in the row: the columns after the header's are ignored"
    )
    return make(
        "A133",
        f"row has {sample.columns} columns, the header has {sample.expected_columns}; {detail}",
        file=sample.file,
        line=sample.line,
        fix="write exactly audio_file|text|speaker_name (no '|' inside the text)",
    )


def _duplicate_finding(item: SampleResult, first: SampleResult) -> Finding:
    leak = item.role != first.role
    what = "in both train and eval (eval leaks into training)" if leak else "twice"
    return make(
        "A132",
        f"{item.sample.audio_file!r} is listed {what}; first at {first.sample.where}",
        file=item.sample.file,
        line=item.sample.line,
        fix="remove the repeated row",
    )


# Per drop reason ----------------------------------------------------------------------


def reason_findings(result: AuditResult, tokenizer: TextTokenizer) -> list[Finding]:
    out = []
    total, hours = len(result.samples), result.hours
    for reason in Reason:
        if reason in PER_ROW_REASONS:
            continue
        members = [s for s in result.samples if s.verdict.reason is reason]
        if not members:
            continue
        lost_hours = sum(s.hours for s in members)
        head = (
            f"{len(members)} of {total} samples ({len(members) / total:.1%}) and "
            f"{format_hours(lost_hours)} of {format_hours(hours)} of audio dropped silently: "
        )
        train = result.in_role("train")
        everything = bool(train) and all(s.verdict.reason is reason for s in train)
        out.append(
            make(
                REASON_CODES[reason],
                head + _detail(reason, members, result, tokenizer) + _then(members),
                severity=Severity.ERROR if everything else None,
                key=KEYS.get(reason),
                file=str(result.source.train_file),
                fix=_fix(reason, result),
            )
        )
    return out


def _detail(
    reason: Reason, members: list[SampleResult], result: AuditResult, tokenizer: TextTokenizer
) -> str:
    limits = result.limits
    examples = ", ".join(s.sample.where for s in members[:EXAMPLES])
    if reason is Reason.LANGUAGE_UNSUPPORTED:
        return (
            f"language {result.language!r} is not one the stock VoiceBpeTokenizer knows "
            "(preprocess_text raises NotImplementedError)"
        )
    if reason is Reason.UNK_CHARACTERS:
        return _unk_detail(members, result) + f"; e.g. {examples}"
    if reason is Reason.STOP_TOKEN:
        return f"the text contains '[STOP]'; e.g. {examples}"
    if reason is Reason.TEXT_EMPTY:
        return f"empty text; e.g. {examples}"
    if reason is Reason.AUDIO_TOO_SHORT:
        shortest = min(s.verdict.duration_s or 0.0 for s in members)
        return f"clips under {limits.min_seconds} s (shortest {shortest:.2f} s); e.g. {examples}"
    if reason is Reason.AUDIO_TOO_LONG:
        longest = max(s.verdict.duration_s or 0.0 for s in members)
        return (
            f"clips over max_wav_length {limits.max_wav_samples} samples "
            f"({limits.max_wav_seconds:.2f} s at {limits.sample_rate} Hz; longest "
            f"{longest:.2f} s); e.g. {examples}"
        )
    longest_tokens = max(s.verdict.text_tokens for s in members)
    return (
        f"texts over max_text_length {limits.max_text_tokens} tokens, counted with the "
        f"{result.language_tag} tag and [SPACE] tokens (longest {longest_tokens}); "
        f"e.g. {examples}"
    )


def _unk_detail(members: list[SampleResult], result: AuditResult) -> str:
    parts = []
    if any(s.encoded.prefix_unk for s in members):
        parts.append(
            f"the language tag {result.language_tag} itself becomes [UNK] (it is not an "
            "added token and its brackets are not in the vocab)"
        )
    counts: Counter[str] = Counter()
    for s in members:
        counts.update(s.encoded.unk_chars)
    if counts:
        shown = ", ".join(
            f"{c!r} {code_point(c)} x{n}" for c, n in counts.most_common(MISSING_SHOWN)
        )
        more = len(counts) - MISSING_SHOWN
        parts.append(
            f"{len(counts)} characters are not in the vocab: {shown}"
            + (f" and {more} more" if more > 0 else "")
        )
    return "; ".join(parts)


def _then(members: list[SampleResult]) -> str:
    """What would still drop these samples once this reason is fixed."""
    later: Counter[str] = Counter()
    for s in members:
        later.update(r.value for r in s.verdict.reasons[1:2])
    if not later:
        return ""
    parts = ", ".join(f"{name} {n}" for name, n in later.most_common())
    return f". Once fixed, the next reason would drop: {parts}"


def _fix(reason: Reason, result: AuditResult) -> str:
    limits = result.limits
    if reason is Reason.LANGUAGE_UNSUPPORTED:
        return (
            f"patch VoiceBpeTokenizer to accept {result.language!r} (as the language forks do) "
            "and re-run the audit with --tokenizer passthrough; extend the vocab "
            "(xtts-harness vocab-check)"
        )
    if reason is Reason.UNK_CHARACTERS:
        return (
            f"append the missing characters, BPE merges and {result.language_tag} to "
            "vocab.json and check it with xtts-harness vocab-check"
        )
    if reason is Reason.AUDIO_TOO_LONG:
        return (
            "split the long clips, or raise model_args.max_wav_length (keep it under "
            "about 605 x 1024 samples, gpt_max_audio_tokens)"
        )
    if reason is Reason.TEXT_TOO_LONG:
        return (
            f"split the long texts, or raise model_args.max_text_length from "
            f"{limits.max_text_tokens} (at most gpt_max_text_tokens, 402 in the v2 release)"
        )
    if reason is Reason.AUDIO_TOO_SHORT:
        return "remove the clips under 0.5 s or merge them with a neighbour"
    if reason is Reason.TEXT_EMPTY:
        return "transcribe the clips or remove the rows"
    return "remove '[STOP]' from the transcripts"


# The run as a whole --------------------------------------------------------------------


def run_findings(result: AuditResult, supported: frozenset[str]) -> list[Finding]:
    out = []
    train_file = str(result.source.train_file)
    train = result.in_role("train")
    if train and not result.kept("train"):
        listed = [s for s in train if s.audio.exists or result.source.formatter != "coqui"]
        crash = (
            "load_tts_samples stops first: the coqui formatter finds no audio file and "
            "asserts 'No training samples found'"
            if not listed
            else "XTTSDataset retries forever and training ends in RecursionError"
        )
        out.append(
            make(
                "A111",
                f"none of the {len(train)} training samples survives the filters: {crash}",
                file=train_file,
                fix="fix the drop reasons above, then audit again",
            )
        )
    if result.eval_split_error:
        out.append(make("A113", result.eval_split_error, key="eval_split_size", file=train_file))
    evals = result.in_role("eval")
    if evals and not result.kept("eval"):
        out.append(
            make(
                "A110",
                f"0 of {len(evals)} eval samples survive: the trainer logs 'Total eval "
                "samples after filtering: 0' and every eval loss is meaningless",
                file=str(result.source.eval_file or train_file),
                fix="fix the drop reasons above, then audit again",
            )
        )
    if not result.tag_is_added_token and result.language.split("-")[0] not in supported:
        out.append(
            make(
                "A112",
                f"{result.language_tag} is not an added token of {result.vocab_path}: once "
                f"the tokenizer accepts {result.language!r}, every text starts with "
                f"{result.tag_tokens} tokens for '[', the code and ']' instead of one "
                "language token",
                key="model_args.tokenizer_file",
                file=result.vocab_path,
                fix=f"add {result.language_tag} to added_tokens (xtts-harness vocab-check)",
            )
        )
    return out


# Information for the report ----------------------------------------------------------------


def info_findings(result: AuditResult) -> list[Finding]:
    total = len(result.samples)
    kept = result.kept()
    hours = result.hours
    kept_hours = sum(s.hours for s in kept)
    per_char = result.tokens_per_char
    limits = result.limits
    per_char_text = f"{per_char:.2f}" if per_char is not None else "n/a"
    out = [
        make(
            "A120",
            f"{len(kept)} of {total} samples kept ({len(kept) / total:.1%}), "
            f"{format_hours(kept_hours)} of {format_hours(hours)}; eval samples left: "
            f"{result.eval_samples_left}; tokens per character: {per_char_text}; limits: "
            f"max_text_length {limits.max_text_tokens} tokens, max_wav_length "
            f"{limits.max_wav_samples} samples ({limits.max_wav_seconds:.2f} s), min "
            f"{limits.min_seconds} s at {limits.sample_rate} Hz; tokenizer "
            f"{result.tokenizer_mode}",
            file=str(result.source.train_file),
        )
    ]
    cov = result.coverage
    block = cov.block
    block_text = (
        f"; {block['name']} block {block['range']}: {block['in_vocab']} of "
        f"{block['assigned']} characters in the vocab, {block['seen_in_vocab']} of "
        f"{block['seen']} seen in the data"
        if block
        else ""
    )
    out.append(
        make(
            "A121",
            f"the vocab covers {cov.covered} of {len(cov.seen)} distinct characters of the "
            f"text{block_text}",
            file=result.vocab_path,
        )
    )
    approximate = [s for s in result.samples if s.encoded.approximate]
    if approximate:
        out.append(
            make(
                "A122",
                f"{len(approximate)} samples have digits, symbols or a script the stock "
                "cleaners rewrite (num2words, symbol tables, transliteration); their token "
                f"counts are estimates; e.g. {approximate[0].sample.where}",
                file=str(result.source.train_file),
            )
        )
    return out
