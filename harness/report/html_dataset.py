"""The dataset-audit section: what the trainer will drop, why, and how much audio that is."""

from __future__ import annotations

from typing import Any

from harness.report import audit_figures
from harness.report.html_sections import absent, section
from harness.report.htmlkit import Figures, duration, esc, number, table, tag

MAX_SAMPLE_ROWS = 300  # dropped samples listed; the JSON output has all of them
MAX_MISSING_ROWS = 200


def dataset_section(page: Figures, audit: dict[str, Any] | None) -> str:
    if not audit:
        return section(
            "dataset",
            "Dataset audit",
            absent("No dataset given: add --dataset PATH (and --vocab, --language) to audit it."),
        )
    body = [_context(audit), _stats(audit), _drop_table(audit)]
    body.append(tag("div", _histograms(page, audit), cls="grid2"))
    body.append(_coverage(audit))
    body.append(_dropped_samples(audit))
    return section("dataset", "Dataset audit", "".join(body))


def _context(audit: dict[str, Any]) -> str:
    parts = [f"Dataset {tag('code', esc(audit.get('dataset', '')))}"]
    if audit.get("config"):
        parts.append(f"checked against the limits of {tag('b', esc(audit['config']))}")
    if audit.get("vocab"):
        parts.append(f"vocab {tag('code', esc(audit['vocab']))}")
    if audit.get("language"):
        parts.append(f"language {tag('code', esc(audit['language']))}")
    tokenizer = audit.get("tokenizer") or {}
    if tokenizer.get("mode"):
        parts.append(f"{esc(tokenizer['mode'])} tokenizer")
    files = audit.get("dataset_files") or {}
    if files.get("eval_source"):
        parts.append(f"eval set: {esc(files['eval_source'])}")
    return tag("p", ", ".join(parts) + ".", cls="note")


def _stats(audit: dict[str, Any]) -> str:
    coverage = audit.get("vocab_coverage") or {}
    splits = audit.get("splits") or {}
    train, evals = splits.get("train") or {}, splits.get("eval") or {}
    eval_left = audit.get("eval_samples_left")
    items = [
        _stat(
            f"{number(audit.get('samples_kept'))} / {number(audit.get('samples_total'))}",
            "samples kept",
            audit.get("samples_kept") == 0,
        ),
        _stat(
            duration(audit.get("hours_kept")),
            f"of {duration(audit.get('hours_total'))} of audio kept",
            False,
        ),
    ]
    if train:
        items.append(
            _stat(
                f"{number(train.get('kept'))} / {number(train.get('samples'))}",
                "training samples kept",
                train.get("kept") == 0,
            )
        )
    eval_of = f" / {number(evals.get('samples'))}" if evals else ""
    items.append(
        _stat(f"{number(eval_left)}{eval_of}", "eval samples left after filtering", eval_left == 0)
    )
    if coverage.get("share") is not None:
        items.append(
            _stat(
                f"{coverage['share'] * 100:.1f}%",
                "of characters in the vocab",
                coverage["share"] < 1,
            )
        )
    if audit.get("tokens_per_char") is not None:
        items.append(_stat(number(audit["tokens_per_char"], 3), "text tokens per character", False))
    return tag("div", "".join(items), cls="stats")


def _stat(big: str, small: str, bad: bool) -> str:
    return tag(
        "div",
        tag("div", esc(big), cls="big") + tag("div", esc(small), cls="small"),
        cls="stat bad" if bad else "stat",
    )


def _drop_table(audit: dict[str, Any]) -> str:
    drops = audit.get("drops") or []
    if not drops:
        return tag("p", "The trainer keeps every sample.", cls="note")
    columns = (
        "drop reason (the first the trainer hits)",
        "#samples",
        "#train",
        "#eval",
        "#share of samples",
        "#audio",
        "#share of audio",
    )
    rows = [
        (
            (esc(d.get("reason")), "reason"),
            number(d.get("count")),
            number(d.get("train")),
            number(d.get("eval")),
            _percent(d.get("share")),
            duration(d.get("hours")),
            _percent(d.get("hours_share")),
        )
        for d in drops
    ]
    return tag("h3", "Why samples are dropped") + table(columns, rows)


def _histograms(page: Figures, audit: dict[str, Any]) -> str:
    limits = audit.get("limits") or {}
    dists = audit.get("distributions") or {}
    out = []
    if dists.get("text_tokens"):
        marks = []
        if limits.get("max_text_length") is not None:
            marks.append(
                (limits["max_text_length"], f"max_text_length {limits['max_text_length']}")
            )
        out.append(
            page.add(
                audit_figures.histogram_figure(
                    "text length in tokens (after [lang] and [SPACE])",
                    "tokens",
                    dists["text_tokens"],
                    marks,
                )
            )
        )
    if dists.get("durations"):
        marks = []
        if limits.get("min_wav_seconds") is not None:
            marks.append((limits["min_wav_seconds"], f"min {limits['min_wav_seconds']} s"))
        if limits.get("max_wav_seconds") is not None:
            marks.append(
                (
                    limits["max_wav_seconds"],
                    f"max_wav_length {number(limits['max_wav_seconds'], 3)} s",
                )
            )
        out.append(
            page.add(
                audit_figures.histogram_figure(
                    "audio duration (seconds)", "seconds", dists["durations"], marks
                )
            )
        )
    return "".join(out)


def _coverage(audit: dict[str, Any]) -> str:
    coverage = audit.get("vocab_coverage") or {}
    if not coverage:
        return ""
    text = (
        f"{number(coverage.get('covered'))} of {number(coverage.get('total'))} distinct "
        "characters of the dataset are vocab tokens; each missing one becomes [UNK] and "
        "drops every sample it is in."
    )
    body = tag("p", esc(text))
    block = coverage.get("block")
    if block:
        body += tag(
            "p",
            esc(
                f"{block.get('name')} block {block.get('range')}: {number(block.get('in_vocab'))} "
                f"of {number(block.get('assigned'))} assigned characters are in the vocab; the "
                f"dataset uses {number(block.get('seen'))}, {number(block.get('seen_in_vocab'))} "
                "of them in the vocab."
            ),
        )
    details = coverage.get("missing_detail") or [{"char": c} for c in coverage.get("missing") or []]
    if details:
        body += _missing_table(details)
    return tag("h3", "Vocabulary coverage") + body


def _missing_table(details: list[dict[str, Any]]) -> str:
    columns = ("character", "code point", "name", "#occurrences", "#samples")
    rows = [
        (
            (esc(d.get("char")), "chars"),
            tag("code", esc(d.get("code_point") or "")),
            esc(d.get("name") or ""),
            number(d.get("occurrences")),
            number(d.get("samples")),
        )
        for d in details[:MAX_MISSING_ROWS]
    ]
    more = ""
    if len(details) > MAX_MISSING_ROWS:
        left = len(details) - MAX_MISSING_ROWS
        more = tag("p", esc(f"{left} more missing characters."), cls="note")
    return table(columns, rows, wrap="table-wrap scroll") + more


def _dropped_samples(audit: dict[str, Any]) -> str:
    dropped = [s for s in audit.get("samples") or [] if not s.get("kept", True)]
    if not dropped:
        return ""
    columns = ("sample", "set", "text", "reason", "detail")
    rows = [
        (
            tag("code", esc(s.get("audio") or s.get("id") or "")),
            esc(s.get("split") or ""),
            esc(s.get("text") or ""),
            (esc(s.get("reason") or ""), "reason"),
            esc(s.get("detail") or ""),
        )
        for s in dropped[:MAX_SAMPLE_ROWS]
    ]
    note = ""
    if len(dropped) > MAX_SAMPLE_ROWS:
        note = tag(
            "p",
            esc(
                f"First {MAX_SAMPLE_ROWS} of {len(dropped)} dropped samples; "
                "`xtts-harness audit --format json` lists all."
            ),
            cls="note",
        )
    title = tag("h3", esc(f"Dropped samples ({len(dropped)})"))
    return title + table(columns, rows, wrap="table-wrap scroll") + note


def _percent(share: Any) -> str:
    return "–" if share is None else f"{share * 100:.1f}%"
