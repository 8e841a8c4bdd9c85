"""Report inputs for the HTML report tests, with hostile strings in every kind of data.

The payloads sit in a candidate config value, the config's name, a finding message, a
dataset text and a trial's failure reason and arm name. If any of them ran, it would set
``window.__xttsPwned`` (and open a dialog); the browser test checks that it never does.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from harness.findings import Finding, Severity
from harness.plan.build import RawConfig, build_plan
from harness.plan.model import Plan
from harness.plan.source import Setting, Source
from harness.report.document import ReportDocument

ROOT = Path(__file__).resolve().parents[1]
AMHARIC = ROOT / "experiments" / "amharic_bpe"

PWNED_FLAG = "__xttsPwned"
SCRIPT_PAYLOAD = f"</script><script>window.{PWNED_FLAG}=1;alert(1)</script>"
IMG_PAYLOAD = f'"><img src=x onerror="window.{PWNED_FLAG}=2;alert(2)">'
PAYLOADS = (SCRIPT_PAYLOAD, IMG_PAYLOAD)

RUN = {"epochs": 100, "batch_size": 4, "grad_accum_steps": 128, "dataset_size": 12000}
AFTER_MILESTONES = [50000, 150000, 300000]


def make_plan(name: str, values: dict[str, Any], path: str | None = None) -> Plan:
    path = path or f"experiments/{name}.toml"
    settings = [
        Setting(key, value, Source(file=path, key=key, line=line))
        for line, (key, value) in enumerate(values.items(), start=3)
    ]
    return build_plan(RawConfig(name=name, path=path, settings=settings))


def plans() -> tuple[Plan, Plan, Plan]:
    """The reference and two candidates in the Amharic story; payloads in the second one."""
    schedule = {"lr_scheduler": "MultiStepLR", "lr_scheduler_params.gamma": 0.5}
    reference = make_plan(
        "gokhaneraslan-head",
        {
            "lr": 5e-6,
            **RUN,
            **schedule,
            "lr_scheduler_params.milestones": AFTER_MILESTONES,
            "model_args.max_text_length": 512,
        },
        path="baselines/gokhaneraslan_head.toml",
    )
    before = make_plan(
        "before",
        {
            "lr": 1e-5,
            **RUN,
            **schedule,
            "lr_scheduler_params.milestones": [1, 2, 3],
            "optimizer_params.weight_decay": 0.05,
            "extras.ema.enabled": True,
        },
    )
    after = make_plan(
        "after",
        {
            "lr": 5e-6,
            **RUN,
            **schedule,
            "lr_scheduler_params.milestones": AFTER_MILESTONES,
            "model_args.max_text_length": 200,
            "run_name": SCRIPT_PAYLOAD,
            "languages": [IMG_PAYLOAD, SCRIPT_PAYLOAD],
        },
    )
    return reference, before, after


def findings() -> list[Finding]:
    return [
        Finding(
            "S101",
            "milestones-never-fire",
            Severity.ERROR,
            "milestones [50000, 150000, 300000] count epochs; the run has 100: LR constant",
            "lr_scheduler_params.milestones",
            "experiments/after.toml",
            12,
            "set scheduler_after_epoch = false and size milestones in optimizer steps",
            "after",
        ),
        Finding(
            "S102",
            "early-decay",
            Severity.WARNING,
            "LR at 1/8 of its start by epoch 3",
            "lr_scheduler_params.milestones",
            "experiments/before.toml",
            9,
            "spread the milestones over the run",
            "before",
        ),
        Finding(
            "B501",
            "save-step-counts-batches",
            Severity.WARNING,
            "save_step counts batches " + IMG_PAYLOAD,
            "save_step",
            "experiments/before.toml",
            4,
            None,
            "before",
        ),
        Finding(
            "X601",
            "ema-without-evidence",
            Severity.INFO,
            "EMA on with no ablation",
            "extras.ema.enabled",
            "experiments/before.toml",
            20,
            None,
            "before",
        ),
    ]


def schedule_dict(
    name: str, milestones: list[int], epochs: int = 100, per_epoch: int = 24, base_lr: float = 5e-6
) -> dict[str, Any]:
    """A MultiStepLR stepped per epoch, in ``Schedule.to_dict()``'s shape."""
    total = epochs * per_epoch
    steps = list(range(0, total, 8))
    lr = [base_lr * 0.5 ** sum(1 for m in milestones if s // per_epoch >= m) for s in steps]
    events = []
    for m in milestones:
        fires = m <= epochs
        events.append(
            {
                "kind": "milestone",
                "label": f"milestone {m}",
                "value": m,
                "unit": "epoch",
                "fires_at_step": m * per_epoch if fires else None,
                "fires_at_epoch": m if fires else None,
                "fires": fires,
                "description": f"fires after epoch {m} of {epochs}"
                if fires
                else f"never fires (the run has {epochs} epochs)",
            }
        )
    return {
        "plan": name,
        "scheduler": "MultiStepLR",
        "unit": "epoch",
        "base_lr": base_lr,
        "epochs": epochs,
        "steps_per_epoch": per_epoch,
        "total_steps": total,
        "x_step": steps,
        "x_epoch": [s / per_epoch for s in steps],
        "lr": lr,
        "events": events,
        "undecided": [],
    }


def audit_dict(n: int = 60) -> dict[str, Any]:
    """A dataset audit in the shape the report reads; one text is a payload."""
    rng = random.Random(1)
    samples = []
    for i in range(n):
        kept = i % 3 != 0
        samples.append(
            {
                "id": f"clip{i:03d}",
                "audio": f"wavs/clip{i:03d}.wav",
                "text": " ".join(PAYLOADS) if i == 3 else "ሰላም ለዓለም",
                "kept": kept,
                "reason": None if kept else "unk-characters",
                "detail": None if kept else "ሰ ላ become [UNK]",
            }
        )
    return {
        "dataset": "experiments/amharic_bpe/data",
        "config": "after",
        "vocab": "vocab_am.json",
        "language": "am",
        "samples_total": n,
        "samples_kept": 40,
        "hours_total": 0.11,
        "hours_kept": 0.07,
        "eval_samples_left": 0,
        "drops": [
            {
                "reason": "unk-characters",
                "count": 20,
                "share": 20 / n,
                "hours": 0.04,
                "hours_share": 0.36,
            }
        ],
        "vocab_coverage": {"covered": 30, "total": 41, "share": 30 / 41, "missing": ["ሀ", "<b>"]},
        "tokens_per_char": 1.37,
        "limits": {"max_text_length": 200, "max_wav_seconds": 11.6, "min_wav_seconds": 0.5},
        "distributions": {
            "text_tokens": {"values": [rng.randint(10, 260) for _ in range(n)]},
            "durations": {"values": [rng.uniform(0.3, 13) for _ in range(n)]},
        },
        "samples": samples,
    }


def fabricated_study(
    seeds: int = 3, steps: int = 20, name: str = "demo", storage: str | None = None
) -> Any:
    """An in-memory Optuna study recorded the way ``xtts-harness ablate`` records one: a 2x2
    factorial (EMA x warmup) over ``seeds``, eval curves, one failed trial. A level name
    and the failure reason are payloads."""
    import optuna
    from optuna.distributions import CategoricalDistribution
    from optuna.trial import TrialState

    factors = {"ema": ["off", "on"], "warmup": ["off", IMG_PAYLOAD]}
    rng = random.Random(2)
    study = optuna.create_study(study_name=name, direction="minimize", storage=storage)
    study.set_user_attr("objective", "eval loss_mel_ce")
    study.set_user_attr("factors", [{"name": k, "levels": v} for k, v in factors.items()])
    distributions = {k: CategoricalDistribution(v) for k, v in factors.items()}
    distributions["seed"] = CategoricalDistribution(list(range(seeds)))
    number = 0
    for seed in range(seeds):
        for ema in factors["ema"]:
            for warmup in factors["warmup"]:
                drift = 0.05 * (ema == "on") - 0.02 * (warmup != "off")
                curve = {
                    s: 5 - 0.1 * s + drift + rng.gauss(0, 0.05) for s in range(0, steps + 1, 5)
                }
                failed = number == 5
                study.add_trial(
                    optuna.trial.create_trial(
                        params={"ema": ema, "warmup": warmup, "seed": seed},
                        distributions=distributions,
                        value=None if failed else curve[steps],
                        intermediate_values=curve,
                        state=TrialState.FAIL if failed else TrialState.COMPLETE,
                        user_attrs={
                            "kind": "factorial",
                            "arm": f"ema={ema},warmup={warmup}",
                            "seed": seed,
                            **(
                                {"failure": f"{SCRIPT_PAYLOAD} NaN loss at step 7"}
                                if failed
                                else {}
                            ),
                        },
                    )
                )
                number += 1
    return study


def study_dict(seeds: int = 3) -> dict[str, Any]:
    """What the report reads: ``study_summary`` of the fabricated study."""
    from harness.ablate.summary import study_summary

    return study_summary(fabricated_study(seeds))


def demo_document(*, audit: bool = True, study: bool = True) -> ReportDocument:
    from harness.diff import diff_plans

    reference, before, after = plans()
    extra: dict[str, Any] = {}
    if audit:
        extra["dataset_audit"] = audit_dict()
    if study:
        extra["ablation"] = study_dict()
    return ReportDocument(
        command="report",
        baseline=reference,
        plans=[before, after],
        findings=findings(),
        diff=diff_plans(reference, [before, after]),
        schedules=[
            schedule_dict(reference.name, AFTER_MILESTONES),
            schedule_dict("before", [1, 2, 3]),
            schedule_dict("after", AFTER_MILESTONES),
        ],
        extra=extra,
    )


# ---- the real pipeline, on inputs that carry the payloads -----------------------------------


def payload_candidate(folder: Path) -> Path:
    """The Amharic "after" candidate, named by a payload, with payloads in two values."""
    text = (AMHARIC / "after.toml").read_text(encoding="utf-8")
    text = text.replace('name = "amharic-bpe-after"', f"name = '{IMG_PAYLOAD} after'")
    head = (
        f"run_name = '{SCRIPT_PAYLOAD}'\ntest_sentences = ['{SCRIPT_PAYLOAD}', '{IMG_PAYLOAD}']\n"
    )
    path = folder / "after-payload.toml"
    path.write_text(head + text, encoding="utf-8")
    return path


def payload_dataset(folder: Path, clips: int = 8) -> Path:
    """A few demo clips, and one too-short clip whose text is a payload (so it is listed)."""
    import shutil

    import numpy as np
    import soundfile

    root = folder / "data"
    (root / "wavs").mkdir(parents=True)
    rows = ["audio_file|text|speaker_name"]
    source = sorted((AMHARIC / "data" / "wavs").glob("*.wav"))[:clips]
    for wav in source:
        shutil.copy(wav, root / "wavs" / wav.name)
    demo = (AMHARIC / "data" / "metadata_train.csv").read_text(encoding="utf-8").splitlines()
    names = {wav.name for wav in source}
    rows += [r for r in demo[1:] if r.split("|")[0].removeprefix("wavs/") in names]
    soundfile.write(root / "wavs" / "short.wav", np.zeros(2205, dtype="float32"), 22050)
    rows.append(f"wavs/short.wav|{SCRIPT_PAYLOAD} {IMG_PAYLOAD}|espeak_am")
    train, evals = rows[:-3], [rows[0], *rows[-3:]]
    (root / "metadata_train.csv").write_text("\n".join(train) + "\n", encoding="utf-8")
    (root / "metadata_eval.csv").write_text("\n".join(evals) + "\n", encoding="utf-8")
    return root


def write_payload_report(folder: Path) -> tuple[int, Path, Path]:
    """Run ``xtts-harness report`` on the payload inputs: (exit code, HTML path, Markdown path).

    The reference, a real candidate and the payload candidate; the payload dataset audited
    with the extended vocab; the payload study in a SQLite storage.
    """
    import optuna

    from harness.cli import main

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = f"sqlite:///{folder / 'study.db'}"
    fabricated_study(storage=storage, name="payload-study")
    html, markdown = folder / "report" / "index.html", folder / "report" / "summary.md"
    code = main([
        "report", "--baseline", "gokhaneraslan-head",
        str(AMHARIC / "before.toml"), str(payload_candidate(folder)),
        "--dataset", str(payload_dataset(folder)), "--vocab", str(AMHARIC / "vocab_am.json"),
        "--language", "am", "--tokenizer", "passthrough",
        "--storage", storage, "-o", str(html), "--markdown", str(markdown),
    ])  # fmt: skip
    return code, html, markdown
