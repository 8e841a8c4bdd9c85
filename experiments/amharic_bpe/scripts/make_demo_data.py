"""Regenerate the Amharic demo dataset in experiments/amharic_bpe/data/.

Short Amharic sentences in Ethiopic script, spoken by espeak-ng's Amharic voice
(Debian package espeak-ng, voice ``am``), written as 22050 Hz mono 16-bit WAV with the
leading and trailing silence trimmed, plus the coqui-formatter CSV files that
xtts-finetune-webui writes (``audio_file|text|speaker_name``, paths relative to the
dataset root): metadata_train.csv and metadata_eval.csv (every 7th sentence).

Usage (from the repository root; needs espeak-ng on PATH):

    python experiments/amharic_bpe/scripts/make_demo_data.py [--out DIR]

The output is deterministic for one espeak-ng version (1.51 made the committed files).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

SAMPLE_RATE = 22050
SPEAKER = "espeak_am"
EVAL_EVERY = 7  # sentence 7, 14, ... go to metadata_eval.csv
SPEED_WPM = 175  # espeak-ng's default speaking rate
PAD_S = 0.05  # silence kept before and after the speech

# Everyday sentences, short to long (about 1 to 4 seconds of speech each).
SENTENCES = [
    "ሰላም ነው።",
    "አመሰግናለሁ።",
    "ጤና ይስጥልኝ።",
    "እንደምን አደርክ?",
    "ውሃ ስጠኝ።",
    "ፀሐይ ወጣች።",
    "መብራቱ ጠፋ።",
    "ዳቦ ገዛሁ።",
    "በሩን ዝጋ።",
    "ዛሬ ቅዳሜ ነው።",
    "ስሜ አበበ ነው።",
    "ቡና እወዳለሁ።",
    "ስራ ጨርሻለሁ።",
    "አውቶቡሱ ዘገየ።",
    "ነገ እንገናኛለን።",
    "ሻይ ትፈልጋለህ?",
    "ምሳ በልተሃል?",
    "ሰዓቱ ስንት ነው?",
    "ዋጋው ውድ ነው።",
    "ልብሱ አዲስ ነው።",
    "መኪናው ቀይ ነው።",
    "ቀስ ብለህ ተናገር።",
    "እባክህ በር ክፈት።",
    "ቴሌቪዥኑን አጥፋ።",
    "ነፋሱ ቀዝቃዛ ነው።",
    "አዝመራው ጥሩ ነው።",
    "ዛሬ ዝናብ ይዘንባል።",
    "በጣም ደስ ብሎኛል።",
    "ሰማዩ ሰማያዊ ነው።",
    "ወንድሜ ዶክተር ነው።",
    "ገበያ ሄጄ ነበር።",
    "መጽሐፉን አነበብኩት።",
    "ድመቷ ወተት ጠጣች።",
    "ይህ ቤት የኛ ነው።",
    "እንኳን ደህና መጣህ።",
    "ቤተሰቤ ደህና ናቸው።",
    "እግር ኳስ እንጫወት።",
    "ደብዳቤ ጻፍኩለት።",
    "እናቴ እንጀራ ትጋግራለች።",
    "አባቴ ጋዜጣ ያነባል።",
    "እህቴ በባንክ ትሰራለች።",
    "ተማሪዎቹ ፈተና ወሰዱ።",
    "ጓደኛዬ ከጎንደር መጣ።",
    "ልጅቷ ዘፈን ትዘፍናለች።",
    "ባቡሩ በሰዓቱ ደረሰ።",
    "ሐኪሙ መድኃኒት ሰጠኝ።",
    "ሙዚቃ መስማት እወዳለሁ።",
    "ከተማዋ ጸጥ ያለች ናት።",
    "ወፎቹ በዛፉ ላይ ናቸው።",
    "አያቴ ታሪክ ነገረችኝ።",
    "ልጆቹ ትምህርት ቤት ሄዱ።",
    "ኢትዮጵያ ውብ አገር ናት።",
    "አዲስ አበባ ትልቅ ከተማ ናት።",
    "ዶሮዎቹ በጠዋት ይጮኻሉ።",
    "ገበሬው በሬዎቹን ወደ ማሳ ወሰደ።",
    "ይህ መንገድ ወደ ባሕር ዳር ይወስዳል።",
    "የኢትዮጵያ ቡና በዓለም ዙሪያ በጣም ታዋቂ ነው።",
    "ትናንት ማታ ከቤተሰቤ ጋር እራት በላን፣ ብዙ ተጫወትን።",
    "ልጆቹ ከትምህርት ቤት ሲመለሱ በመንገድ ላይ ኳስ ተጫወቱ።",
    "በክረምት ወቅት ብዙ ዝናብ ስለሚዘንብ መንገዶቹ ጭቃ ይሆናሉ።",
]


def synthesize(text: str, workdir: Path) -> tuple[np.ndarray, int]:
    """Speak ``text`` with espeak-ng's Amharic voice; mono float samples and their rate."""
    wav = workdir / "espeak.wav"
    subprocess.run(
        ["espeak-ng", "-v", "am", "-s", str(SPEED_WPM), "-w", str(wav), text],
        check=True,
        capture_output=True,
    )
    audio, rate = sf.read(wav, dtype="float32", always_2d=True)
    return audio.mean(axis=1), rate


def to_sample_rate(audio: np.ndarray, rate: int) -> np.ndarray:
    if rate == SAMPLE_RATE:
        return audio
    divisor = np.gcd(rate, SAMPLE_RATE)
    return resample_poly(audio, SAMPLE_RATE // divisor, rate // divisor).astype("float32")


def trim_silence(audio: np.ndarray, threshold: float = 0.01) -> np.ndarray:
    """Cut silence at both ends (keeps the committed data small), with a short pad."""
    loud = np.flatnonzero(np.abs(audio) > threshold * max(float(np.abs(audio).max()), 1e-9))
    if loud.size == 0:
        return audio
    pad = int(PAD_S * SAMPLE_RATE)
    return audio[max(loud[0] - pad, 0) : loud[-1] + pad + 1]


def write_csv(path: Path, rows: list[tuple[str, str]]) -> None:
    lines = ["audio_file|text|speaker_name"]
    lines += [f"{audio}|{text}|{SPEAKER}" for audio, text in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    default_out = Path(__file__).resolve().parents[1] / "data"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=default_out, help="dataset root to write")
    args = parser.parse_args(argv)
    if shutil.which("espeak-ng") is None:
        print("espeak-ng not found: apt-get install espeak-ng", file=sys.stderr)
        return 2
    wavs = args.out / "wavs"
    if wavs.exists():
        shutil.rmtree(wavs)
    wavs.mkdir(parents=True)
    train: list[tuple[str, str]] = []
    evaluation: list[tuple[str, str]] = []
    total_s = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for number, text in enumerate(SENTENCES, start=1):
            audio, rate = synthesize(text, Path(tmp))
            audio = trim_silence(to_sample_rate(audio, rate))
            name = f"wavs/am_{number:03d}.wav"
            sf.write(args.out / name, audio, SAMPLE_RATE, subtype="PCM_16")
            total_s += len(audio) / SAMPLE_RATE
            (evaluation if number % EVAL_EVERY == 0 else train).append((name, text))
    write_csv(args.out / "metadata_train.csv", train)
    write_csv(args.out / "metadata_eval.csv", evaluation)
    size = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file())
    print(
        f"{len(train)} train + {len(evaluation)} eval clips, {total_s:.1f} s of audio, "
        f"{size / 1e6:.2f} MB in {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
