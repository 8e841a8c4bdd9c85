"""Audit a dataset: stream its rows, tokenize every text, probe every audio header, judge
each row, and sum the verdicts up (memory bounded whatever the number of rows)."""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path

from harness.audit import readers
from harness.audit.audio import AudioInfo, probe
from harness.audit.checks import audit_findings
from harness.audit.coverage import CoverageCounter
from harness.audit.limits import EvalSplit, Limits
from harness.audit.result import AuditResult, SampleResult
from harness.audit.row_checks import RowChecks
from harness.audit.samples import DatasetSource, Sample
from harness.audit.split import eval_positions
from harness.audit.tokenizer import ENCODE_CHUNK, TextTokenizer
from harness.audit.totals import Records, Totals
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
    on_sample: Callable[[SampleResult], None] | None = None,
) -> AuditResult:
    """Every row's verdict as XTTSDataset would reach it, plus the summary findings.

    The rows stream from the metadata files through the checks into running totals, in
    chunks of ``ENCODE_CHUNK``; only the records ``Records`` keeps stay in memory.
    ``on_sample`` sees every row's record as it passes (``--samples-out`` writes them).
    ``eval_split`` is load_tts_samples' automatic split, used only when the source has
    no eval file; ``None`` there means the run has no eval set.
    """
    limits = limits or Limits()
    tokenizer = TextTokenizer(vocab, tokenizer_mode, supported or stock_languages())
    audio = AudioCache()
    eval_rows, eval_source, split_error = _eval_rows(source, audio, eval_split)
    tag = tokenizer.language_tag(language)
    totals = Totals(tag_tokens=len(tokenizer.encode("", language).ids))
    rows, records, chars = RowChecks(), Records(), CoverageCounter()
    index = 0
    for chunk in _chunks(readers.stream(source), ENCODE_CHUNK):
        encoded = tokenizer.encode_many([s.text for s in chunk], language)
        for sample, enc in zip(chunk, encoded, strict=True):
            role = "eval" if index in eval_rows else sample.split
            index += 1
            info = audio.probe(sample.audio_path)
            verdict = judge(sample, enc, info, limits, source.formatter)
            item = SampleResult(sample=sample, role=role, encoded=enc, audio=info, verdict=verdict)
            totals.add(item, source.formatter)
            chars.add(enc.cleaned, enc.unk_chars)
            records.offer(item, flagged=rows.add(item))
            if on_sample is not None:
                on_sample(item)
    result = AuditResult(
        source=source,
        language=language,
        tokenizer_mode=tokenizer_mode,
        vocab_path=str(vocab),
        language_tag=tag,
        tag_is_added_token=tag in tokenizer.added_tokens,
        tag_tokens=totals.tag_tokens,
        limits=limits,
        samples=records.items,
        coverage=chars.result(tokenizer.vocab, language),
        eval_source=eval_source,
        totals=totals,
        samples_not_listed=records.not_listed,
        eval_split_error=split_error,
        config=config,
    )
    result.findings = audit_findings(result, tokenizer, rows.findings())
    return result


def _chunks(items: Iterator[Sample], size: int) -> Iterator[list[Sample]]:
    while chunk := list(islice(items, size)):
        yield chunk


class AudioCache:
    """Header reads by path: a clip listed many times is read once. Bounded: a dataset of
    distinct files would fill it with entries never asked for again."""

    SIZE = 65_536

    def __init__(self) -> None:
        self._cache: dict[str, AudioInfo] = {}

    def probe(self, path: str) -> AudioInfo:
        info = self._cache.get(path)
        if info is None:
            if len(self._cache) >= self.SIZE:
                self._cache.clear()
            info = self._cache[path] = probe(path)
        return info


def _eval_rows(
    source: DatasetSource, audio: AudioCache, eval_split: EvalSplit | None
) -> tuple[frozenset[int], str, str | None]:
    """Rows (by index in the stream) load_tts_samples' automatic split puts in eval.

    The split shuffles every row the formatter returns, so it needs a first pass over
    the metadata that keeps only each listed row's index and speaker.
    """
    if source.eval_file is not None:
        return frozenset(), "file", None
    if eval_split is None:
        return frozenset(), "none", None
    # The split runs on what the formatter returns: coqui has already skipped missing audio.
    listed, speakers = array("L"), []
    for index, sample in enumerate(readers.stream(source)):
        if source.formatter != "coqui" or audio.probe(sample.audio_path).exists:
            listed.append(index)
            speakers.append(sample.speaker)
    try:
        chosen = eval_positions(speakers, eval_split.size, eval_split.max_size)
    except HarnessError as error:
        return frozenset(), "automatic", error.one_line()
    return frozenset(listed[i] for i in chosen), "automatic", None
