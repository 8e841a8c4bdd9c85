"""Dataset use cases: the audit of a dataset under a config, and the vocab-extension check."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from harness.app.configs import severity
from harness.errors import HarnessError
from harness.findings import Finding, Severity, exit_code, sort_findings
from harness.output_guard import refuse_output_over_inputs

if TYPE_CHECKING:
    from harness.audit.result import AuditResult, SampleResult
    from harness.audit.vocab_check import VocabCheck
    from harness.plan import Plan

XTTS_V2_TEXT_TOKENS = 6681  # rows of gpt.text_embedding in the XTTS v2 release


@dataclass(frozen=True)
class DatasetAudit:
    """What the trainer will keep and drop of a dataset, under ``plan``'s limits."""

    plan: Plan
    result: AuditResult
    findings: tuple[Finding, ...]  # sorted, most severe first
    fail_on: Severity = Severity.ERROR

    @property
    def exit_code(self) -> int:
        return exit_code(list(self.findings), self.fail_on)


@dataclass(frozen=True)
class VocabCheckResult:
    """An extended vocab.json against its base and the checkpoint's embedding rows."""

    check: VocabCheck
    findings: tuple[Finding, ...]  # sorted, most severe first
    fail_on: Severity = Severity.ERROR

    @property
    def exit_code(self) -> int:
        return exit_code(list(self.findings), self.fail_on)


def audit_dataset(
    config: str,
    dataset: str | None = None,
    *,
    eval_dataset: str | None = None,
    vocab: str | None = None,
    language: str | None = None,
    formatter: str | None = None,
    overrides: Sequence[str] = (),
    samples_out: str | None = None,
    fail_on: Severity | str = Severity.ERROR,
    output: str | None = None,
) -> DatasetAudit:
    """Judge every sample of ``dataset`` as XTTSDataset will, under ``config``'s limits
    (a config file or a baseline name; the plan fact ``tokenizer`` picks the cleaning).
    ``samples_out``: a JSON Lines file every row's record is streamed to."""
    from harness.audit.plan_audit import audit_dataset as audit_under_plan
    from harness.plan.load import load_plan

    inputs = [config, dataset, eval_dataset, vocab]
    refuse_output_over_inputs(output, inputs)
    refuse_output_over_inputs(samples_out, inputs, option="--samples-out")
    plan = load_plan(config, overrides=overrides)
    with SamplesOut(samples_out, plan, dataset, eval_dataset, formatter) as rows:
        result = audit_under_plan(
            plan,
            dataset,
            eval_dataset=eval_dataset,
            vocab=vocab,
            language=language,
            formatter=formatter,
            on_sample=rows.write if samples_out else None,
        )
    findings = tuple(sort_findings(result.findings))
    return DatasetAudit(plan, result, findings, severity(fail_on))


def vocab_check(
    base: str,
    extended: str,
    *,
    dataset: str | None = None,
    eval_dataset: str | None = None,
    language: str = "am",
    tokenizer: str = "passthrough",
    checkpoint_text_tokens: int = XTTS_V2_TEXT_TOKENS,
    fail_on: Severity | str = Severity.ERROR,
    output: str | None = None,
) -> VocabCheckResult:
    """Is ``extended`` a safe extension of ``base`` to fine-tune the checkpoint with?
    ``dataset``: whose texts to encode (which added tokens occur)."""
    from harness.audit.dataset import stock_languages
    from harness.audit.vocab_check import check_vocab

    refuse_output_over_inputs(output, [base, extended, dataset, eval_dataset])
    check = check_vocab(
        base,
        extended,
        language=language,
        checkpoint_text_tokens=checkpoint_text_tokens,
        texts=_texts(dataset, eval_dataset) if dataset else None,
        tokenizer_mode=tokenizer,
        supported=stock_languages(),
    )
    return VocabCheckResult(check, tuple(sort_findings(check.findings)), severity(fail_on))


def _texts(dataset: str, eval_dataset: str | None) -> list[str]:
    from harness.audit import readers

    source = readers.locate(dataset, eval_dataset)
    return [sample.text for meta in readers.read(source) for sample in meta.samples]


class SamplesOut:
    """``--samples-out``: one JSON object a line, written as the audit streams, so that
    memory does not grow with the rows. Never over an input: the metadata files are
    located (first line only) and checked before the file is opened."""

    def __init__(
        self,
        path: str | None,
        plan: Any,
        dataset: str | None,
        eval_dataset: str | None,
        formatter: str | None,
    ) -> None:
        self._path = path
        self._handle: TextIO | None = None
        if path:
            from harness.audit.plan_audit import dataset_source

            source = dataset_source(plan, dataset, eval_dataset, formatter)
            files = [file for _, file in source.files]
            refuse_output_over_inputs(path, files, option="--samples-out")

    def __enter__(self) -> SamplesOut:
        if self._path:
            try:
                self._handle = open(self._path, "w", encoding="utf-8", errors="backslashreplace")
            except OSError as error:
                raise HarnessError(
                    f"cannot write {self._path}: {error.strerror}",
                    fix="choose a writable --samples-out path",
                ) from None
        return self

    def write(self, item: SampleResult) -> None:
        assert self._handle is not None
        self._handle.write(json.dumps(item.to_dict(), ensure_ascii=False) + "\n")

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            self._handle.close()
