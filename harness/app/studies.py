"""Study use cases: run a seeded ablation, estimate it (dry run), build the miniature
release trials start from, and read a study's arms, effects and verdicts.

Only these use cases reach torch, TTS, trainer and optuna (through ``harness.ablate``),
each inside the call.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import HarnessError
from harness.output_guard import refuse_output_over_inputs


@dataclass(frozen=True)
class StudyResult:
    """A study's summary (``harness.ablate.summary.study_summary``, with its storage
    redacted): trials, arms, paired effects, verdicts, importances."""

    summary: dict[str, Any]

    @property
    def unresolved_failures(self) -> list[dict[str, Any]]:
        """Failed trials that no retry (a trial with the same ``retry_of`` origin) completed."""
        trials = self.summary["trials"]
        done = {_origin(t) for t in trials if t["state"] in ("COMPLETE", "PRUNED")}
        return [t for t in trials if t["state"] == "FAIL" and _origin(t) not in done]

    @property
    def exit_code(self) -> int:
        """1 when a trial failed and no retry completed it; else 0."""
        return 1 if self.unresolved_failures else 0


@dataclass(frozen=True)
class DryRun:
    """A 5-step warm-up's figures: trials, s/step, wall time per device, memory."""

    figures: dict[str, Any]


@dataclass(frozen=True)
class BaseBuild:
    """The miniature release: its folder, whether a cached build was reused, its manifest."""

    folder: Path
    reused: bool
    manifest: dict[str, Any]


def run_ablation(
    spec: str,
    *,
    storage: str | None = None,
    workers: int = 1,
    resume: bool = False,
    steps: int | None = None,
    seeds: int | None = None,
    devices: str | None = None,
    verbose: bool = False,
    output: str | None = None,
) -> StudyResult:
    """Run the spec's study on the real Coqui GPT trainer under Optuna (``storage``: an RDB
    URL or a SQLite file; default the spec's, else ./.xtts-harness/studies.db)."""
    from harness.ablate.study import run_study

    loaded, url, chosen = _prepare(spec, storage, workers, steps, seeds, devices, verbose, output)
    study = run_study(loaded, url, workers=workers, resume=resume, devices=chosen)
    return StudyResult(_summary(study, url))


def dry_run(
    spec: str,
    *,
    storage: str | None = None,
    workers: int = 1,
    steps: int | None = None,
    seeds: int | None = None,
    devices: str | None = None,
    verbose: bool = False,
    output: str | None = None,
) -> DryRun:
    """A 5-step warm-up of the spec's first trial, and the study's estimated cost."""
    from harness.ablate import dryrun

    loaded, _, chosen = _prepare(spec, storage, workers, steps, seeds, devices, verbose, output)
    return DryRun(dryrun.dry_run(loaded, max(len(chosen), workers if not chosen else 1)))


def build_base(out: str | Path, *, force: bool = False, verbose: bool = False) -> BaseBuild:
    """Build (or reuse) the miniature release fine-tune trials start from."""
    from harness.ablate.miniature.release import build_release

    _quiet(verbose)
    result = build_release(Path(out), force=force)
    return BaseBuild(Path(result.folder), bool(result.reused), result.manifest)


def study_results(
    study: str | None = None, *, storage: str | None = None, output: str | None = None
) -> StudyResult:
    """A study's arms, paired effects and verdicts. ``study``: its name, or the spec (.toml)
    that ran it; None when the storage holds one study."""
    from harness.ablate.spec import default_storage
    from harness.ablate.storage import normalize_url, sqlite_path
    from harness.ablate.summary import load_study

    refuse_output_over_inputs(output, [study if _is_spec(study) else None])
    name, spec_storage = _study_and_storage(study)
    url = normalize_url(storage) if storage else spec_storage or default_storage()
    refuse_output_over_inputs(output, [sqlite_path(url)])
    return StudyResult(_summary(load_study(url, name), url))


def read_study(storage: str, name: str | None = None) -> dict[str, Any]:
    """The summary of the study ``name`` in ``storage`` (the report's ablation section)."""
    from harness.ablate.storage import normalize_url
    from harness.ablate.summary import load_study

    url = normalize_url(storage)
    return _summary(load_study(url, name), url)


def _prepare(
    spec: str,
    storage: str | None,
    workers: int,
    steps: int | None,
    seeds: int | None,
    devices: str | None,
    verbose: bool,
    output: str | None,
) -> tuple[Any, str, tuple[str, ...]]:
    """The checked spec, its storage URL and the GPUs to use, before anything runs."""
    from harness.ablate.spec import default_storage, load_spec
    from harness.ablate.storage import normalize_url, sqlite_path

    _quiet(verbose)
    if workers < 1:
        raise HarnessError("--workers must be at least 1", fix="e.g. --workers 2")
    chosen = _devices(devices)
    refuse_output_over_inputs(output, [spec])
    loaded = load_spec(Path(spec), steps=steps, seeds=seeds)
    url = normalize_url(storage) if storage else loaded.storage or default_storage()
    # the study database is an input too: the trials already in it would be lost
    refuse_output_over_inputs(
        output,
        [loaded.base, loaded.data.vocab, loaded.scale.checkpoint_dir, sqlite_path(url)],
    )
    _check_plan(loaded)
    return loaded, url, chosen


def _quiet(verbose: bool) -> None:
    from harness.ablate.quiet import quiet_libraries, set_verbose

    set_verbose(verbose)
    quiet_libraries()


def _summary(study: Any, url: str) -> dict[str, Any]:
    from harness.ablate.storage import redact
    from harness.ablate.summary import study_summary

    summary = study_summary(study)
    summary["storage"] = redact(url)
    return summary


def _origin(trial: dict[str, Any]) -> Any:
    return trial["retry_of"] if trial["retry_of"] is not None else trial["number"]


def _is_spec(study: str | None) -> bool:
    return study is not None and study.endswith(".toml")


def _study_and_storage(study: str | None) -> tuple[str | None, str | None]:
    if study is None or not _is_spec(study):
        return study, None
    from harness.ablate.spec import load_spec

    spec = load_spec(Path(study))
    return spec.name, spec.storage


def _devices(text: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    ids = tuple(part.strip() for part in text.split(",") if part.strip())
    if not ids or not all(i.isdigit() for i in ids) or len(set(ids)) != len(ids):
        raise HarnessError(
            f"--devices {text!r} is not a list of distinct GPU indices", fix="e.g. --devices 0,1"
        )
    import torch

    count = torch.cuda.device_count()
    if max(int(i) for i in ids) >= count:
        raise HarnessError(
            f"--devices {text} names a GPU this machine lacks (torch sees {count})",
            fix="list GPUs from 0 to the count minus one, or leave --devices out (CPU)",
        )
    return ids


def _check_plan(spec: Any) -> None:
    """Refuse a base config whose training values the loader could not resolve."""
    from harness.ablate.build import plan_values

    try:
        plan_values(spec.plan)
    except ValueError as error:
        raise HarnessError(
            str(error),
            where=str(spec.base),
            fix="set these keys under [overrides] in the spec",
        ) from None
