"""Audit a dataset: read it, tokenize every text, probe every audio header, judge each row."""

from __future__ import annotations

from pathlib import Path

from harness.audit import readers
from harness.audit.audio import AudioInfo, probe
from harness.audit.checks import audit_findings
from harness.audit.coverage import coverage
from harness.audit.limits import EvalSplit, Limits
from harness.audit.result import AuditResult, SampleResult
from harness.audit.samples import DatasetSource, Sample
from harness.audit.split import split_eval
from harness.audit.tokenizer import TextTokenizer
from harness.audit.verdict import judge
from harness.errors import HarnessError


def stock_languages(library: str | None = None) -> frozenset[str]:
    """Languages VoiceBpeTokenizer.preprocess_text accepts in that coqui-tts version."""
    from harness.plan.defaults import LATEST, load_table

    return frozenset(load_table(library or LATEST).tokenizer_languages)


def audit_source(
    source: DatasetSource,
    *,
    vocab: str | Path,
    language: str,
    limits: Limits | None = None,
    tokenizer_mode: str = "stock",
    eval_split: EvalSplit | None = None,
    supported: frozenset[str] | None = None,
    config: str | None = None,
) -> AuditResult:
    """Every row's verdict as XTTSDataset would reach it, plus the summary findings.

    ``eval_split`` is load_tts_samples' automatic split, used only when the source has
    no eval file; ``None`` there means the run has no eval set.
    """
    limits = limits or Limits()
    tokenizer = TextTokenizer(vocab, tokenizer_mode, supported or stock_languages())
    metadata = readers.read(source)
    samples = [sample for meta in metadata for sample in meta.samples]
    encoded = tokenizer.encode_many([s.text for s in samples], language)
    audio = _probe_all(samples)
    roles, eval_source, split_error = _roles(source, samples, audio, eval_split)
    results = [
        SampleResult(
            sample=sample,
            role=role,
            encoded=enc,
            audio=info,
            verdict=judge(sample, enc, info, limits, source.formatter),
        )
        for sample, role, enc, info in zip(samples, roles, encoded, audio, strict=True)
    ]
    tag = tokenizer.language_tag(language)
    result = AuditResult(
        source=source,
        language=language,
        tokenizer_mode=tokenizer_mode,
        vocab_path=str(vocab),
        language_tag=tag,
        tag_is_added_token=tag in tokenizer.added_tokens,
        tag_tokens=len(tokenizer.encode("", language).ids),
        limits=limits,
        samples=results,
        coverage=coverage(
            (e.cleaned for e in encoded), (e.unk_chars for e in encoded), tokenizer.vocab, language
        ),
        eval_source=eval_source,
        eval_split_error=split_error,
        config=config,
    )
    result.findings = audit_findings(result, tokenizer)
    return result


def _probe_all(samples: list[Sample]) -> list[AudioInfo]:
    cache: dict[str, AudioInfo] = {}
    out = []
    for sample in samples:
        info = cache.get(sample.audio_path)
        if info is None:
            info = cache[sample.audio_path] = probe(sample.audio_path)
        out.append(info)
    return out


def _roles(
    source: DatasetSource,
    samples: list[Sample],
    audio: list[AudioInfo],
    eval_split: EvalSplit | None,
) -> tuple[list[str], str, str | None]:
    """Which set each row ends in: its file's, or load_tts_samples' automatic split."""
    roles = [s.split for s in samples]
    if source.eval_file is not None:
        return roles, "file", None
    if eval_split is None:
        return roles, "none", None
    # The split runs on what the formatter returns: coqui has already skipped missing audio.
    listed = [i for i, info in enumerate(audio) if source.formatter != "coqui" or info.exists]
    try:
        chosen, _ = split_eval(
            listed, [samples[i].speaker for i in listed], eval_split.size, eval_split.max_size
        )
    except HarnessError as error:
        return roles, "automatic", error.one_line()
    for index in chosen:
        roles[index] = "eval"
    return roles, "automatic", None
