"""Full scale on CPU: a fabricated checkpoint directory with the release layout.

No XTTS v2 weights exist on these machines and no GPU is lent to these tests, so the
full-scale path (copy, text-row padding, load check) runs on a small model saved like the
release: ``{"model": xtts state dict, "config": ...}`` with ``gpt.*`` keys, made before the
vocab grew (6681 text rows, the release's count) while the trial's vocab has 7093.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("TTS")
pytest.importorskip("trainer")

from harness.ablate.assets import TINY_MODEL_ARGS  # noqa: E402
from harness.ablate.build import TrialSettings, build_config, build_model  # noqa: E402
from harness.ablate.checkpoint import CheckpointError, load_gpt_weights  # noqa: E402
from harness.ablate.runner import TrialRequest, import_trainer_modules, run_trial  # noqa: E402
from harness.ablate.spec import Scale, load_spec  # noqa: E402

pytestmark = pytest.mark.ablate
DEMO = Path(__file__).resolve().parents[1] / "experiments" / "amharic_bpe"
RELEASE_TEXT_TOKENS = 6681


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def demo():
    return load_spec(DEMO / "ablation.toml")


@pytest.fixture(scope="module")
def checkpoint_dir(tmp_path_factory, demo) -> Path:
    """model.pth (release layout, 6681 text rows), dvae.pth, mel_stats.pth, config.json."""
    import_trainer_modules()
    folder = tmp_path_factory.mktemp("xtts_v2_small")
    (folder / "config.json").write_text(json.dumps({"model_args": TINY_MODEL_ARGS}))
    torch.save(torch.ones(80), folder / "mel_stats.pth")
    torch.save({}, folder / "dvae.pth")  # GPTTrainer loads it with strict=False
    model = _model(demo, folder, seed=123)
    state = {k: v.clone() for k, v in model.xtts.state_dict().items()}
    for key in ("gpt.text_embedding.weight", "gpt.text_head.weight", "gpt.text_head.bias"):
        state[key] = state[key][:RELEASE_TEXT_TOKENS]  # the checkpoint predates the new tokens
    torch.save({"model": state, "config": {"model": "xtts"}}, folder / "model.pth")
    return folder


def _model(demo, folder: Path, seed: int):
    settings = TrialSettings(seed, 2, 2, "cpu", "fp32", demo.data.vocab, 1)
    config = build_config(
        demo.plan,
        Scale("checkpoint", folder),
        settings,
        mel_stats=folder / "mel_stats.pth",
        dvae=folder / "dvae.pth",
    )
    torch.manual_seed(seed)
    return build_model(config, "am", None)


def test_grown_vocab_is_padded_and_the_weights_really_load(demo, checkpoint_dir, tmp_path):
    saved = torch.load(checkpoint_dir / "model.pth", weights_only=False)["model"]
    model = _model(demo, checkpoint_dir, seed=7)  # different random init than the checkpoint
    grown = model.xtts.gpt.text_embedding.weight.shape[0]
    assert grown > RELEASE_TEXT_TOKENS  # the Amharic vocab appended tokens

    copy = tmp_path / "model.pth"
    copy.write_bytes((checkpoint_dir / "model.pth").read_bytes())
    report = load_gpt_weights(model, copy)

    assert report.padded_rows == grown - RELEASE_TEXT_TOKENS
    gpt = model.xtts.gpt
    assert torch.equal(gpt.mel_embedding.weight, saved["gpt.mel_embedding.weight"])
    old_rows = saved["gpt.text_embedding.weight"]
    assert torch.equal(gpt.text_embedding.weight[:RELEASE_TEXT_TOKENS], old_rows)
    new_rows = gpt.text_embedding.weight[RELEASE_TEXT_TOKENS:]
    assert torch.allclose(new_rows, old_rows.mean(dim=0).expand_as(new_rows))


def test_a_checkpoint_that_does_not_fit_the_model_is_refused(demo, checkpoint_dir, tmp_path):
    payload = torch.load(checkpoint_dir / "model.pth", weights_only=False)
    payload["model"] = {k: v for k, v in payload["model"].items() if ".h.1." not in k}
    torch.save(payload, tmp_path / "model.pth")  # one transformer layer short
    with pytest.raises(CheckpointError, match="gpt keys missing"):
        load_gpt_weights(_model(demo, checkpoint_dir, seed=7), tmp_path / "model.pth")


def test_full_scale_trial_trains_a_copy_and_leaves_the_users_checkpoint_untouched(
    demo, checkpoint_dir, tmp_path
):
    before = {p.name: sha256(p) for p in checkpoint_dir.iterdir()}
    result = run_trial(
        TrialRequest(
            plan=demo.plan,
            data=demo.data,
            scale=Scale("checkpoint", checkpoint_dir),
            seed=0,
            steps=2,
            eval_every=2,
            objective="loss_mel_ce",
            output_dir=tmp_path / "out",
            cache_dir=tmp_path / "cache",
        )
    )
    assert result.extras["checkpoint"]["padded_rows"] > 0
    assert result.curve and result.value > 0
    assert {p.name: sha256(p) for p in checkpoint_dir.iterdir()} == before
    copies = list((tmp_path / "cache").glob("checkpoint-*/model.pth"))
    assert len(copies) == 1 and copies[0].stat().st_size > 0
