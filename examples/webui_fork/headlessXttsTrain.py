# A headless training CLI in the style of xtts-finetune-webui's new-language forks.
# Example for xtts-harness: read with ast, never imported or run by the harness.
import argparse

from utils.gpt_train import train_gpt
from utils.lang import canonical_language


def build_parser():
    parser = argparse.ArgumentParser(description="Train XTTS headless")
    parser.add_argument("--lang", type=str, default="en", help="dataset language")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch_size", type=int, default=2)
    parser.add_argument("--grad_acumm", type=int, default=1)
    parser.add_argument("--max_audio_length", type=float, default=11)
    parser.add_argument("--adapt_language", action="store_true")
    parser.add_argument("--optimizer", choices=["AdamW", "SGD"], default="AdamW")
    parser.add_argument("--output_path", default="finetune_models")
    return parser


def main():
    args = build_parser().parse_args()
    language = canonical_language(args.lang)
    train_gpt(
        language=language,
        num_epochs=args.epochs,
        batch_size=args.batch_size,
        grad_acumm=args.grad_acumm,
        max_audio_length=args.max_audio_length,
        language_adaptation_mode=args.adapt_language,
        optimizer=args.optimizer,
        output_path=args.output_path,
    )


if __name__ == "__main__":
    main()
