"""Audit a dataset against a config: limits, language, vocab and dataset from the Plan.

What is given explicitly wins; otherwise the config's value; otherwise a HarnessError that
says which option to pass.

- limits: ``model_args.max_text_length``, ``model_args.max_wav_length``, ``audio.sample_rate``
- tokenizer: ``tokenizer=``, the plan fact ``tokenizer``, else stock
- language: ``--language``, the plan fact ``language``, ``datasets[0].language``
- vocab: ``--vocab``, ``model_args.tokenizer_file``, else the XTTS v2 release vocab
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
from harness.audit.samples import FORMATTERS, DatasetSource
from harness.errors import HarnessError
from harness.plan import Plan
from harness.release import release_vocab


def audit_dataset(
    plan: Plan | None,
    dataset: str | Path | None = None,
    *,
    eval_dataset: str | Path | None = None,
    vocab: str | Path | None = None,
    language: str | None = None,
    tokenizer: str | None = None,
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
        tokenizer_mode=tokenizer or _plan_tokenizer(plan),
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
    entry = dataset_from_plan(plan) if plan is not None else {}
    formatter = formatter or _config_formatter(entry, plan)
    if dataset is not None:
        return locate(dataset, eval_dataset, formatter)
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


def _plan_tokenizer(plan: Plan | None) -> str:
    """The plan's ``tokenizer`` fact (a patched or vendored tokenizer: passthrough)."""
    value = plan.data.tokenizer.value if plan is not None else None
    return value if value in ("stock", "passthrough") else "stock"


def _config_formatter(entry: dict[str, str | None], plan: Plan | None) -> str | None:
    """The config's ``datasets[0].formatter``: the trainer reads the metadata with it."""
    chosen = entry.get("formatter")
    if chosen is None or chosen in FORMATTERS:
        return chosen
    source = plan.data.formatter.source if plan is not None else None
    raise HarnessError(
        f"datasets[0].formatter is {chosen!r}, which the audit cannot read",
        where=str(source) if source is not None else None,
        fix=f"pass --formatter with one of {', '.join(FORMATTERS)} to read the metadata so",
    )


def _vocab(plan: Plan | None, vocab: str | Path | None) -> Path:
    if vocab is not None:
        return Path(vocab)
    configured = plan.model.tokenizer_file.value if plan is not None else None
    if not (isinstance(configured, str) and configured):
        return release_vocab()  # what the stock checkpoint's tokenizer reads
    if Path(configured).is_file():
        return Path(configured)
    raise HarnessError(
        f"model_args.tokenizer_file {configured!r} not found",
        fix="pass --vocab path/to/vocab.json (your extended one, or leave both out for the "
        "XTTS v2 release vocab)",
    )


def _language(plan: Plan | None, language: str | None) -> str:
    found = language or (language_from_plan(plan) if plan is not None else None)
    if not found:
        raise HarnessError(
            "no training language", fix="pass --language (e.g. am) or set it in the config"
        )
    return found
