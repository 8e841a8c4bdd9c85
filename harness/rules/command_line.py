"""Command-line rules (C9xx): a run its own argument parser refuses, and what the loader
could not read. The loader binds the command line with argparse itself
(``harness.plan.loaders.argparse_model``); these rules report what it refused."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

from harness.findings import Severity
from harness.rules.base import Problem, RuleContext, rule

REJECTIONS = "command_line_rejections"
_EVIDENCE = """
## Evidence
The script's parser is the standard library's `argparse`: an unrecognised argument, an
invalid choice or a missing required argument makes `parse_args()` print usage and exit
with status 2 before any training code runs (https://docs.python.org/3/library/argparse.html,
`ArgumentParser.error`). The harness builds the same parser from the script's
`add_argument(...)` calls and binds the command line with it, so prefix abbreviations and
`--flag=value` are accepted exactly as argparse accepts them.
"""


def _rejections(context: RuleContext, code: str) -> Iterator[dict[str, Any]]:
    for item in context.plan.meta.get(REJECTIONS) or ():
        data = item if isinstance(item, dict) else vars(item)
        if data.get("code") == code:
            yield data


def _argparse_doc(doc: str) -> str:
    """A rule doc (indented in its decorator) followed by the shared argparse Evidence."""
    return inspect.cleandoc(doc) + "\n" + _EVIDENCE


@rule(
    "C901",
    "unknown-command-line-argument",
    Severity.ERROR,
    summary="the script's argument parser has no such flag: the run exits at once",
    doc=_argparse_doc(
        """
    ## What it does
    Checks every flag of the command line against the parser the training script builds.

    ## Why is this bad?
    argparse refuses an unknown flag and the script exits before training starts; a flag
    copied from another fork's README (`--language` where the parser has `--lang`) is the
    usual cause.

    ## Example
    ```python
    # train.py
    import argparse

    from TTS.tts.layers.xtts.trainer.gpt_trainer import GPTTrainerConfig

    parser = argparse.ArgumentParser()
    parser.add_argument("--lang", default="en")
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    config = GPTTrainerConfig(epochs=args.epochs, output_path=f"runs/{args.lang}")
    ```

    ```console
    xtts-harness lint -- python train.py --language am --num_epochs 100
    ```

    ## Use instead
    The flags the parser defines:

    ```console
    xtts-harness lint -- python train.py --lang am --epochs 100
    ```
    """
    ),
)
def unknown_argument(context: RuleContext) -> Iterator[Problem]:
    for data in _rejections(context, "C901"):
        closest = data.get("closest")
        fix = f"use {closest}" if closest else "remove it (see the script's --help)"
        yield Problem(data["message"], data.get("flag"), fix=fix)


@rule(
    "C902",
    "invalid-choice-argument",
    Severity.ERROR,
    summary="a command-line value is not one of the parser's choices: the run exits at once",
    doc=_argparse_doc(
        """
    ## What it does
    Checks each value against the `choices=` of its `add_argument(...)`.

    ## Why is this bad?
    argparse refuses the value and the script exits before training starts.

    ## Example
    ```python
    # train.py
    import argparse

    from TTS.tts.layers.xtts.trainer.gpt_trainer import GPTTrainerConfig

    parser = argparse.ArgumentParser()
    parser.add_argument("--lang", choices=["en", "am"], default="en")
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    config = GPTTrainerConfig(epochs=args.epochs, output_path=f"runs/{args.lang}")
    ```

    ```console
    xtts-harness lint -- python train.py --lang amh
    ```

    ## Use instead
    ```console
    xtts-harness lint -- python train.py --lang am
    ```
    """
    ),
)
def invalid_choice(context: RuleContext) -> Iterator[Problem]:
    for data in _rejections(context, "C902"):
        yield Problem(
            data["message"],
            data.get("flag"),
            fix="give one of the listed choices",
        )


@rule(
    "C903",
    "missing-required-argument",
    Severity.ERROR,
    summary="the command line lacks an argument the parser requires: the run exits at once",
    doc=_argparse_doc(
        """
    ## What it does
    Checks that every `required=True` argument (and a required subcommand) is given.

    ## Why is this bad?
    argparse refuses the command line and the script exits before training starts.

    ## Example
    ```python
    # train.py
    import argparse

    from TTS.tts.layers.xtts.trainer.gpt_trainer import GPTTrainerConfig

    parser = argparse.ArgumentParser()
    parser.add_argument("--lang", required=True)
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    config = GPTTrainerConfig(epochs=args.epochs, output_path=f"runs/{args.lang}")
    ```

    ```console
    xtts-harness lint -- python train.py --epochs 100
    ```

    ## Use instead
    ```console
    xtts-harness lint -- python train.py --lang am --epochs 100
    ```
    """
    ),
)
def missing_required(context: RuleContext) -> Iterator[Problem]:
    for data in _rejections(context, "C903"):
        yield Problem(
            data["message"],
            data.get("flag"),
            fix=f"add {data.get('flag')} VALUE to the command line",
        )


@rule(
    "C904",
    "invalid-argument-value",
    Severity.ERROR,
    summary="argparse cannot convert a command-line value (type=int, nargs): the run exits",
    doc=_argparse_doc(
        """
    ## What it does
    Converts each value with its argument's `type=` (`int`, `float`) and checks `nargs`.

    ## Why is this bad?
    argparse refuses the value and the script exits before training starts.

    ## Example
    ```python
    # train.py
    import argparse

    from TTS.tts.layers.xtts.trainer.gpt_trainer import GPTTrainerConfig

    parser = argparse.ArgumentParser()
    parser.add_argument("--lang", default="en")
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    config = GPTTrainerConfig(epochs=args.epochs, output_path=f"runs/{args.lang}")
    ```

    ```console
    xtts-harness lint -- python train.py --epochs 1e2
    ```

    ## Use instead
    ```console
    xtts-harness lint -- python train.py --epochs 100
    ```
    """
    ),
)
def invalid_value(context: RuleContext) -> Iterator[Problem]:
    for data in _rejections(context, "C904"):
        yield Problem(
            data["message"],
            data.get("flag"),
            fix="give a value of the argument's type",
        )


@rule(
    "C910",
    "script-reading-note",
    Severity.INFO,
    summary="something the script loader could not read or decided to skip",
    doc="""
    ## What it does
    Reports the loader's notes on a training script: modules not read (a symlink out of
    the repository, a syntax error), calls whose arguments cannot be bound, config calls
    under undecided conditions, several feasible paths read by a single-plan command.

    ## Why is this bad?
    Values the loader could not read are shown as unknown; the note says why, so a
    finding (or its absence) can be judged.

    ## Example
    The config's arguments come from a file the loader does not open:

    ```python
    # train.py
    import json

    from TTS.tts.layers.xtts.trainer.gpt_trainer import GPTTrainerConfig

    with open("options.json") as file:
        options = json.load(file)
    config = GPTTrainerConfig(**options)
    ```

    ## Use instead
    Keyword arguments the loader can read (or `--set KEY=VALUE` for the values kept
    elsewhere):

    ```python
    # train.py
    from TTS.tts.layers.xtts.trainer.gpt_trainer import GPTTrainerConfig

    config = GPTTrainerConfig(lr=5e-06, batch_size=3, epochs=10)
    ```

    ## Evidence
    The loader's reading rules are in harness/plan/loaders/script_paths.py and
    harness/plan/loaders/repository.py.
    """,
)
def reading_note(context: RuleContext) -> Iterator[Problem]:
    for note in context.plan.meta.get("notes") or ():
        yield Problem(str(note), None, fix="see the note; values it names are unknown")


@rule(
    "C905",
    "script-value-of-wrong-type",
    Severity.ERROR,
    summary="a training script passes a value of the wrong type (lr='fast'): the run fails",
    doc="""
    ## What it does
    Checks the type of each value a training script passes to the config against the
    type of the library default (numbers are numbers, counts are whole numbers).

    ## Why is this bad?
    Coqpit does not check types when the config is built: a string learning rate or a
    float epoch count fails only when the trainer first uses it, minutes or hours in.

    ## Example
    ```python
    # train.py
    from TTS.tts.layers.xtts.trainer.gpt_trainer import GPTTrainerConfig

    config = GPTTrainerConfig(lr="fast")
    ```

    ## Use instead
    ```python
    # train.py
    from TTS.tts.layers.xtts.trainer.gpt_trainer import GPTTrainerConfig

    config = GPTTrainerConfig(lr=5e-06)
    ```

    ## Evidence
    Coqpit assigns dataclass fields without checking types; the trainer then computes
    with them (trainer/trainer.py builds the optimizer with `lr=config.lr`).
    """,
)
def wrong_value_type(context: RuleContext) -> Iterator[Problem]:
    for item in context.plan.meta.get("value_type_errors") or ():
        yield Problem(str(item["message"]), item.get("key"), fix=item.get("fix"))
