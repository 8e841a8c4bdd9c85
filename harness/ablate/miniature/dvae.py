"""Mel statistics and the small DVAE of the miniature release, learned from its audio.

- ``mel_stats.pth``: the per-channel mean of the log-mel spectrogram (the front end of
  GPTTrainer, ``TorchMelSpectrogram``, divides by it) over the base-language clips.
- ``dvae.pth``: a small ``DiscreteVAE`` (the class of the XTTS v2 DVAE, two down-sampling
  layers so one code covers 1024 samples as in the release) trained to reconstruct crops
  of those mels: reconstruction plus commitment loss, its codebook updated by the
  library's own EMA quantizer. Its codes are the targets the GPT learns to predict.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.ablate.assets import SMALL_DVAE  # one small-DVAE shape for tiny and miniature

CROP_FRAMES = 64  # a multiple of 4 (two halvings)
BATCH = 8
RESTART_EVERY = 20
MIN_NORM = 0.5  # a channel mean closer to zero than this would blow the channel up


def log_mels(clips: Sequence[str], sample_rate: int) -> list[Any]:
    """Unnormalised log-mel spectrograms [80, frames] of ``clips``, GPTTrainer's front end."""
    import torch
    from TTS.tts.layers.tortoise.arch_utils import TorchMelSpectrogram
    from TTS.tts.models.xtts import load_audio

    mel = TorchMelSpectrogram(mel_norm_file=None, sampling_rate=sample_rate)
    with torch.no_grad():
        return [mel(load_audio(clip, sample_rate).unsqueeze(0))[0] for clip in clips]


def mel_stats(mels: Sequence[Any]) -> Any:
    import torch

    means = torch.cat(list(mels), dim=1).mean(dim=1)
    return torch.where(means.abs() < MIN_NORM, torch.full_like(means, -MIN_NORM), means)


def new_dvae(num_codes: int) -> Any:
    from TTS.tts.layers.xtts.dvae import DiscreteVAE

    return DiscreteVAE(num_tokens=num_codes, **SMALL_DVAE)


def train_dvae(mels: Sequence[Any], stats: Any, num_codes: int, steps: int, seed: int) -> Any:
    """Train a small DVAE on random crops of the normalised ``mels``; return it (eval mode)."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    dvae = new_dvae(num_codes).train()
    optimizer = torch.optim.Adam(dvae.parameters(), lr=3e-4)
    normalised = [m / stats.unsqueeze(-1) for m in mels if m.shape[-1] >= CROP_FRAMES]
    _fit_codebook(dvae, normalised, generator)
    used = torch.zeros(num_codes, dtype=torch.bool)
    for step in range(steps):
        batch = torch.stack([_crop(normalised, generator) for _ in range(BATCH)])
        with torch.no_grad():
            used[dvae.get_codebook_indices(batch).flatten()] = True
        if step % RESTART_EVERY == RESTART_EVERY - 1:
            _restart_codes(dvae, ~used, batch, generator)
            used[:] = False
        recon_loss, commitment_loss, _ = dvae(batch)
        loss = recon_loss.mean() + 0.25 * commitment_loss.mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return dvae.eval()


def _encode(dvae: Any, mels: Any) -> Any:
    """Encoder outputs [frames, codebook_dim] of a batch [B, 80, T]."""
    encoded = dvae.encoder(dvae.norm(mels)).permute(0, 2, 1)
    return encoded.reshape(-1, encoded.shape[-1])


def _fit_codebook(dvae: Any, mels: Sequence[Any], generator: Any) -> None:
    """Start the codebook at k-means centres of the untrained encoder's outputs: from the
    library's random codebook every frame maps to one code and the EMA keeps it there."""
    import torch

    from harness.ablate.assets import kmeans

    with torch.no_grad():
        frames = torch.cat([_encode(dvae, _crop(mels, generator)[None]) for _ in range(64)])
        centers = kmeans(frames, dvae.codebook.n_embed)
        dvae.codebook.embed.copy_(centers.T)
        dvae.codebook.embed_avg.copy_(centers.T)
        dvae.codebook.cluster_size.fill_(1.0)


def _restart_codes(dvae: Any, unused: Any, batch: Any, generator: Any) -> None:
    """Move codes no recent batch used onto random encoder outputs (the usual VQ restart)."""
    import torch

    book = dvae.codebook
    with torch.no_grad():
        dead = torch.nonzero(unused).flatten()
        if dead.numel() == 0:
            return
        frames = _encode(dvae, batch)
        picks = torch.randint(frames.shape[0], (dead.numel(),), generator=generator)
        book.embed[:, dead] = frames[picks].T
        book.embed_avg[:, dead] = frames[picks].T
        book.cluster_size[dead] = 1.0


def codes_used(dvae: Any, mels: Sequence[Any], stats: Any) -> int:
    """How many distinct codes the DVAE gives the clips (a collapsed codebook uses few)."""
    import torch

    seen: set[int] = set()
    with torch.no_grad():
        for mel in mels:
            frames = mel.shape[-1] - mel.shape[-1] % 4
            codes = dvae.get_codebook_indices((mel / stats.unsqueeze(-1))[None, :, :frames])
            seen.update(codes.flatten().tolist())
    return len(seen)


def load_small_dvae(path: Path, num_codes: int) -> Any:
    import torch

    dvae = new_dvae(num_codes)
    dvae.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return dvae.eval()


def _crop(mels: Sequence[Any], generator: Any) -> Any:
    import torch

    pick = mels[int(torch.randint(len(mels), (1,), generator=generator))]
    start = int(torch.randint(pick.shape[-1] - CROP_FRAMES + 1, (1,), generator=generator))
    return pick[:, start : start + CROP_FRAMES]
