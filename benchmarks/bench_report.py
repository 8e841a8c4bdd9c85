"""`xtts-harness report` on 4 candidate configs (plus the reference), the demo dataset and a
100-trial study: build time (whole process, cold) and file size.

Targets (issue 5): at most 3 s and at most 8 MB.

The study is a real Optuna SQLite storage recorded the way `xtts-harness ablate` records one
(user attributes "kind", "arm", "seed", "failure"; the spec's factors and search parameters
on the study): a 2x2 EMA x warmup factorial over 20 seeds (80 trials) and 20 search trials
over lr and weight decay, each with 20 intermediate evals; 4 failed, 3 pruned. The report
reads it through `harness.ablate.summary.study_summary`, statistics and importances included.

Named alternative, measured in the same run on the same figures: plotly's own
`plotly.io.to_html(fig, include_plotlyjs=True)` per figure, the usual way to get
self-contained plots, which embeds plotly.js once per figure.
"""

from __future__ import annotations

import itertools
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AMHARIC = ROOT / "experiments" / "amharic_bpe"
TARGET_S, TARGET_MB = 3.0, 8.0
ROUNDS = 5
SEEDS, SEARCH_TRIALS, EVALS = 20, 20, 20


def write_candidates(folder: Path) -> list[Path]:
    """before, after, and two variants of after (a higher LR; steps-based milestones)."""
    after = (AMHARIC / "after.toml").read_text(encoding="utf-8")
    variants = {
        "after-lr1e-5.toml": after.replace("lr = 5e-06", "lr = 1e-05").replace(
            'name = "amharic-bpe-after"', 'name = "after-lr1e-5"'
        ),
        "after-steps.toml": after.replace(
            'lr_scheduler = "MultiStepLR"',
            'lr_scheduler = "MultiStepLR"\nscheduler_after_epoch = false',
        )
        .replace("milestones = [50000, 150000, 300000]", "milestones = [1200, 1800, 2160]")
        .replace('name = "amharic-bpe-after"', 'name = "after-steps"'),
    }
    paths = [AMHARIC / "before.toml", AMHARIC / "after.toml"]
    for name, text in variants.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def write_study(url: str) -> None:
    import optuna
    from optuna.distributions import CategoricalDistribution, FloatDistribution

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    rng = random.Random(0)
    study = optuna.create_study(study_name="bench", storage=url, direction="minimize")
    factors = {"ema": ["off", "on"], "warmup": ["off", "on"]}
    study.set_user_attr("objective", "eval loss_mel_ce")
    study.set_user_attr("factors", [{"name": k, "levels": v} for k, v in factors.items()])
    study.set_user_attr("search_params", ["lr", "weight_decay"])
    factorial = {k: CategoricalDistribution(v) for k, v in factors.items()}
    factorial["seed"] = CategoricalDistribution(list(range(SEEDS)))
    search = {
        "lr": FloatDistribution(1e-6, 1e-4, log=True),
        "weight_decay": FloatDistribution(1e-3, 1e-1, log=True),
    }
    trials = []
    for seed in range(SEEDS):
        for ema in factors["ema"]:
            for warmup in factors["warmup"]:
                params = {"ema": ema, "warmup": warmup, "seed": seed}
                attrs = {"kind": "factorial", "arm": f"ema={ema},warmup={warmup}", "seed": seed}
                shift = 0.03 * (ema == "on") - 0.01 * (warmup == "on")
                trials.append(_trial(rng, params, factorial, attrs, shift, len(trials)))
    for _ in range(SEARCH_TRIALS):
        params = {"lr": 10 ** rng.uniform(-6, -4), "weight_decay": 10 ** rng.uniform(-3, -1)}
        shift = abs(params["lr"] - 1e-5) * 1e3
        trials.append(
            _trial(rng, params, search, {"kind": "search", "seed": 0}, shift, len(trials))
        )
    assert len(trials) == 100  # the figure the issue names
    study.add_trials(trials)
    # As `xtts-harness ablate` does when a study finishes.
    from harness.ablate.summary import store_importances

    store_importances(study, ["lr", "weight_decay"])


def _trial(rng, params, distributions, attrs, shift, number):
    from optuna.trial import TrialState, create_trial

    curve = {s * 50: 5.0 - 0.08 * s + shift + rng.gauss(0, 0.04) for s in range(EVALS)}
    if number % 25 == 7:  # 4 failures
        state, value = TrialState.FAIL, None
        attrs = {**attrs, "failure": "loss is NaN at step 412 (lr too high?)"}
    elif number % 33 == 20:  # 3 pruned
        state, value = TrialState.PRUNED, None
        attrs = {**attrs, "pruned": "pruned at step 500"}
    else:
        state, value = TrialState.COMPLETE, curve[(EVALS - 1) * 50]
    return create_trial(
        params=params,
        distributions=distributions,
        value=value,
        intermediate_values=curve,
        state=state,
        user_attrs=attrs,
    )


def report_command(candidates: list[Path], url: str, out: Path) -> list[str]:
    return [
        sys.executable, "-m", "harness", "report", "--baseline", "gokhaneraslan-head",
        *map(str, candidates), "--set", "dataset_size=12000",
        "--dataset", str(AMHARIC / "data"), "--vocab", str(AMHARIC / "vocab_am.json"),
        "--language", "am", "--tokenizer", "passthrough",
        "--storage", url, "-o", str(out),
    ]  # fmt: skip


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"report failed ({done.returncode}): {done.stderr[-800:]}")
    return elapsed


def stages(candidates: list[str], url: str, out: str) -> None:
    """Run in a fresh process: where the time of one report goes (imports included)."""
    from harness.app.reports import (
        DatasetOptions,
        StudyOptions,
        audit_section,
        build_report,
        study_section,
    )
    from harness.report.documents import report_document

    marks = [("start", time.perf_counter())]
    result = build_report(
        candidates, baseline="gokhaneraslan-head", overrides=["dataset_size=12000"]
    )
    doc = report_document(result)
    marks.append(("load, lint, diff, schedules", time.perf_counter()))
    options = DatasetOptions(
        str(AMHARIC / "data"),
        vocab=str(AMHARIC / "vocab_am.json"),
        language="am",
        tokenizer="passthrough",
    )
    _findings, doc.extra["dataset_audit"] = audit_section(doc.plans[-1], options)
    marks.append(("dataset audit", time.perf_counter()))
    doc.extra["ablation"] = study_section(StudyOptions(url))
    marks.append(("study summary (statistics, importances)", time.perf_counter()))
    from harness.report.html import write_html

    write_html(doc, out)
    marks.append(("HTML render and write (plotly.js included)", time.perf_counter()))
    for (_, before), (name, after) in itertools.pairwise(marks):
        print(f"  {name:<44} {after - before:6.2f} s")


def plotly_per_figure(html: Path, folder: Path) -> tuple[float, int, int]:
    """The alternative: one plotly.io.to_html page per figure of the report (same figures)."""
    import json
    import re

    import plotly.graph_objects as go
    import plotly.io as pio

    text = html.read_text(encoding="utf-8")
    data = re.search(r'id="report-figures">(.*?)</script>', text, re.S).group(1)
    figures = json.loads(data)
    start = time.perf_counter()
    size = 0
    for index, figure in enumerate(figures.values()):
        page = pio.to_html(go.Figure(figure), include_plotlyjs=True, full_html=True)
        path = folder / f"figure-{index}.html"
        path.write_text(page, encoding="utf-8")
        size += path.stat().st_size
    return time.perf_counter() - start, size, len(figures)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        candidates = write_candidates(folder)
        url = f"sqlite:///{folder / 'study.db'}"
        write_study(url)
        out = folder / "report" / "index.html"
        command = report_command(candidates, url, out)
        times = [wall(command) for _ in range(ROUNDS)]
        print("one run in stages (fresh process, imports counted where first needed):")
        stage_run = [sys.executable, __file__, "--stages", url, str(folder / "s.html")]
        subprocess.run([*stage_run, *map(str, candidates)], cwd=ROOT, check=True)
        median = statistics.median(times)
        size_mb = out.stat().st_size / 1e6
        alt_time, alt_size, count = plotly_per_figure(out, folder)
    print(
        f"report: reference + {len(candidates)} candidates, demo dataset (60 clips), "
        f"100-trial study, {count} figures"
    )
    print(
        f"whole process, cold: median {median:.2f} s over {ROUNDS} runs "
        f"(min {min(times):.2f}, max {max(times):.2f})"
    )
    print(f"file: {size_mb:.2f} MB, one file, plotly.js embedded once")
    print(
        f"time: {median / TARGET_S:.2f} of the {TARGET_S:.0f} s target; "
        f"size: {size_mb / TARGET_MB:.2f} of the {TARGET_MB:.0f} MB target"
    )
    print(
        f"alternative, plotly.io.to_html per figure (figures only, in process): "
        f"{alt_time:.2f} s, {alt_size / 1e6:.1f} MB in {count} files: "
        f"{alt_size / 1e6 / size_mb:.1f}x the size of the whole report"
    )
    ok = median <= TARGET_S and size_mb <= TARGET_MB
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["--stages"]:
        stages(sys.argv[4:], sys.argv[2], sys.argv[3])
        sys.exit(0)
    sys.exit(main())
