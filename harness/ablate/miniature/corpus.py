"""Base-language speech for the miniature release: espeak-ng sentences in en, es and de.

The sentences are built from small word lists (subject x verb x object, taken in a fixed
order), so the corpus is deterministic and needs no downloaded text. Each language gets
its own coqui-format folder (``metadata_train.csv``, ``metadata_eval.csv``, ``wavs/``):
the eval clips are sentences the training set never has (held out, for the learned-ness
check and for the forgetting objective of fine-tune trials).
"""

from __future__ import annotations

import csv
import itertools
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from harness.errors import HarnessError

SAMPLE_RATE = 22050  # espeak-ng's native rate, the rate XTTS v2 trains its GPT at
SILENCE = 0.01  # |sample| below this (full scale 1.0) at the ends is trimmed
PAD_S = 0.05
VOICES = {"en": "en-us", "es": "es", "de": "de"}
WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "en": (
        ("the cat", "my brother", "a teacher", "the old man", "our neighbour", "the child"),
        ("sees", "likes", "finds", "brings", "paints", "wants"),
        ("a red car", "the small house", "fresh bread", "the river", "a green book"),
    ),
    "es": (
        ("el gato", "mi hermano", "una maestra", "el viejo", "la vecina", "el niño"),
        ("ve", "quiere", "busca", "trae", "pinta", "compra"),
        ("un coche rojo", "la casa pequeña", "pan fresco", "el río", "un libro verde"),
    ),
    "de": (
        ("die Katze", "mein Bruder", "eine Lehrerin", "der alte Mann", "das Kind", "sie"),
        ("sieht", "mag", "findet", "bringt", "malt", "sucht"),
        ("ein rotes Auto", "das kleine Haus", "frisches Brot", "den Fluss", "ein grünes Buch"),
    ),
}


@dataclass(frozen=True)
class LanguageData:
    language: str
    folder: Path
    train: str = "metadata_train.csv"
    eval: str = "metadata_eval.csv"


def sentences(language: str, count: int) -> list[str]:
    """``count`` distinct sentences of ``language``, always the same ones in the same order."""
    subjects, verbs, objects = WORDS[language]
    combos = list(itertools.product(subjects, verbs, objects))
    # A stride coprime with the number of combinations visits them all, well mixed.
    stride = 37 if len(combos) % 37 else 41
    picked = [combos[(i * stride) % len(combos)] for i in range(min(count, len(combos)))]
    return [_capitalized(f"{s} {v} {o}.") for s, v, o in picked]


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def write_language(language: str, out: Path, train: int, held_out: int) -> LanguageData:
    """Synthesize ``train`` + ``held_out`` clips of ``language`` into ``out``."""
    texts = sentences(language, train + held_out)
    wavs = out / "wavs"
    wavs.mkdir(parents=True, exist_ok=True)
    rows = []
    for index, text in enumerate(texts):
        name = f"wavs/{language}_{index:03d}.wav"
        synthesize(text, VOICES[language], out / name)
        rows.append((name, text))
    _write_csv(out / "metadata_train.csv", rows[:train], language)
    _write_csv(out / "metadata_eval.csv", rows[train:], language)
    return LanguageData(language, out)


def synthesize(text: str, voice: str, target: Path) -> None:
    """One espeak-ng clip, mono 16-bit at SAMPLE_RATE, leading/trailing silence trimmed."""
    import numpy as np
    import soundfile as sf

    if shutil.which("espeak-ng") is None:
        raise HarnessError(
            "espeak-ng is not installed (the miniature release speaks through it)",
            fix="install it: apt-get install espeak-ng",
        )
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-w", str(raw), text], check=True)
        audio, rate = sf.read(raw, dtype="float32")
    if rate != SAMPLE_RATE:
        raise HarnessError(f"espeak-ng wrote {rate} Hz, expected {SAMPLE_RATE}")
    loud = np.nonzero(np.abs(audio) > SILENCE)[0]
    pad = int(PAD_S * SAMPLE_RATE)
    if loud.size:
        audio = audio[max(0, loud[0] - pad) : loud[-1] + pad]
    sf.write(target, audio, SAMPLE_RATE, subtype="PCM_16")


def _write_csv(path: Path, rows: list[tuple[str, str]], language: str) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter="|")
        writer.writerow(["audio_file", "text", "speaker_name"])
        for audio, text in rows:
            writer.writerow([audio, text, f"espeak_{language}"])


def read_texts(data: LanguageData, which: str = "train") -> list[str]:
    name = data.train if which == "train" else data.eval
    with (data.folder / name).open(newline="", encoding="utf-8") as handle:
        return [row["text"] for row in csv.DictReader(handle, delimiter="|")]
