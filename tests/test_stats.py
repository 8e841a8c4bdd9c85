"""Statistics of a paired, seeded factorial (harness/ablate/stats.py): numpy + scipy only."""

from __future__ import annotations

import json
import math

import pytest
from scipy import stats as scipy_stats

from harness.ablate import stats
from harness.ablate.summary import json_safe

FACTORS = [("ema", ["off", "on"]), ("warmup", ["off", "on"])]


def two_by_two(seeds, effect_ema, effect_warmup, interaction, noise=None):
    """y = seed baseline + effects; ``noise[seed][arm]`` adds per-cell noise."""
    observations = []
    for seed in seeds:
        base = 5.0 + 0.3 * math.sin(seed * 1.7)  # seeds differ a lot: pairing must remove it
        for index, (ema, warmup) in enumerate(
            [("off", "off"), ("off", "on"), ("on", "off"), ("on", "on")]
        ):
            value = base
            value += effect_ema * (ema == "on") + effect_warmup * (warmup == "on")
            value += interaction * (ema == "on" and warmup == "on")
            value += noise[seed][index] if noise else 0.0
            observations.append(stats.Observation({"ema": ema, "warmup": warmup}, seed, value))
    return observations


def test_main_effects_and_interaction_of_a_2x2_are_paired_by_seed():
    noise = {s: [0.01 * math.cos(3 * s + i) for i in range(4)] for s in range(5)}
    obs = two_by_two(range(5), effect_ema=-0.2, effect_warmup=0.0, interaction=0.1, noise=noise)
    effects = {e["factor"]: e for e in stats.factor_effects(obs, FACTORS)}

    # Main effect = mean over the other factor's levels: -0.2 + 0.1 / 2; interaction = 0.1.
    assert effects["ema"]["mean"] == pytest.approx(-0.15, abs=0.02)
    assert effects["ema x warmup"]["mean"] == pytest.approx(0.1, abs=0.03)
    assert effects["ema"]["p"] < 0.01  # the 0.3 seed-to-seed spread is paired away
    assert effects["ema"]["n"] == 5 and effects["ema"]["seeds_excluded"] == []
    verdict = stats.verdict(effects["ema"], "eval loss_mel_ce")
    assert verdict.startswith("ema on (vs off) made eval loss_mel_ce better (lower) by 0.1")
    assert "5 seeds" in verdict


def test_paired_t_test_agrees_with_scipy_and_gives_cohens_dz():
    on = [5.01, 4.87, 5.20, 4.95, 5.10]
    off = [5.05, 4.95, 5.21, 5.02, 5.12]
    diffs = [a - b for a, b in zip(on, off, strict=True)]
    result = stats.paired_test(diffs)
    reference = scipy_stats.ttest_rel(on, off)
    assert result["p"] == pytest.approx(reference.pvalue)
    assert result["t"] == pytest.approx(reference.statistic)
    sd = scipy_stats.tstd(diffs)
    assert result["d_z"] == pytest.approx(sum(diffs) / len(diffs) / sd)
    low, high = scipy_stats.t.interval(0.95, len(diffs) - 1, loc=sum(diffs) / 5, scale=sd / 5**0.5)
    assert (result["ci_low"], result["ci_high"]) == pytest.approx((low, high))
    assert result["p_wilcoxon"] is None  # 5 pairs: the signed-rank test cannot reach p < 0.05


def test_wilcoxon_is_added_from_six_seeds():
    result = stats.paired_test([-0.1, -0.2, -0.05, -0.12, -0.3, -0.07])
    assert result["p_wilcoxon"] == pytest.approx(
        scipy_stats.wilcoxon([-0.1, -0.2, -0.05, -0.12, -0.3, -0.07]).pvalue
    )
    assert result["p_wilcoxon"] < 0.05


def test_seeds_needed_is_the_smallest_n_with_power_080():
    # G*Power, "difference from constant", d = 0.5, two-tailed alpha 0.05, power 0.8: n = 34.
    assert stats.seeds_needed(0.5) == 34
    assert stats.seeds_needed(0.0) is None


def test_no_detectable_effect_says_how_many_seeds_would_settle_it():
    noise = {s: [0.05 * math.sin(5 * s + 2 * i) for i in range(4)] for s in range(3)}
    obs = two_by_two(range(3), effect_ema=0.01, effect_warmup=0.0, interaction=0.0, noise=noise)
    ema = stats.factor_effects(obs, FACTORS)[0]
    text = stats.verdict(ema, "eval loss_mel_ce")
    assert text.startswith("ema (on vs off): no difference detected in eval loss_mel_ce")
    assert "the smallest effect this design detects with 80% power is" in text
    assert ema["seeds_needed"] > 3


def test_a_seed_missing_an_arm_is_left_out_of_the_paired_tests_but_not_the_arm_means():
    obs = two_by_two(range(4), effect_ema=-0.1, effect_warmup=0.05, interaction=0.0)
    obs = [o for o in obs if not (o.seed == 2 and o.levels == {"ema": "on", "warmup": "on"})]
    effect = stats.factor_effects(obs, FACTORS)[0]
    assert effect["seeds"] == [0, 1, 3] and effect["seeds_excluded"] == [2]
    arms = {a["arm"]: a for a in stats.arm_stats(obs, FACTORS)}
    assert arms["ema=on,warmup=on"]["n"] == 3 and arms["ema=off,warmup=off"]["n"] == 4


def test_one_seed_cannot_be_tested_and_the_export_is_json_safe():
    obs = two_by_two([0], effect_ema=-0.1, effect_warmup=0.0, interaction=0.0)
    effect = stats.factor_effects(obs, FACTORS)[0]
    assert "cannot be tested with 1 seed" in stats.verdict(effect, "loss_mel_ce")
    payload = json_safe({"effects": [effect], "bad": float("nan"), "inf": float("inf")})
    json.dumps(payload, allow_nan=False)
    assert payload["bad"] is None


def test_arm_interval_is_student_t():
    arm = stats.mean_ci([4.0, 4.2, 4.4])
    low, high = scipy_stats.t.interval(0.95, 2, loc=4.2, scale=scipy_stats.sem([4.0, 4.2, 4.4]))
    assert (arm["ci_low"], arm["ci_high"]) == pytest.approx((low, high))


def _two_arm_effect(on: list[float], off: list[float]):
    from harness.ablate import stats

    rows = [("off", s, v) for s, v in enumerate(off)] + [("on", s, v) for s, v in enumerate(on)]
    observations = [stats.Observation({"ema": lv}, s, v) for lv, s, v in rows]
    return stats.factor_effects(observations, [("ema", ["off", "on"])])[0]


def test_a_clear_effect_is_worded_better_or_worse_with_its_interval_and_origin():
    from harness.ablate import stats

    effect = _two_arm_effect(on=[1.3, 1.35, 1.55], off=[1.0, 1.1, 1.2])
    text = stats.verdict(effect, "eval loss_mel_ce", "miniature fine-tune, 3 seeds")
    assert text.startswith("ema on (vs off) made eval loss_mel_ce worse (higher) by 0.3 (95% CI")
    assert "d_z" not in text and text.endswith("From: miniature fine-tune, 3 seeds.")


def test_an_interval_covering_zero_says_no_difference_and_the_smallest_detectable_effect():
    from harness.ablate import stats

    effect = _two_arm_effect(on=[1.3, 1.0, 1.25], off=[1.0, 1.1, 1.2])
    assert effect["ci_low"] < 0 < effect["ci_high"]
    text = stats.verdict(effect, "eval loss_mel_ce")
    smallest = stats.smallest_detectable(3, effect["sd"])
    assert "no difference detected" in text
    assert f"the smallest effect this design detects with 80% power is {smallest:.3g}" in text
    # That effect is the one the power search of seeds_needed settles at these 3 seeds.
    assert stats.seeds_needed(smallest / effect["sd"]) == 3
    assert stats.seeds_needed(0.9 * smallest / effect["sd"]) > 3
