"""Audio lengths from file headers, as the trainer's loader would see them.

XTTSDataset loads audio with ``TTS.tts.models.xtts.load_audio``: ``torchaudio.load``
(through soundfile with torchaudio 2.8), a mean over channels, then
``torchaudio.functional.resample`` to ``audio.sample_rate`` when the file's rate differs.
The resampled length is ``ceil(frames * new / old)`` (after dividing both rates by their
gcd), so the length the limits are checked against is known from the header alone.

Headers: a plain PCM or float WAV (what datasets almost always hold) is read by
``wav_header`` from its first 4 KiB, 5 to 10 times faster than ``soundfile.info``, which
has to set up libsndfile and format its log; anything else (other codecs, FLAC, MP3,
odd chunk layouts) goes to ``soundfile.info``. Both give libsndfile's frame count,
including for a WAV cut short (frames = the audio bytes actually present); a test pins
the two against each other.
"""

from __future__ import annotations

import math
import os
import re
import stat
import struct
from dataclasses import dataclass

HEAD_BYTES = 4096  # the fmt and data chunk headers of an ordinary WAV sit in here
_PCM_OR_FLOAT = (1, 3)  # WAVE_FORMAT_PCM, WAVE_FORMAT_IEEE_FLOAT
_EXTENSIBLE = 0xFFFE
_DATA_LINE = re.compile(r"^data\s*:\s*(\d+)\s*\(should be (\d+)\)", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class AudioInfo:
    """What the header says about one file, or why it could not be read."""

    exists: bool
    frames: int | None = None
    sample_rate: int | None = None
    channels: int | None = None
    error: str | None = None  # libsndfile's complaint when the file cannot be opened
    truncated: str | None = None  # "header says X bytes of audio, file holds Y"

    @property
    def readable(self) -> bool:
        return self.exists and self.error is None and self.frames is not None

    @property
    def duration_s(self) -> float | None:
        if not self.readable or not self.sample_rate:
            return None
        return self.frames / self.sample_rate  # type: ignore[operator]

    def samples_at(self, rate: int) -> int | None:
        """Length in samples after the trainer resamples to ``rate``."""
        if not self.readable or not self.sample_rate:
            return None
        return resampled_length(self.frames, self.sample_rate, rate)  # type: ignore[arg-type]


def resampled_length(frames: int, orig_rate: int, new_rate: int) -> int:
    """torchaudio.functional.resample's output length: ceil(frames * new / orig)."""
    if orig_rate == new_rate:
        return frames
    divisor = math.gcd(orig_rate, new_rate)
    new, orig = new_rate // divisor, orig_rate // divisor
    return -(-frames * new // orig)


def probe(path: str) -> AudioInfo:
    """Header facts for one file; never raises for a bad file."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):  # missing, a dangling link, a symlink loop, a NUL byte
        return AudioInfo(exists=False)
    if not stat.S_ISREG(mode):  # a FIFO or device would block the read, or never end
        return AudioInfo(exists=True, error="not a regular file (a FIFO, socket or device)")
    try:
        info = wav_header(path) or _soundfile_info(path)
    except Exception as error:  # libsndfile raises several types for unreadable input
        return AudioInfo(exists=True, error=_one_line(error))
    if info.frames == 0:
        # load_audio logs audio.max() of the empty tensor, which raises: a load failure.
        return AudioInfo(exists=True, frames=0, error="no audio frames in the file")
    return info


def wav_header(path: str) -> AudioInfo | None:
    """A plain PCM/float WAV's frames and rate from its header; None: ask libsndfile."""
    with open(path, "rb") as handle:
        head = handle.read(HEAD_BYTES)
        size = os.fstat(handle.fileno()).st_size
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    fmt: tuple[int, int, int] | None = None
    pos = 12
    while pos + 8 <= len(head):
        chunk, length = head[pos : pos + 4], int.from_bytes(head[pos + 4 : pos + 8], "little")
        body = pos + 8
        if chunk == b"fmt ":
            fmt = _fmt(head, body, length)
            if fmt is None:
                return None
        elif chunk == b"data":
            return _data(fmt, length, size - body) if fmt else None
        pos = body + length + (length & 1)  # chunks are padded to an even size
    return None


def _fmt(head: bytes, body: int, length: int) -> tuple[int, int, int] | None:
    """(channels, rate, block_align) of a PCM or float format chunk, else None."""
    if length < 16 or body + length > len(head):
        return None
    tag, channels, rate, _, block_align, _ = struct.unpack_from("<HHIIHH", head, body)
    if tag == _EXTENSIBLE:
        if length < 40:
            return None
        tag = struct.unpack_from("<H", head, body + 24)[0]  # the sub-format GUID's first field
    if tag not in _PCM_OR_FLOAT or not channels or not rate or not block_align:
        return None
    return channels, rate, block_align


def _data(fmt: tuple[int, int, int], declared: int, present: int) -> AudioInfo | None:
    if declared in (0, 0xFFFFFFFF):  # a streaming writer's placeholder: let libsndfile decide
        return None
    channels, rate, block_align = fmt
    truncated = None
    if declared > present:
        truncated = f"header says {declared} bytes of audio, the file holds {present}"
    return AudioInfo(
        exists=True,
        frames=min(declared, present) // block_align,
        sample_rate=rate,
        channels=channels,
        truncated=truncated,
    )


def _soundfile_info(path: str) -> AudioInfo:
    import soundfile as sf  # only for what wav_header leaves (libsndfile takes ~0.2 s to load)

    info = sf.info(path)
    return AudioInfo(
        exists=True,
        frames=int(info.frames),
        sample_rate=int(info.samplerate),
        channels=int(info.channels),
        truncated=_truncation(info.extra_info),
    )


def _truncation(extra_info: str) -> str | None:
    """libsndfile's log says "data : 90422 (should be 29956)" for a cut-off WAV."""
    match = _DATA_LINE.search(extra_info or "")
    if not match:
        return None
    declared, actual = int(match.group(1)), int(match.group(2))
    if declared <= actual:
        return None
    return f"header says {declared} bytes of audio, the file holds {actual}"


def _one_line(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    return " ".join(text.split())
