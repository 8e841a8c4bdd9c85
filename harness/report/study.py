"""An ablation study for a person or a machine: ``results`` and ``ablate`` output.

``render_study`` reads the summary ``harness.ablate.summary.study_summary`` wrote (arms,
paired effects, verdicts, importances, trials) as text, JSON or Markdown; the dry run's and
the miniature build's figures get a few lines each. Nothing is computed here.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harness.app.studies import BaseBuild


def render_study(summary: dict[str, Any], fmt: str) -> str:
    """The study summary as text, json or md."""
    if fmt == "json":
        return json.dumps(summary, indent=2, ensure_ascii=False, allow_nan=False)
    if fmt == "md":
        return _markdown(summary)
    from harness.report.terminal import wrap_lines

    return wrap_lines(_text(summary).splitlines())


def _counts(summary: dict[str, Any]) -> str:
    return ", ".join(f"{n} {state}" for state, n in sorted(summary["counts"].items())) or "none"


def _objectives(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Each objective's arms, effects and verdicts (older studies: the one objective)."""
    return summary.get("objectives") or [
        {
            "name": summary["objective"],
            "arms": summary["arms"],
            "effects": summary["effects"],
            "verdicts": summary["verdicts"],
        }
    ]


def _text(summary: dict[str, Any]) -> str:
    lines = [f"study {summary['study']} (lower is better); trials: {_counts(summary)}"]
    if summary.get("regime_label"):
        lines.append(f"from: {summary['regime_label']}")
    for objective in _objectives(summary):
        if not objective["arms"]:
            continue
        lines.append(f"{objective['name']}:")
        lines.append("  arms (mean over seeds, 95% interval):")
        for arm in objective["arms"]:
            lines.append(f"    {arm['arm']:<30} {_mean(arm)}")
        if objective["effects"]:
            lines.append("  verdicts (paired by seed):")
            lines += [f"    {text}" for text in objective["verdicts"]]
    if summary["importances"]:
        ranked = ", ".join(f"{k} {v:.2f}" for k, v in summary["importances"].items())
        lines.append(f"parameter importances (search trials): {ranked}")
    best = summary.get("best")
    if best and not summary["arms"]:
        lines.append(f"best: trial {best['number']} {best['value']:.4f} {best['params']}")
    failed = [t for t in summary["trials"] if t["state"] == "FAIL"]
    if failed:
        lines.append("failed trials:")
        lines += [f"  {_failed(t)}" for t in failed]
    from harness.report.safe_text import safe_text

    return "\n".join(safe_text(line) for line in lines)  # failure reasons: untrusted text


def _failed(trial: dict[str, Any]) -> str:
    retried = f" (rerun as trial {trial['retried_by']})" if trial["retried_by"] is not None else ""
    return f"trial {trial['number']} {trial['arm'] or ''}: {trial['failure']}{retried}"


def _mean(arm: dict[str, Any]) -> str:
    if arm["mean"] is None:
        return "no completed trial"
    interval = ""
    if arm["ci_low"] is not None:
        interval = f"  [{arm['ci_low']:.4f}, {arm['ci_high']:.4f}]"
    return f"{arm['mean']:.4f}{interval}  n={arm['n']}"


def _markdown(summary: dict[str, Any]) -> str:
    lines = [
        f"## Ablation study `{summary['study']}`",
        "",
        f"Objective: {summary['objective']} (lower is better). Trials: {_counts(summary)}.",
        "",
    ]
    if summary.get("regime_label"):
        lines += [f"Verdicts from: {summary['regime_label']}.", ""]
    for objective in _objectives(summary):
        if objective["arms"]:
            lines += [f"### {objective['name']}", "", *_arms_table(objective["arms"]), ""]
        if objective["effects"]:
            lines += [*_effects_table(objective["effects"]), ""]
            lines += [*[f"- {v}" for v in objective["verdicts"]], ""]
    if summary["importances"]:
        lines += ["| parameter | importance |", "|---|---|"]
        lines += [f"| {k} | {v:.3f} |" for k, v in summary["importances"].items()]
        lines.append("")
    failed = [t for t in summary["trials"] if t["state"] == "FAIL"]
    if failed:
        lines += ["Failed trials:", ""]
        lines += [f"- {_failed(t)}" for t in failed]
    return "\n".join(lines).rstrip() + "\n"


EFFECTS_LEGEND = (
    "*difference*: mean over seeds of the per-seed difference (level minus reference; "
    "negative is better). *d_z*: that mean divided by the sd of the per-seed differences "
    "(the paired effect size). *seeds to detect*: the seeds a paired t-test needs to "
    "detect a difference this large with 80% power at alpha 0.05."
)


def _arms_table(arms: list[dict[str, Any]]) -> list[str]:
    lines = ["| arm | mean | 95% interval | seeds |", "|---|---|---|---|"]
    for arm in arms:
        mean = "-" if arm["mean"] is None else f"{arm['mean']:.4f}"
        interval = "-" if arm["ci_low"] is None else f"{arm['ci_low']:.4f} to {arm['ci_high']:.4f}"
        lines.append(f"| {arm['arm']} | {mean} | {interval} | {arm['n']} |")
    return lines


def _effects_table(effects: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| effect | difference | 95% interval | d_z | p (t) | p (Wilcoxon) | seeds to detect |",
        "|---|---|---|---|---|---|---|",
    ]
    for e in effects:
        lines.append(
            f"| {e['factor']}: {e['contrast']} | {_num(e['mean'], '+.4g')} | "
            f"{_num(e['ci_low'], '+.4g')} to {_num(e['ci_high'], '+.4g')} | "
            f"{_num(e['d_z'], '.2f')} | {_num(e['p'], '.3g')} | "
            f"{_num(e['p_wilcoxon'], '.3g')} | {e['seeds_needed'] or '-'} |"
        )
    return [*lines, "", EFFECTS_LEGEND]


def _num(value: Any, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def render_base_build(build: BaseBuild, fmt: str) -> str:
    """``ablate build-base``: where the release is, and what its pretraining learned."""
    if fmt != "text":
        return json.dumps(build.manifest, indent=2, allow_nan=False)
    learned = build.manifest["learned"]
    state = "up to date" if build.reused else f"built in {build.manifest['build_seconds']} s"
    return (
        f"miniature release {build.folder}: {state}\n"
        f"  {learned['objective']}: untrained {learned['untrained']:.3f}, "
        f"pretrained {learned['pretrained']:.3f} ({learned['reduction']:.0%} lower)"
    )


def render_dry_run(figures: dict[str, Any], fmt: str) -> str:
    """``ablate --dry-run``: four lines of text, or the figures as JSON."""
    if fmt != "text":
        return json.dumps(figures, indent=2, allow_nan=False)
    return _dry_run_text(figures)


def _dry_run_text(figures: dict[str, Any]) -> str:
    """The dry run's figures in four lines."""
    f = figures
    return "\n".join(
        [
            f"dry run: {f['arms']} arms x {f['seeds']} seeds x {f['steps']} steps "
            f"= {f['trials']} trials ({f['device']}, {f['precision']})",
            f"  {f['seconds_per_step']:.3f} s per optimizer step, {f['seconds_per_eval']:.2f} s "
            f"per evaluation, {f['seconds_fixed_per_trial']:.1f} s to set up a trial",
            f"  about {f['seconds_per_trial']:.0f} s per trial; estimated wall time "
            f"{f['wall_seconds_per_device'] / 60:.1f} min per device ({f['devices']} device"
            f"{'s' if f['devices'] != 1 else ''})",
            f"  peak memory {f['peak_memory_mb']:.0f} MB",
        ]
    )
