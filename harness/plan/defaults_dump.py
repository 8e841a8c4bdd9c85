"""Write the defaults table of the installed coqui-tts / coqui-tts-trainer, or of a release.

Run ``python -m harness.plan.defaults_dump`` after upgrading the libraries; this is the
only module of the lint path that imports TTS (and only when run).

Tables for releases that are not installed are read from their wheels without installing
or importing them (``harness/plan/defaults_source.py``)::

    pip download --no-deps TTS==0.22.0 trainer==0.0.36 -d /tmp/old
    python -m harness.plan.defaults_dump --from-source /tmp/old/TTS-0.22.0-*.whl \
        /tmp/old/trainer-0.0.36-*.whl
    pip download --no-deps coqui-tts==0.24.2 coqui-tts-trainer==0.1.4 -d /tmp/old
    python -m harness.plan.defaults_dump --from-source /tmp/old/coqui_tts-0.24.2-*.whl \
        /tmp/old/coqui_tts_trainer-0.1.4-*.whl
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

from harness.plan.defaults import SCHEDULER_STATE_SINCE, TABLE_DIR, table_name


def dump_installed() -> dict[str, Any]:
    from trainer import TrainerArgs
    from TTS.tts.layers.xtts.tokenizer import VoiceBpeTokenizer  # noqa: F401
    from TTS.tts.layers.xtts.trainer.gpt_trainer import GPTTrainerConfig

    config = GPTTrainerConfig()
    library_version = version("coqui-tts")
    return {
        "library": f"coqui-tts {library_version}",
        "trainer": f"coqui-tts-trainer {version('coqui-tts-trainer')}",
        "config": _jsonable(flat_config(config)),
        "dict_fields": sorted(dict_fields(config)),
        "trainer_args": _jsonable(dataclasses.asdict(TrainerArgs())),
        "tokenizer_languages": tokenizer_languages(),
        "saves_scheduler_state": _version_tuple(library_version) >= SCHEDULER_STATE_SINCE,
        "generated_from": "the installed library (imported)",
    }


def flat_config(config: Any) -> dict[str, Any]:
    """Flatten nested dataclasses; dict-valued fields and lists stay leaves."""
    out: dict[str, Any] = {}
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        if dataclasses.is_dataclass(value):
            for key, sub in flat_config(value).items():
                out[f"{field.name}.{key}"] = sub
        elif isinstance(value, list) and value and dataclasses.is_dataclass(value[0]):
            out[field.name] = [dataclasses.asdict(item) for item in value]
        else:
            out[field.name] = value
    return out


def dict_fields(config: Any, prefix: str = "") -> set[str]:
    """Fields typed as dict (or None-able dict): an explicit value replaces them whole."""
    found: set[str] = set()
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        name = f"{prefix}{field.name}"
        if dataclasses.is_dataclass(value):
            found |= dict_fields(value, name + ".")
        elif isinstance(value, dict) or "dict" in str(field.type).lower():
            found.add(name)
    return found


def tokenizer_languages() -> list[str]:
    """Languages VoiceBpeTokenizer.preprocess_text accepts, read by probing it."""
    from TTS.tts.layers.xtts.tokenizer import VoiceBpeTokenizer

    tokenizer = VoiceBpeTokenizer.__new__(VoiceBpeTokenizer)
    tokenizer.char_limits = {}
    candidates = [
        "ar",
        "cs",
        "de",
        "en",
        "es",
        "fr",
        "hi",
        "hu",
        "it",
        "nl",
        "pl",
        "pt",
        "ru",
        "tr",
        "zh",
        "zh-cn",
        "ko",
        "ja",
        "am",
        "sw",
        "yo",
        "bn",
        "ta",
    ]
    accepted = []
    for language in candidates:
        try:
            tokenizer.preprocess_text("a", language)
            accepted.append(language)
        except NotImplementedError:
            continue
        except Exception:  # accepted, but the sample text upset a language's normalizer
            accepted.append(language)
    return accepted


def _jsonable(value: Any) -> Any:
    """Tuples become lists; json writes inf as Infinity, which json.loads reads back."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".")[:2])


def write_table(table: dict[str, Any], directory: Path = TABLE_DIR) -> Path:
    path = directory / table_name(table["library"])
    path.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m harness.plan.defaults_dump")
    parser.add_argument(
        "--from-source",
        nargs="+",
        type=Path,
        metavar="WHEEL_OR_DIR",
        help="read the TTS and trainer wheels (or unpacked folders) with ast instead of "
        "importing the installed libraries",
    )
    parser.add_argument("--out", type=Path, default=TABLE_DIR, help="folder to write the table")
    args = parser.parse_args(argv)
    if args.from_source:
        from harness.plan.defaults_source import dump_from_source

        table = dump_from_source(args.from_source)
    else:
        table = dump_installed()
    print(f"wrote {write_table(table, args.out)}", file=sys.stderr)


if __name__ == "__main__":
    main()
