"""Findings from an audit result: input problems per row, then drop reasons and totals."""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.audit.codes import make
from harness.audit.coverage import code_point
from harness.audit.durations import format_hours
from harness.audit.verdict import REASON_CODES, Reason
from harness.findings import Finding, Severity

if TYPE_CHECKING:
    from harness.audit.result import AuditResult
    from harness.audit.tokenizer import TextTokenizer
    from harness.audit.totals import ReasonTotals

EXAMPLES = 3  # lines quoted in a summary finding
MISSING_SHOWN = 12  # characters quoted in the [UNK] finding
PER_ROW_REASONS = (Reason.AUDIO_MISSING, Reason.AUDIO_UNREADABLE)  # reported row by row

KEYS = {
    Reason.LANGUAGE_UNSUPPORTED: "language",
    Reason.UNK_CHARACTERS: "model_args.tokenizer_file",
    Reason.AUDIO_TOO_LONG: "model_args.max_wav_length",
    Reason.TEXT_TOO_LONG: "model_args.max_text_length",
}


def audit_findings(
    result: AuditResult, tokenizer: TextTokenizer, rows: list[Finding]
) -> list[Finding]:
    """``rows``: the per-row findings (harness/audit/row_checks.py), which come first."""
    findings = list(rows)
    findings += reason_findings(result, tokenizer)
    findings += run_findings(result, tokenizer.supported)
    findings += info_findings(result)
    return findings


# Per drop reason ----------------------------------------------------------------------


def reason_findings(result: AuditResult, tokenizer: TextTokenizer) -> list[Finding]:
    out = []
    totals = result.totals
    total, hours = totals.count(), totals.hours()
    train = totals.count("train")
    for reason in Reason:
        if reason in PER_ROW_REASONS:
            continue
        members = totals.of(reason.value)
        if not members.total:
            continue
        head = (
            f"{members.total} of {total} samples ({members.total / total:.1%}) and "
            f"{format_hours(members.hours)} of {format_hours(hours)} of audio dropped "
            "silently: "
        )
        everything = bool(train) and members.count["train"] == train
        out.append(
            make(
                REASON_CODES[reason],
                head + _detail(reason, members, result) + _then(members),
                severity=Severity.ERROR if everything else None,
                key=KEYS.get(reason),
                file=str(result.source.train_file),
                fix=_fix(reason, result),
            )
        )
    return out


def _detail(reason: Reason, members: ReasonTotals, result: AuditResult) -> str:
    limits = result.limits
    examples = ", ".join(members.examples[:EXAMPLES])
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
        shortest = members.shortest or 0.0
        return f"clips under {limits.min_seconds} s (shortest {shortest:.2f} s); e.g. {examples}"
    if reason is Reason.AUDIO_TOO_LONG:
        longest = members.longest or 0.0
        return (
            f"clips over max_wav_length {limits.max_wav_samples} samples "
            f"({limits.max_wav_seconds:.2f} s at {limits.sample_rate} Hz; longest "
            f"{longest:.2f} s); e.g. {examples}"
        )
    longest_tokens = members.most_tokens
    return (
        f"texts over max_text_length {limits.max_text_tokens} tokens, counted with the "
        f"{result.language_tag} tag and [SPACE] tokens (longest {longest_tokens}); "
        f"e.g. {examples}"
    )


def _unk_detail(members: ReasonTotals, result: AuditResult) -> str:
    parts = []
    if members.prefix_unk:
        parts.append(
            f"the language tag {result.language_tag} itself becomes [UNK] (it is not an "
            "added token and its brackets are not in the vocab)"
        )
    counts = members.unk_chars
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


def _then(members: ReasonTotals) -> str:
    """What would still drop these samples once this reason is fixed."""
    later = members.then
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
    totals = result.totals
    train = totals.count("train")
    if train and not totals.count("train", kept=True):
        listed = totals.train_listed
        crash = (
            "load_tts_samples stops first: the coqui formatter finds no audio file and "
            "asserts 'No training samples found'"
            if not listed
            else "XTTSDataset retries forever and training ends in RecursionError"
        )
        out.append(
            make(
                "A111",
                f"none of the {train} training samples survives the filters: {crash}",
                file=train_file,
                fix="fix the drop reasons above, then audit again",
            )
        )
    if result.eval_split_error:
        out.append(make("A113", result.eval_split_error, key="eval_split_size", file=train_file))
    evals = totals.count("eval")
    if evals and not totals.count("eval", kept=True):
        out.append(
            make(
                "A110",
                f"0 of {evals} eval samples survive: the trainer logs 'Total eval "
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
    totals = result.totals
    total, kept = totals.count(), totals.count(kept=True)
    hours, kept_hours = totals.hours(), totals.hours(kept=True)
    per_char = result.tokens_per_char
    limits = result.limits
    per_char_text = f"{per_char:.2f}" if per_char is not None else "n/a"
    out = [
        make(
            "A120",
            f"{kept} of {total} samples kept ({kept / total:.1%}), "
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
    if totals.approximate:
        out.append(
            make(
                "A122",
                f"{totals.approximate} samples have digits, symbols or a script the stock "
                "cleaners rewrite (num2words, symbol tables, transliteration); their token "
                f"counts are estimates; e.g. {totals.first_approximate}",
                file=str(result.source.train_file),
            )
        )
    return out
