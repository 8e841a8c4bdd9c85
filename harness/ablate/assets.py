"""Assets of the tiny scale, generated at run time into a cache folder (never the repo).

The tiny scale is the real GPTTrainer with a small GPT, trained from scratch on CPU:

- the vocab is the user's (the extended Amharic vocab of the demo), read in place;
- ``mel_stats.pth`` is ``torch.ones(80)`` (no normalisation: the release stats are absent);
- ``dvae_stub.pth`` is an empty state dict: GPTTrainer insists on a DVAE checkpoint path and
  always builds a 51.6M-parameter DVAE, whose load uses ``strict=False``;
- ``dvae_small.pth`` is a small DiscreteVAE, swapped in for the big one after
  construction. It keeps two down-sampling layers, so one code still covers 1024 samples
  (``gpt_code_stride_len``) and the GPT sees the code lengths the real DVAE gives. Its
  encoder is random (seeded); its codebook is fitted by a few k-means iterations to the
  encoder's outputs on the training clips. A purely random codebook maps 80% of frames
  to one code (measured on the demo data), which makes the GPT's target trivial; the
  fitted one spreads the frames over the codes as the audio varies. Every trial and
  worker of a study reads the same file, so all arms learn the same targets.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The GPT of the tiny scale (the rest of the architecture is XTTS v2's): 256 audio codes
# plus start/stop tokens, a 2-layer, 64-channel GPT.
TINY_MODEL_ARGS: dict[str, Any] = {
    "gpt_layers": 2,
    "gpt_n_model_channels": 64,  # GroupNorm(32) in the conditioning encoder: multiple of 32
    "gpt_n_heads": 2,
    "gpt_num_audio_tokens": 258,
    "gpt_start_audio_token": 256,
    "gpt_stop_audio_token": 257,
}
KMEANS_ITERATIONS = 10
MAX_FIT_CLIPS = 200
SMALL_DVAE: dict[str, Any] = {
    "channels": 80,
    "normalization": None,
    "positional_dims": 1,
    "codebook_dim": 64,
    "hidden_dim": 64,
    "num_resnet_blocks": 1,
    "kernel_size": 3,
    "num_layers": 2,  # 2 halvings of 256-sample mel frames: one code per 1024 samples
    "use_transposed_convs": False,
}
DVAE_SEED = 20240611  # fixed: the codes are the training targets, identical in every trial


@dataclass(frozen=True)
class TinyAssets:
    mel_stats: Path
    dvae_stub: Path
    dvae_small: Path
    num_audio_codes: int


def prepare_tiny_assets(
    cache_dir: Path, num_audio_codes: int, clips: list[str], sample_rate: int
) -> TinyAssets:
    """Write (once; safe with concurrent workers) the generated files of the tiny scale.

    ``clips`` are the training audio files the DVAE codebook is fitted to.
    """
    import torch

    digest = hashlib.sha256(
        "|".join([str(num_audio_codes), str(sample_rate), *sorted(clips)]).encode()
    ).hexdigest()[:12]
    folder = Path(cache_dir) / f"tiny-assets-{digest}"
    folder.mkdir(parents=True, exist_ok=True)
    assets = TinyAssets(
        mel_stats=folder / "mel_stats.pth",
        dvae_stub=folder / "dvae_stub.pth",
        dvae_small=folder / "dvae_small.pth",
        num_audio_codes=num_audio_codes,
    )
    if not assets.mel_stats.exists():
        save_atomic(torch.ones(80), assets.mel_stats)
    if not assets.dvae_stub.exists():
        save_atomic({}, assets.dvae_stub)
    if not assets.dvae_small.exists():
        dvae = _fitted_dvae(num_audio_codes, clips, assets.mel_stats, sample_rate)
        save_atomic(dvae.state_dict(), assets.dvae_small)
    return assets


def load_small_dvae(assets: TinyAssets) -> Any:
    """The small DVAE, in eval mode, with the cached (seeded) weights."""
    import torch

    dvae = _small_dvae(assets.num_audio_codes, init=False)
    dvae.load_state_dict(torch.load(assets.dvae_small, map_location="cpu", weights_only=True))
    return dvae.eval()


def _small_dvae(num_audio_codes: int, *, init: bool = True) -> Any:
    import torch
    from TTS.tts.layers.xtts.dvae import DiscreteVAE

    if not init:
        return DiscreteVAE(num_tokens=num_audio_codes, **SMALL_DVAE)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(DVAE_SEED)
        return DiscreteVAE(num_tokens=num_audio_codes, **SMALL_DVAE)


def _fitted_dvae(num_codes: int, clips: list[str], mel_stats: Path, sample_rate: int) -> Any:
    """The seeded small DVAE with its codebook fitted to the encoder outputs of ``clips``."""
    import torch
    from TTS.tts.layers.tortoise.arch_utils import TorchMelSpectrogram
    from TTS.tts.models.xtts import load_audio

    dvae = _small_dvae(num_codes).eval()
    # The same mel front end as GPTTrainer's torch_mel_spectrogram_dvae.
    mel = TorchMelSpectrogram(mel_norm_file=str(mel_stats), sampling_rate=sample_rate)
    frames = []
    with torch.no_grad():
        for clip in sorted(clips)[:MAX_FIT_CLIPS]:
            spec = mel(load_audio(clip, sample_rate).unsqueeze(0))
            encoded = dvae.encoder(dvae.norm(spec)).permute(0, 2, 1)
            frames.append(encoded.reshape(-1, encoded.shape[-1]))
        if frames:
            centers = kmeans(torch.cat(frames), num_codes)
            dvae.codebook.embed.copy_(centers.T)
            dvae.codebook.embed_avg.copy_(centers.T)
    return dvae


def kmeans(points: Any, k: int) -> Any:
    """Lloyd's k-means from k distinct random points (seeded); empty clusters stay put."""
    import torch

    generator = torch.Generator().manual_seed(DVAE_SEED)
    picks = torch.randperm(points.shape[0], generator=generator)
    if points.shape[0] < k:  # too few frames: repeat them, jittered apart
        picks = picks.repeat(k // points.shape[0] + 1)
    centers = points[picks[:k]].clone()
    centers += 1e-3 * torch.randn(centers.shape, generator=generator)
    for _ in range(KMEANS_ITERATIONS):
        assign = torch.cdist(points, centers).argmin(dim=1)
        sums = torch.zeros_like(centers).index_add_(0, assign, points)
        counts = torch.bincount(assign, minlength=k).unsqueeze(1)
        centers = torch.where(counts > 0, sums / counts.clamp(min=1), centers)
    return centers


def save_atomic(obj: Any, path: Path) -> None:
    """Write to a temporary file then rename, so a concurrent reader never sees half a file."""
    import torch

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    os.close(fd)
    try:
        torch.save(obj, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
