"""Audit a dataset against a config: limits, language, vocab and dataset from the Plan.

What is given explicitly wins; otherwise the config's value; otherwise a HarnessError that
says which option to pass.

- limits: ``model_args.max_text_length``, ``model_args.max_wav_length``, ``audio.sample_rate``
- language: ``--language``, the plan fact ``language``, ``datasets[0].language``
- vocab: ``--vocab``, ``model_args.tokenizer_file``
- dataset: ``--dataset``, ``datasets[0].path`` (+ ``meta_file_train`` / ``meta_file_val``)
- eval split (no eval file): ``eval_split_size``, ``eval_split_max_size``
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from harness.audit.dataset import audit_source, stock_languages
from harness.audit.limits import (
    EvalSplit,
    Limits,
    dataset_from_plan,
    eval_split_from_plan,
    language_from_plan,
    limits_from_plan,
)
from harness.audit.readers import locate
from harness.audit.result import AuditResult, SampleResult
from harness.audit.samples import DatasetSource
from harness.errors import HarnessError
from harness.plan import Plan


def audit_dataset(
    plan: Plan | None,
    dataset: str | Path | None = None,
    *,
    eval_dataset: str | Path | None = None,
    vocab: str | Path | None = None,
    language: str | None = None,
    tokenizer: str = "stock",
    formatter: str | None = None,
    on_sample: Callable[[SampleResult], None] | None = None,
) -> AuditResult:
    """The audit of ``dataset`` under ``plan``'s limits (library defaults without a plan)."""
    source = dataset_source(plan, dataset, eval_dataset, formatter)
    return audit_source(
        source,
        vocab=_vocab(plan, vocab),
        language=_language(plan, language),
        limits=limits_from_plan(plan) if plan is not None else Limits(),
        tokenizer_mode=tokenizer,
        eval_split=eval_split_from_plan(plan) if plan is not None else EvalSplit(),
        supported=stock_languages(plan.library if plan is not None else None),
        config=plan.name if plan is not None else None,
        on_sample=on_sample,
    )


def dataset_source(
    plan: Plan | None,
    dataset: str | Path | None,
    eval_dataset: str | Path | None,
    formatter: str | None,
) -> DatasetSource:
    if dataset is not None:
        return locate(dataset, eval_dataset, formatter)
    entry = dataset_from_plan(plan) if plan is not None else {}
    if not entry.get("path"):
        raise HarnessError(
            "no dataset to audit", fix="pass --dataset PATH (a folder or a metadata file)"
        )
    root = Path(entry["path"] or "")
    # Like os.path.join in load_tts_samples: an absolute meta file ignores the root.
    train = root / (entry.get("meta_file_train") or "metadata_train.csv")
    val = entry.get("meta_file_val")
    source = locate(
        train, eval_dataset or (root / val if val else None), formatter or entry.get("formatter")
    )
    # The formatters join audio paths with datasets[0].path, not the metadata file's folder.
    return DatasetSource(root, source.formatter, source.train_file, source.eval_file)


def _vocab(plan: Plan | None, vocab: str | Path | None) -> Path:
    if vocab is not None:
        return Path(vocab)
    configured = plan.known("model_args.tokenizer_file") if plan is not None else None
    if isinstance(configured, str) and configured and Path(configured).is_file():
        return Path(configured)
    raise HarnessError(
        "no vocab.json to tokenize with"
        + (f" (model_args.tokenizer_file {configured!r} not found)" if configured else ""),
        fix="pass --vocab path/to/vocab.json (the XTTS v2 release's, or your extended one)",
    )


def _language(plan: Plan | None, language: str | None) -> str:
    found = language or (language_from_plan(plan) if plan is not None else None)
    if not found:
        raise HarnessError(
            "no training language", fix="pass --language (e.g. am) or set it in the config"
        )
    return found
