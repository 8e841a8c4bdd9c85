"""Regenerate experiments/amharic_bpe/vocab_am.json: the XTTS v2 vocab extended for Amharic.

The extension only appends, so every token of the release vocab keeps its id (the
checkpoint's text embedding rows keep their meaning):

1. ``[am]`` as an added (special) token, like the release's language tags; without it
   VoiceBpeTokenizer's ``[am]`` prefix is split into ``[`` ``am`` ``]`` and the brackets
   are not in the vocab at all.
2. Every assigned character of the Ethiopic block U+1200..U+137F, so any Amharic text
   is covered, not only the demo sentences.
3. BPE merges learned with ``tokenizers`` from the demo training text (words seen at
   least twice), appended after the release's merges with the tokens they produce:
   a multi-character token without the merge that makes it can never be produced.

Usage (from the repository root):

    python experiments/amharic_bpe/scripts/make_vocab.py \
        [--base harness/data/xtts_v2/vocab.json] [--data experiments/amharic_bpe/data] \
        [--out experiments/amharic_bpe/vocab_am.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import unicodedata
from pathlib import Path

from tokenizers import Tokenizer, models, pre_tokenizers, trainers

HERE = Path(__file__).resolve().parents[1]
REPO = HERE.parents[1]
LANGUAGE_TOKEN = "[am]"
ETHIOPIC = range(0x1200, 0x1380)
MIN_FREQUENCY = 2


def ethiopic_characters() -> list[str]:
    return [chr(c) for c in ETHIOPIC if unicodedata.category(chr(c)) != "Cn"]


def read_texts(csv_path: Path) -> list[str]:
    with csv_path.open(newline="", encoding="utf-8") as handle:
        return [row["text"] for row in csv.DictReader(handle, delimiter="|")]


def learn_merges(texts: list[str], alphabet: list[str]) -> list[tuple[str, str]]:
    """BPE merges of the text, in the order the trainer learned them (their priority)."""
    tokenizer = Tokenizer(models.BPE(unk_token="[UNK]"))
    # The XTTS vocab splits words the same way (its pre-tokenizer is Whitespace).
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    trainer = trainers.BpeTrainer(
        vocab_size=100_000,
        min_frequency=MIN_FREQUENCY,
        initial_alphabet=alphabet,
        special_tokens=[],
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer)
    merges = json.loads(tokenizer.to_str())["model"]["merges"]
    return [tuple(m) if isinstance(m, list) else tuple(m.split(" ", 1)) for m in merges]


def extend(base: dict, alphabet: list[str], merges: list[tuple[str, str]]) -> dict:
    vocab: dict[str, int] = base["model"]["vocab"]
    out = json.loads(json.dumps(base))  # deep copy; the base file is never modified
    new_vocab: dict[str, int] = out["model"]["vocab"]
    next_id = max(vocab.values()) + 1

    def append(token: str) -> int:
        nonlocal next_id
        if token not in new_vocab:
            new_vocab[token] = next_id
            next_id += 1
        return new_vocab[token]

    language_id = append(LANGUAGE_TOKEN)
    out["added_tokens"].append(
        {
            "id": language_id,
            "special": True,
            "content": LANGUAGE_TOKEN,
            "single_word": False,
            "lstrip": False,
            "rstrip": False,
            "normalized": False,
        }
    )
    for char in alphabet:
        append(char)
    written = out["model"]["merges"]
    as_text = isinstance(written[0], str) if written else True
    known = {m if isinstance(m, str) else " ".join(m) for m in written}
    for left, right in merges:
        append(left + right)
        if f"{left} {right}" not in known:
            written.append(f"{left} {right}" if as_text else [left, right])
            known.add(f"{left} {right}")
    return out


def verify(base: dict, out_path: Path, texts: list[str]) -> None:
    """The result loads, keeps every old id, and encodes the demo text without [UNK]."""
    tokenizer = Tokenizer.from_file(str(out_path))
    vocab = tokenizer.get_vocab(with_added_tokens=True)
    changed = [t for t, i in base["model"]["vocab"].items() if vocab.get(t) != i]
    if changed:
        raise SystemExit(f"ids changed for {len(changed)} tokens, e.g. {changed[:5]}")
    unk = vocab["[UNK]"]
    for text in texts:
        ids = tokenizer.encode(f"{LANGUAGE_TOKEN}{text}".replace(" ", "[SPACE]")).ids
        if unk in ids:
            raise SystemExit(f"[UNK] left in {text!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--base", type=Path, default=REPO / "harness/data/xtts_v2/vocab.json"
    )
    parser.add_argument("--data", type=Path, default=HERE / "data")
    parser.add_argument("--out", type=Path, default=HERE / "vocab_am.json")
    args = parser.parse_args(argv)
    base = json.loads(args.base.read_text(encoding="utf-8"))
    train_texts = read_texts(args.data / "metadata_train.csv")
    alphabet = ethiopic_characters()
    merges = learn_merges(train_texts, alphabet)
    extended = extend(base, alphabet, merges)
    args.out.write_text(
        json.dumps(extended, ensure_ascii=False, indent=4) + "\n", encoding="utf-8"
    )
    all_texts = train_texts + read_texts(args.data / "metadata_eval.csv")
    verify(base, args.out, all_texts)
    size = max(extended["model"]["vocab"].values()) + 1
    print(
        f"{args.out}: {size} tokens (gpt_number_text_tokens), "
        f"{size - len(base['model']['vocab'])} appended, {len(merges)} merges learned"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
