"""One trial of the demo spec (a fine-tune of the miniature release): the real GPTTrainer
through the real trainer.Trainer."""

from __future__ import annotations

import csv
import dataclasses
import logging
import shutil
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("TTS")
pytest.importorskip("trainer")

from harness.ablate.runner import TrialFailed, TrialRequest, run_trial
from harness.ablate.spec import apply_overrides, load_spec

pytestmark = pytest.mark.ablate
DEMO = Path(__file__).resolve().parents[1] / "experiments" / "amharic_bpe"


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("ablate-cache")  # tiny assets, shared by this module


@pytest.fixture(scope="module")
def demo(cache):
    from harness.ablate.prepare import prepare_assets

    spec = dataclasses.replace(load_spec(DEMO / "ablation.toml"), workdir=cache / "runs")
    return prepare_assets(spec)  # the extended vocab, the checkpoint copy


def request(demo, cache: Path, out: Path, *, seed=0, steps=4, eval_every=2, **overrides):
    plan = apply_overrides(demo.plan, overrides, demo.path, "test") if overrides else demo.plan
    return TrialRequest(
        plan=plan,
        data=demo.data,
        scale=demo.scale,
        seed=seed,
        steps=steps,
        eval_every=eval_every,
        objective="loss_mel_ce",
        output_dir=out,
        cache_dir=demo.workdir / "cache",
    )


@pytest.fixture(scope="module")
def first_trial(demo, cache, tmp_path_factory):
    out = tmp_path_factory.mktemp("trial")
    return out, run_trial(request(demo, cache, out))


def test_a_trial_reports_evals_keeps_tensorboard_and_writes_no_checkpoint(first_trial):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    out, result = first_trial
    assert [step for step, _ in result.curve] == [2, 4]
    assert result.value == result.curve[-1][1] and 0 < result.value < 20
    assert result.steps == 4 and result.batches == 4  # grad_accum_steps = 1 in the demo
    # 'am' is taught to the tokenizer: every sample survives the dataset's filters.
    assert result.samples["train_kept"] == result.samples["train_total"] > 0
    assert result.samples["eval_kept"] == result.samples["eval_total"] > 0

    run = Path(result.output_path)
    assert run.parent == out
    events = list(run.glob("events.out.tfevents.*"))
    assert events, "TensorBoard events are kept in the trial's folder"
    scalars = EventAccumulator(str(run)).Reload().Tags()["scalars"]
    assert "Ablation/eval_loss_mel_ce" in scalars and "EvalStats/avg_loss_mel_ce" in scalars
    assert (run / "trainer_0_log.txt").stat().st_size > 0
    assert not list(out.rglob("*.pth")), "trials write no checkpoint"
    handlers = logging.getLogger("trainer").handlers
    leftover = [h for h in handlers if str(out) in getattr(h, "baseFilename", "")]
    assert leftover == [], "the Trainer's FileHandler is removed after the trial"


def test_same_seed_gives_the_same_losses_and_another_seed_does_not(
    demo, cache, tmp_path, first_trial
):
    _, first = first_trial
    again = run_trial(request(demo, cache, tmp_path / "again"))
    other = run_trial(request(demo, cache, tmp_path / "other", seed=1))
    assert again.curve == first.curve and again.train_curve == first.train_curve
    assert other.curve != first.curve


def test_ema_and_warmup_follow_optimizer_steps_under_accumulation(demo, cache, tmp_path):
    result = run_trial(
        request(
            demo,
            cache,
            tmp_path,
            steps=3,
            eval_every=3,
            grad_accum_steps=3,
            **{
                "extras.ema.enabled": True,
                "extras.ema.decay": 0.9,
                "extras.warmup.enabled": True,
                "extras.warmup.steps": 2,
            },
        )
    )
    assert result.steps == 3 and result.batches == 9  # 3 batches per optimizer step
    assert result.extras["ema_updates"] == 3
    assert result.extras["warmup_steps"] == 2


def test_a_dataset_the_vocab_cannot_encode_fails_the_trial_loudly(demo, cache, tmp_path):
    data = tmp_path / "data"
    (data / "wavs").mkdir(parents=True)
    for name in ("metadata_train.csv", "metadata_eval.csv"):
        rows = list(csv.reader((demo.data.path / name).open(encoding="utf-8"), delimiter="|"))
        with (data / name).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, delimiter="|")
            writer.writerow(rows[0])
            for audio, _text, speaker in rows[1:]:
                shutil.copy(demo.data.path / audio, data / audio)
                writer.writerow([audio, "ქართული ტექსტი", speaker])  # Georgian: not in the vocab
    spec = dataclasses.replace(demo, data=dataclasses.replace(demo.data, path=data))
    with pytest.raises(TrialFailed, match=r"drops all \d+ training samples"):
        run_trial(request(spec, cache, tmp_path / "out"))


def test_the_library_rejects_am_and_the_trial_tokenizer_accepts_it_on_its_instance_only():
    from TTS.tts.layers.xtts.tokenizer import VoiceBpeTokenizer

    from harness.ablate.language import accept_language

    vocab = str(DEMO / "vocab_am.json")
    patched, untouched = VoiceBpeTokenizer(vocab), VoiceBpeTokenizer(vocab)
    with pytest.raises(NotImplementedError):
        untouched.encode("ሰላም ነው።", "am")  # coqui-tts 0.28: am is not a supported language
    accept_language(patched, "am")
    ids = patched.encode("ሰላም ነው።", "am")
    assert ids[0] == patched.tokenizer.token_to_id("[am]") and 1 not in ids  # no [UNK]
    with pytest.raises(NotImplementedError):
        untouched.encode("ሰላም ነው።", "am")
