"""Statistics of a seeded factorial ablation: numpy and scipy only (no torch, no optuna).

Every arm runs the same seeds, so arms are compared *paired by seed*: the seed fixes the
initialisation and the order of the training samples, and the difference between two
arms at the same seed removes that noise.

- Arm: mean and 95% interval over seeds (Student t, n - 1 degrees of freedom).
- Factor level vs the reference level (the first level in the spec): per seed, the
  difference averaged over the levels of the other factors (the main effect of a 2x2);
  for each pair of two-level factors, per seed, the difference of differences (the
  interaction). Only seeds where every arm completed are used.
- Test: paired t-test on those per-seed differences, with its 95% interval and effect
  size Cohen's d_z = mean / sd of the differences. With a handful of seeds the t-test is
  the one that can still detect an effect; the Wilcoxon signed-rank test (no normality
  assumption) is added from 6 seeds, the first n at which it can reach p < 0.05 at all
  (its smallest two-sided p is 2 / 2^n).
- Power: the seeds a paired t-test needs to detect the observed difference with power
  0.8 at alpha 0.05 (noncentral t), i.e. "how many seeds until this is settled".
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

ALPHA = 0.05
POWER = 0.8
CONFIDENCE = 0.95
MIN_WILCOXON = 6
MAX_SEEDS_SEARCHED = 10_000


@dataclass(frozen=True)
class Observation:
    levels: Mapping[str, str]  # factor -> level
    seed: int
    value: float


def mean_ci(values: Iterable[float], confidence: float = CONFIDENCE) -> dict[str, Any]:
    """Mean, sample sd and the t-based interval of the mean (None where n is too small)."""
    import numpy as np
    from scipy import special

    data = np.asarray(values, dtype=float)
    n = int(data.size)
    if n == 0:
        return {"n": 0, "mean": None, "sd": None, "ci_low": None, "ci_high": None}
    mean = float(data.mean())
    if n < 2:
        return {"n": 1, "mean": mean, "sd": None, "ci_low": None, "ci_high": None}
    sd = float(data.std(ddof=1))
    half = float(special.stdtrit(n - 1, 0.5 + confidence / 2)) * sd / math.sqrt(n)
    return {"n": n, "mean": mean, "sd": sd, "ci_low": mean - half, "ci_high": mean + half}


def paired_test(differences: Sequence[float]) -> dict[str, Any]:
    """Paired t-test (and Wilcoxon from 6 pairs) on per-seed differences, with power."""
    import numpy as np
    from scipy import special

    data = np.asarray(differences, dtype=float)
    out = mean_ci(data)
    out.update({"d_z": None, "t": None, "p": None, "p_wilcoxon": None, "seeds_needed": None})
    n = out["n"]
    if n < 2:
        return out
    mean, sd = out["mean"], out["sd"]
    if sd == 0.0:
        # The same difference at every seed: no noise to test against.
        out["p"] = 1.0 if mean == 0.0 else 0.0
        out["seeds_needed"] = None if mean == 0.0 else 2
        return out
    out["d_z"] = mean / sd
    out["t"] = mean / (sd / math.sqrt(n))
    out["p"] = float(2 * special.stdtr(n - 1, -abs(out["t"])))
    if n >= MIN_WILCOXON and np.any(data != 0):
        from scipy import stats  # slow to import (about 0.5 s): only where it is used

        out["p_wilcoxon"] = float(stats.wilcoxon(data).pvalue)
    out["seeds_needed"] = seeds_needed(abs(out["d_z"]))
    return out


def seeds_needed(d_z: float, alpha: float = ALPHA, power: float = POWER) -> int | None:
    """Smallest n at which a two-sided paired t-test has ``power`` to detect effect ``d_z``."""
    import numpy as np
    from scipy import special

    if not d_z or not math.isfinite(d_z):
        return None
    n = np.arange(2, MAX_SEEDS_SEARCHED + 1)
    df = n - 1
    crit = special.stdtrit(df, 1 - alpha / 2)
    shift = d_z * np.sqrt(n)
    # Power of the two-sided test under the noncentral t (scipy.stats.nct without its import).
    achieved = 1 - special.nctdtr(df, shift, crit) + special.nctdtr(df, shift, -crit)
    reached = np.nonzero(achieved >= power)[0]
    return int(n[reached[0]]) if reached.size else None


def arm_stats(
    observations: Sequence[Observation], factors: Sequence[tuple[str, Sequence[str]]]
) -> list[dict[str, Any]]:
    """Per arm (every combination of levels, in spec order): mean and interval over seeds."""
    out = []
    for combo in itertools.product(*[[(name, lv) for lv in levels] for name, levels in factors]):
        levels = dict(combo)
        values = [o.value for o in observations if dict(o.levels) == levels]
        stats = mean_ci(values)
        stats.update({"arm": arm_name(levels), "levels": levels})
        out.append(stats)
    return out


def factor_effects(
    observations: Sequence[Observation],
    factors: Sequence[tuple[str, Sequence[str]]],
) -> list[dict[str, Any]]:
    """Main effects (each level vs the reference) and two-level interactions, paired by seed."""
    table = {(_key(o.levels), o.seed): o.value for o in observations}
    seeds = sorted({o.seed for o in observations})
    arms = [_key(c) for c in _combos(factors)]
    complete = [s for s in seeds if all((arm, s) in table for arm in arms)]
    effects = []
    for name, levels in factors:
        others = [f for f in factors if f[0] != name]
        for level in levels[1:]:
            contrast = {name: {level: 1.0, levels[0]: -1.0}}
            diffs = [_contrast(table, others, contrast, seed) for seed in complete]
            effects.append(_effect("main", name, f"{level} vs {levels[0]}", diffs, complete, seeds))
    two_level = [f for f in factors if len(f[1]) == 2]
    for (a, (a0, a1)), (b, (b0, b1)) in itertools.combinations(two_level, 2):
        others = [f for f in factors if f[0] not in (a, b)]
        # (a1 - a0 at b1) - (a1 - a0 at b0): the difference of differences.
        contrast = {a: {a1: 1.0, a0: -1.0}, b: {b1: 1.0, b0: -1.0}}
        diffs = [_contrast(table, others, contrast, seed) for seed in complete]
        effects.append(
            _effect(
                "interaction", f"{a} x {b}", "difference of differences", diffs, complete, seeds
            )
        )
    return effects


def verdict(effect: Mapping[str, Any], objective: str, regime: str = "") -> str:
    """One plain sentence for a factor effect (lower is better), ending with what it
    comes from (``regime``, e.g. "miniature fine-tune, 2-layer GPT, 150 optimizer steps,
    3 seeds")."""
    return _verdict_sentence(effect, objective) + (f". From: {regime}." if regime else "")


def _verdict_sentence(effect: Mapping[str, Any], objective: str) -> str:
    name, n = effect["factor"], effect["n"]
    seeds = f"{n} seed{'s' if n != 1 else ''}"
    if n < 2:
        return f"{name}: cannot be tested with {seeds} complete; run at least 3 seeds"
    mean, p = effect["mean"], effect["p"]
    interval = _interval(effect)
    where = f"{interval.removeprefix(', ')}; " if interval else ""
    if p is not None and p < ALPHA:
        if effect["kind"] == "interaction":
            return (
                f"{name}: the factors interact in {objective} (difference of differences "
                f"{mean:+.3g}; {where}p = {p:.3g}, {seeds}); compare the arms, not the main effects"
            )
        level, _, reference = str(effect["contrast"]).partition(" vs ")
        word = "better (lower)" if mean < 0 else "worse (higher)"
        return (
            f"{name} {level} (vs {reference}) made {objective} {word} by {abs(mean):.3g} "
            f"({where}p = {p:.3g}, {seeds})"
        )
    text = (
        f"{name} ({effect['contrast']}): no difference detected in {objective} "
        f"({mean:+.3g}; {where}p = {p:.3g}, {seeds})"
    )
    smallest = smallest_detectable(n, effect.get("sd"))
    if smallest is None:
        return text
    return text + f"; the smallest effect this design detects with 80% power is {smallest:.3g}"


def smallest_detectable(n: int, sd: float | None) -> float | None:
    """The smallest true mean difference a paired t-test on ``n`` seeds detects with power
    0.8 at alpha 0.05, given the sd of the per-seed differences (None when sd is unknown)."""
    import numpy as np
    from scipy import special

    if n < 2 or not sd or not math.isfinite(sd):
        return None
    d = np.linspace(0.01, 20.0, 4000)
    crit = special.stdtrit(n - 1, 1 - ALPHA / 2)
    shift = d * math.sqrt(n)
    achieved = 1 - special.nctdtr(n - 1, shift, crit) + special.nctdtr(n - 1, shift, -crit)
    reached = np.nonzero(achieved >= POWER)[0]
    return float(d[reached[0]] * sd) if reached.size else None


def arm_name(levels: Mapping[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in levels.items()) or "base"


def _key(levels: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(levels.items()))


def _combos(factors: Sequence[tuple[str, Sequence[str]]]) -> list[dict[str, str]]:
    return [dict(c) for c in itertools.product(*[[(n, lv) for lv in ls] for n, ls in factors])]


def _contrast(
    table: Mapping[Any, float],
    others: Sequence[tuple[str, Sequence[str]]],
    weights: Mapping[str, Mapping[str, float]],
    seed: int,
) -> float:
    """Sum of weight products x value over the contrasted levels, averaged over the other
    factors' levels, at one seed."""
    contrasted = [(name, list(w.items())) for name, w in weights.items()]
    total = 0.0
    others_combos = _combos(others)
    for other in others_combos:
        for cell in itertools.product(*[[(n, lv, wt) for lv, wt in ws] for n, ws in contrasted]):
            levels = {**other, **{n: lv for n, lv, _ in cell}}
            weight = math.prod(wt for _, _, wt in cell)
            total += weight * table[(_key(levels), seed)]
    return total / len(others_combos)


def _effect(
    kind: str, factor: str, contrast: str, diffs: list[float], used: list[int], seeds: list[int]
) -> dict[str, Any]:
    out = paired_test(diffs)
    out.update(
        {
            "kind": kind,
            "factor": factor,
            "contrast": contrast,
            "differences": diffs,
            "seeds": used,
            "seeds_excluded": [s for s in seeds if s not in used],
        }
    )
    return out


def _interval(effect: Mapping[str, Any]) -> str:
    low, high = effect.get("ci_low"), effect.get("ci_high")
    if low is None or high is None:
        return ""
    return f", 95% CI {low:+.3g} to {high:+.3g}"
