"""The full-scale GPU check: XTTS v2's GPT at the release's dimensions, timed.

Builds the GPT from the release ``config.json`` dimensions (random weights unless a
checkpoint is given) and the DVAE of the release's shape, then runs optimizer steps on
synthetic batches (clips of ``clip_seconds``; the DVAE encodes their mels to the GPT's
targets, as GPTTrainer does) at each batch size and precision: steps/s, tokens/s, peak
memory, and the wall time 100 epochs of a dataset of ``dataset_clips`` clips would take.
Mixed precision is ``torch.autocast`` with the dtype, as trainer.Trainer applies it.
``tiny=True`` shrinks every dimension so the same code runs on a CPU in seconds (tests).
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

RELEASE_DVAE = {
    "channels": 80,
    "normalization": None,
    "positional_dims": 1,
    "codebook_dim": 512,
    "hidden_dim": 512,
    "num_resnet_blocks": 3,
    "kernel_size": 3,
    "num_layers": 2,
    "use_transposed_convs": False,
}
TINY = {
    "gpt_layers": 2,
    "gpt_n_model_channels": 64,
    "gpt_n_heads": 2,
    "gpt_num_audio_tokens": 66,
    "gpt_start_audio_token": 64,
    "gpt_stop_audio_token": 65,
}
TINY_DVAE = {**RELEASE_DVAE, "codebook_dim": 32, "hidden_dim": 32, "num_resnet_blocks": 1}
TEXT_TOKENS = 6681  # the release vocab size
SAMPLE_RATE = 22050


def model_args(config_json: Path | None, tiny: bool) -> dict[str, Any]:
    from harness.ablate.build import V2_ARCHITECTURE

    args = dict(V2_ARCHITECTURE)
    if config_json is not None:
        release = json.loads(Path(config_json).read_text(encoding="utf-8")).get("model_args", {})
        args.update({k: release[k] for k in V2_ARCHITECTURE if release.get(k) is not None})
    if tiny:
        args.update(TINY)
    return args


def build(args: dict[str, Any], tiny: bool, checkpoint: Path | None, device: str) -> tuple:
    import torch
    from TTS.tts.layers.tortoise.arch_utils import TorchMelSpectrogram
    from TTS.tts.layers.xtts.dvae import DiscreteVAE
    from TTS.tts.layers.xtts.gpt import GPT

    gpt = GPT(
        layers=args["gpt_layers"],
        model_dim=args["gpt_n_model_channels"],
        heads=args["gpt_n_heads"],
        max_text_tokens=args["gpt_max_text_tokens"],
        max_mel_tokens=args["gpt_max_audio_tokens"],
        max_prompt_tokens=args["gpt_max_prompt_tokens"],
        number_text_tokens=TEXT_TOKENS,
        num_audio_tokens=args["gpt_num_audio_tokens"],
        start_audio_token=args["gpt_start_audio_token"],
        stop_audio_token=args["gpt_stop_audio_token"],
        start_text_token=TEXT_TOKENS - 1,
        use_perceiver_resampler=args["gpt_use_perceiver_resampler"],
        code_stride_len=args["gpt_code_stride_len"],
    )
    if checkpoint is not None:
        state = torch.load(checkpoint, map_location="cpu", weights_only=False)["model"]
        gpt_state = {
            k.split("gpt.", 1)[1]: v
            for k, v in state.items()
            if ".gpt_inference" not in k and k.removeprefix("xtts.").startswith("gpt.")
        }
        gpt.load_state_dict(gpt_state, strict=False)
    dvae = DiscreteVAE(
        num_tokens=args["gpt_num_audio_tokens"] - 2, **(TINY_DVAE if tiny else RELEASE_DVAE)
    ).eval()
    mel = TorchMelSpectrogram(mel_norm_file=None, sampling_rate=SAMPLE_RATE)
    return gpt.to(device), dvae.to(device), mel.to(device)


def run_case(
    parts: tuple,
    batch: int,
    precision: str,
    steps: int,
    clip_seconds: float,
    text_len: int,
    device: str,
) -> dict[str, Any]:
    import torch

    gpt, dvae, mel = parts
    optimizer = torch.optim.AdamW(gpt.parameters(), lr=5e-6, betas=(0.9, 0.96))
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)
    generator = torch.Generator().manual_seed(0)
    samples = int(clip_seconds * SAMPLE_RATE)
    wav = (0.1 * torch.randn(batch, samples, generator=generator)).to(device)
    text = torch.randint(1, TEXT_TOKENS - 2, (batch, text_len), generator=generator).to(device)
    lengths = torch.full((batch,), text_len, device=device)
    wav_lengths = torch.full((batch,), samples, device=device)
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    timings = []
    for step in range(steps):
        if device == "cuda":
            torch.cuda.synchronize()
        tick = time.perf_counter()
        with torch.no_grad():
            spec = mel(wav)
            codes = dvae.get_codebook_indices(spec[:, :, : spec.shape[-1] // 4 * 4])
        with torch.autocast(device_type=device, dtype=dtype, enabled=dtype is not None):
            loss_text, loss_mel, _ = gpt(
                text, lengths, codes, wav_lengths, cond_mels=spec[:, None], cond_idxs=None
            )
            loss = 0.01 * loss_text + loss_mel
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if device == "cuda":
            torch.cuda.synchronize()
        if step >= min(2, steps - 1):  # the first steps warm up kernels and the allocator
            timings.append(time.perf_counter() - tick)
    per_step = sum(timings) / len(timings)
    tokens = batch * (text_len + codes.shape[-1])
    peak = torch.cuda.max_memory_allocated() / 2**20 if device == "cuda" else None
    return {
        "batch": batch,
        "precision": precision,
        "steps": steps,
        "steps_per_second": round(1 / per_step, 3),
        "tokens_per_second": round(tokens / per_step, 1),
        "peak_memory_mb": None if peak is None else round(peak, 1),
        "loss": round(float(loss.detach()), 4),
    }


def gpu_check(
    config_json: Path | None = None,
    checkpoint: Path | None = None,
    *,
    batches: tuple[int, ...] = (4, 8, 16),
    precisions: tuple[str, ...] = ("fp32", "bf16"),
    steps: int = 30,
    clip_seconds: float = 6.0,
    text_len: int = 80,
    dataset_clips: int = 1000,
    tiny: bool = False,
) -> dict[str, Any]:
    """Every batch x precision case, with the 100-epoch estimate for ``dataset_clips``."""
    import torch

    device = "cuda" if torch.cuda.is_available() and not tiny else "cpu"
    args = model_args(config_json, tiny)
    parts = build(args, tiny, checkpoint, device)
    cases = []
    for precision in precisions:
        if precision == "bf16" and device == "cuda" and not torch.cuda.is_bf16_supported():
            continue
        for batch in batches:
            case = run_case(parts, batch, precision, steps, clip_seconds, text_len, device)
            seconds = 100 * math.ceil(dataset_clips / batch) / case["steps_per_second"]
            case["hours_for_100_epochs"] = round(seconds / 3600, 2)
            cases.append(case)
    return {
        "device": torch.cuda.get_device_name(0) if device == "cuda" else "cpu",
        "gpt_parameters": sum(p.numel() for p in parts[0].parameters()),
        "model_args": {k: args[k] for k in ("gpt_layers", "gpt_n_model_channels", "gpt_n_heads")},
        "clip_seconds": clip_seconds,
        "text_tokens": text_len,
        "dataset_clips": dataset_clips,
        "cases": cases,
    }
