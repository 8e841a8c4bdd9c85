"""Audio headers: the fast WAV reader gives libsndfile's answer, or defers to it."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from harness.audit.audio import probe, resampled_length, wav_header


def write(path: Path, subtype: str, channels: int = 1, rate: int = 22050, frames: int = 5000):
    data = np.linspace(-0.5, 0.5, frames * channels, dtype=np.float32).reshape(frames, channels)
    sf.write(path, data, rate, subtype=subtype, format=path.suffix[1:].upper())
    return path


def with_chunk_before_data(path: Path) -> Path:
    """Insert a 'junk' chunk (odd length, so padded) between fmt and data."""
    raw = path.read_bytes()
    at = raw.index(b"data")
    junk = b"junk" + struct.pack("<I", 5) + b"12345\x00"
    out = raw[:at] + junk + raw[at:]
    out = out[:4] + struct.pack("<I", len(out) - 8) + out[8:]
    path.write_bytes(out)
    return path


def with_streaming_size(path: Path) -> Path:
    raw = bytearray(path.read_bytes())
    at = raw.index(b"data")
    raw[at + 4 : at + 8] = b"\xff\xff\xff\xff"
    path.write_bytes(bytes(raw))
    return path


def cases(tmp: Path) -> dict[str, tuple[Path, bool]]:
    """name -> (file, whether the fast reader should handle it)."""
    out = {}
    for subtype in ("PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE", "PCM_U8"):
        for channels in (1, 2, 6):  # 6 channels: WAVE_FORMAT_EXTENSIBLE
            name = f"{subtype}-{channels}"
            out[name] = (write(tmp / f"{name}.wav", subtype, channels, 44100), True)
    full = write(tmp / "full.wav", "PCM_16", 2, 8000, 4000)
    for cut in (1000, 1001, 1003, 9000):  # mid-frame and mid-sample cuts included
        path = tmp / f"cut{cut}.wav"
        path.write_bytes(full.read_bytes()[: 44 + cut])
        out[f"truncated-{cut}"] = (path, True)
    out["junk-chunk"] = (with_chunk_before_data(write(tmp / "junk.wav", "PCM_16")), True)
    out["streaming"] = (with_streaming_size(write(tmp / "stream.wav", "PCM_16")), False)
    out["ulaw"] = (write(tmp / "ulaw.wav", "ULAW"), False)
    out["flac"] = (write(tmp / "clip.flac", "PCM_16"), False)
    return out


def test_fast_wav_reader_agrees_with_libsndfile(tmp_path):
    for name, (path, fast) in cases(tmp_path).items():
        info = wav_header(str(path))
        assert (info is not None) == fast, name
        reference = sf.info(str(path))
        probed = probe(str(path))
        expected = (reference.frames, reference.samplerate, reference.channels)
        assert (probed.frames, probed.sample_rate, probed.channels) == expected, name
        assert (probed.truncated is not None) == ("should be" in reference.extra_info), name


def test_missing_corrupt_and_empty_files(tmp_path):
    assert not probe(str(tmp_path / "nope.wav")).exists
    noise = tmp_path / "noise.wav"
    noise.write_bytes(bytes(range(256)) * 8)
    assert probe(str(noise)).error
    assert probe(str(tmp_path)).error  # a folder where a file should be
    empty = write(tmp_path / "empty.wav", "PCM_16", frames=0)
    assert probe(str(empty)).error and not probe(str(empty)).readable


@pytest.mark.parametrize(
    ("frames", "rate", "expected"),
    [(8000, 8000, 22050), (8001, 8000, 22053), (3999, 8000, 11023), (100, 22050, 100)],
)
def test_resampled_length_is_the_ceiling_of_the_rate_ratio(frames, rate, expected):
    # torchaudio.functional.resample keeps ceil(frames * new / orig) samples (pinned
    # against torchaudio itself in test_audit_real.py).
    assert resampled_length(frames, rate, 22050) == expected
