"""Fine-tune trials from the miniature release, as a user's run starts from XTTS v2."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

pytest.importorskip("TTS")
from ablate_fixtures import RELEASE, write_miniature_spec

pytestmark = pytest.mark.ablate


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_trial_starts_from_the_copied_release_with_the_vocab_grown(tmp_path):
    from harness.ablate.prepare import prepare_assets
    from harness.ablate.runner import TrialRequest, run_trial
    from harness.ablate.spec import load_spec

    before = _sha(RELEASE / "model.pth")
    spec = prepare_assets(load_spec(write_miniature_spec(tmp_path)))
    result = run_trial(
        TrialRequest(
            plan=spec.plan,
            data=spec.data,
            scale=spec.scale,
            seed=0,
            steps=2,
            eval_every=2,
            objective="loss_mel_ce",
            output_dir=tmp_path / "out",
            cache_dir=tmp_path / "runs" / "mini" / "cache",
            held_out=spec.held_out,
            eval_at_start=True,
        )
    )
    loaded = result.extras["checkpoint"]
    assert loaded["padded_rows"] > 300  # [am], the Ethiopic characters, the merges
    assert [s for s, _ in result.curve] == [0, 2] and len(result.held_out_curve) == 2
    pretrained_en = json.loads((RELEASE / "manifest.json").read_text())["learned"]["pretrained"]
    # The base language starts where pretraining left it (the weights really loaded) ...
    assert result.held_out_curve[0][1] < 0.85 * 5.55  # well below an untrained model
    assert abs(result.held_out_curve[0][1] - pretrained_en) < 1.0
    # ... and the release itself is never written.
    assert _sha(RELEASE / "model.pth") == before
    assert spec.data.vocab.name == "vocab-am.json"


def test_results_show_both_objectives_with_their_regime(small_study, capsys):
    from harness.cli import main

    assert main(["results", "--storage", small_study, "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    names = [o["name"] for o in summary["objectives"]]
    assert names == [
        "eval loss_mel_ce on the new language (am)",
        "eval loss_mel_ce on held-out en (forgetting)",
    ]
    label = summary["regime_label"]
    assert label.startswith("miniature fine-tune, 2-layer GPT, 4 optimizer steps")
    assert "2 seeds" in label and "confirm at full scale" in label
    for objective in summary["objectives"]:
        assert [a["n"] for a in objective["arms"]] == [2, 2]
        (verdict,) = objective["verdicts"]
        assert verdict.endswith(f"From: {label}.")
        assert "made" in verdict or "smallest effect this design detects" in verdict
    assert main(["results", "--storage", small_study, "--format", "md"]) == 0
    markdown = capsys.readouterr().out
    assert "(forgetting)" in markdown and "*seeds to detect*" in markdown


def test_two_workers_on_a_legacy_format_checkpoint_complete_every_trial(small_study):
    """The shared study ran with two workers on a legacy-format copy of the release."""
    import optuna
    from ablate_fixtures import LEGACY_SHA_ATTR, legacy_release

    study = optuna.load_study(study_name="mini", storage=small_study)
    states = [t.state for t in study.get_trials()]
    assert states == [optuna.trial.TrialState.COMPLETE] * 4
    folder = legacy_release(small_study)
    assert _sha(folder / "model.pth") == study.user_attrs[LEGACY_SHA_ATTR]  # never rewritten
