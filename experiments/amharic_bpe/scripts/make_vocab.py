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

The extension is the harness's own (harness.ablate.miniature.vocab), the one fine-tune
trials use, so the committed file and a trial's vocab cannot drift apart.

Usage (from the repository root, with the project installed):

    python experiments/amharic_bpe/scripts/make_vocab.py \
        [--base harness/data/xtts_v2/vocab.json] [--data experiments/amharic_bpe/data] \
        [--out experiments/amharic_bpe/vocab_am.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from tokenizers import Tokenizer

from harness.ablate.miniature.vocab import extend, learn_merges, script_characters

HERE = Path(__file__).resolve().parents[1]
REPO = HERE.parents[1]
LANGUAGE = "am"
LANGUAGE_TOKEN = f"[{LANGUAGE}]"


def read_texts(csv_path: Path) -> list[str]:
    with csv_path.open(newline="", encoding="utf-8") as handle:
        return [row["text"] for row in csv.DictReader(handle, delimiter="|")]


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
    parser.add_argument("--base", type=Path, default=REPO / "harness/data/xtts_v2/vocab.json")
    parser.add_argument("--data", type=Path, default=HERE / "data")
    parser.add_argument("--out", type=Path, default=HERE / "vocab_am.json")
    args = parser.parse_args(argv)
    base = json.loads(args.base.read_text(encoding="utf-8"))
    train_texts = read_texts(args.data / "metadata_train.csv")
    alphabet = script_characters(LANGUAGE)
    merges = learn_merges(train_texts, alphabet)
    extended = extend(base, LANGUAGE_TOKEN, alphabet, merges)
    args.out.write_text(json.dumps(extended, ensure_ascii=False, indent=4) + "\n", encoding="utf-8")
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
