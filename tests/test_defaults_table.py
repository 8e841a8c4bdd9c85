"""The version-keyed defaults tables: facts the project relies on, and agreement with the
installed libraries (the table is what linting uses instead of importing TTS)."""

from __future__ import annotations

import json
import math
import textwrap
from pathlib import Path

import pytest

from harness.errors import HarnessError
from harness.plan.defaults import TABLE_DIR, available, load_table, normalize_library
from harness.plan.defaults_source import dump_from_source

TABLES = available()


def test_the_baseline_releases_have_tables() -> None:
    assert {"coqui-tts 0.28.0", "coqui-tts 0.24.2", "TTS 0.22.0"} <= set(TABLES)


@pytest.mark.parametrize("library", TABLES)
def test_facts_the_rules_rely_on(library: str) -> None:
    """docs/xtts-facts.md section 2: what a config that leaves a field out really gets."""
    table = load_table(library)
    config = table.config
    assert config["scheduler_after_epoch"] is True  # milestones count epochs by default
    assert config["optimizer"] == "radam"
    assert config["optimizer_params"] is None  # crashes the optimizer factory
    assert config["lr_scheduler"] is None
    assert config["lr"] == 5e-06
    assert (config["epochs"], config["batch_size"], config["grad_clip"]) == (1000, 32, 0.0)
    assert config["mixed_precision"] is False
    assert config["optimizer_wd_only_on_weights"] is False
    assert config["training_seed"] == 1
    # GPTArgs defaults are the XTTS v1 audio tokens: a v2 run must override them.
    assert config["model_args.gpt_num_audio_tokens"] == 8194
    assert config["model_args.gpt_start_audio_token"] == 8192
    assert config["model_args.gpt_stop_audio_token"] == 8193
    assert config["model_args.gpt_use_perceiver_resampler"] is False
    assert config["model_args.max_text_length"] == 200
    assert config["model_args.max_wav_length"] == 255995
    assert config["model_args.gpt_max_text_tokens"] == 402
    assert config["model_args.gpt_max_audio_tokens"] == 605
    assert config["model_args.mel_norm_file"].startswith("https://")  # a network fetch
    assert config["audio.dvae_sample_rate"] == 22050
    assert math.isinf(config["max_audio_len"])
    assert table.trainer_args["grad_accum_steps"] == 1
    assert "am" not in table.tokenizer_languages
    assert {"en", "tr", "ar", "ja"} <= set(table.tokenizer_languages)
    assert {"optimizer_params", "lr_scheduler_params"} <= table.dict_fields


def test_scheduler_state_is_saved_from_coqui_tts_0_27_on() -> None:
    """coqui-ai/TTS#1039: before coqui-tts 0.27 / trainer 0.3 a resume restarts the LR."""
    assert load_table("coqui-tts 0.28.0").saves_scheduler_state is True
    assert load_table("coqui-tts 0.24.2").saves_scheduler_state is False
    assert load_table("TTS 0.22.0").saves_scheduler_state is False


def test_tts_0_22_differences_are_recorded() -> None:
    old, new = load_table("TTS 0.22.0"), load_table("coqui-tts 0.28.0")
    assert old.trainer == "trainer 0.0.36"
    assert "hi" in old.tokenizer_languages  # 0.22 sends hi through basic_cleaners
    # 0.22 builds one empty BaseDatasetConfig by default; 0.28 none.
    assert len(old.config["datasets"]) == 1 and new.config["datasets"] == []
    assert old.config["model_args.mel_norm_file"] != new.config["model_args.mel_norm_file"]


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        ("TTS==0.22.0", "TTS 0.22.0"),
        ("tts 0.22", "TTS 0.22.0"),
        ("coqui-tts 0.28", "coqui-tts 0.28.0"),
        ("coqui_tts==0.24.2", "coqui-tts 0.24.2"),
    ],
)
def test_library_spellings(spelling: str, expected: str) -> None:
    assert normalize_library(spelling) == expected
    assert load_table(spelling).library == expected


def test_unknown_library_is_a_one_line_error() -> None:
    with pytest.raises(HarnessError) as caught:
        load_table("coqui-tts 9.9")
    assert "coqui-tts 0.28.0" in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.ablate
def test_installed_library_matches_its_table() -> None:
    """Field by field: the table linting uses equals GPTTrainerConfig() of the installed TTS."""
    pytest.importorskip("TTS")
    pytest.importorskip("trainer")
    from harness.plan.defaults_dump import dump_installed

    installed = json.loads(json.dumps(dump_installed()))  # the same JSON round trip
    stored = json.loads((TABLE_DIR / _file(installed["library"])).read_text(encoding="utf-8"))
    assert installed["library"] == stored["library"], (
        "regenerate: python -m harness.plan.defaults_dump"
    )
    _assert_same_table(installed, stored)


@pytest.mark.ablate
def test_source_reader_agrees_with_the_installed_library() -> None:
    """The ast reader used for old releases gives the installed release's table exactly."""
    pytest.importorskip("TTS")
    from harness.plan.defaults_source import installed_roots

    from_source = json.loads(json.dumps(dump_from_source(installed_roots())))
    stored = json.loads((TABLE_DIR / _file(from_source["library"])).read_text(encoding="utf-8"))
    _assert_same_table(from_source, stored)


def test_source_reader_on_a_release_layout(tmp_path: Path) -> None:
    """The shapes of TTS 0.22 / trainer 0.0.36 sources, without the real wheels."""
    _write_fake_release(tmp_path)
    table = dump_from_source([tmp_path])
    config = table["config"]
    assert (table["library"], table["trainer"]) == ("TTS 0.22.0", "trainer 0.0.36")
    assert table["saves_scheduler_state"] is False
    assert config["lr"] == 5e-06  # GPTTrainerConfig overrides the trainer's 0.001
    assert config["scheduler_after_epoch"] is True  # field(default=True, metadata=...)
    assert config["model_args.max_text_length"] == 200  # GPTArgs replaces XttsArgs
    assert config["model_args.gpt_layers"] == 30  # inherited from XttsArgs
    assert config["audio.dvae_sample_rate"] == 22050  # gpt_trainer's XttsAudioConfig subclass
    assert config["audio.sample_rate"] == 22050
    assert math.isinf(config["max_audio_len"])
    assert config["datasets"] == [{"formatter": "", "language": ""}]
    assert config["languages"] == ["en", "tr"]
    assert table["trainer_args"] == {"grad_accum_steps": 1, "restore_path": ""}  # star import
    assert table["tokenizer_languages"] == ["ar", "en", "tr", "ja"]
    assert "optimizer_params" in table["dict_fields"]


def test_source_reader_refuses_what_it_cannot_evaluate(tmp_path: Path) -> None:
    from harness.plan.defaults_source import ExtractError

    _write_fake_release(tmp_path)
    path = tmp_path / "TTS/tts/layers/xtts/trainer/gpt_trainer.py"
    path.write_text(
        path.read_text() + "\n\n@dataclass\nclass GPTArgs(XttsArgs):\n    x: int = compute()\n"
    )
    with pytest.raises(ExtractError, match="compute"):
        dump_from_source([tmp_path])


def _assert_same_table(actual: dict, stored: dict) -> None:
    for key in (
        "library",
        "trainer",
        "dict_fields",
        "tokenizer_languages",
        "saves_scheduler_state",
    ):
        assert actual[key] == stored[key], key
    assert actual["trainer_args"] == stored["trainer_args"]
    differing = {
        key: (actual["config"].get(key, "<absent>"), stored["config"].get(key, "<absent>"))
        for key in set(actual["config"]) | set(stored["config"])
        if not _same(actual["config"].get(key, "<absent>"), stored["config"].get(key, "<absent>"))
    }
    assert differing == {}, "regenerate the table: python -m harness.plan.defaults_dump"


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def _file(library: str) -> str:
    return library.replace(" ", "-") + ".json"


def _write_fake_release(root: Path) -> None:
    files = {
        "TTS-0.22.0.dist-info/METADATA": "Name: TTS\nVersion: 0.22.0\n",
        "trainer-0.0.36.dist-info/METADATA": "Name: trainer\nVersion: 0.0.36\n",
        "trainer/__init__.py": "from trainer.trainer import *\n",
        "trainer/trainer.py": """
            from dataclasses import dataclass, field
            from coqpit import Coqpit

            @dataclass
            class TrainerConfig(Coqpit):
                lr: float = field(default=0.001, metadata={"help": "x"})
                scheduler_after_epoch: bool = field(default=True, metadata={"help": "x"})
                optimizer_params: dict = field(default_factory=dict)

            @dataclass
            class TrainerArgs(Coqpit):
                grad_accum_steps: int = field(default=1)
                restore_path: str = ""
            """,
        "TTS/__init__.py": "",
        "TTS/config/__init__.py": "from TTS.config.shared_configs import *\n",
        "TTS/config/shared_configs.py": """
            from dataclasses import dataclass, field
            from typing import List
            from trainer import TrainerConfig

            @dataclass
            class BaseDatasetConfig:
                formatter: str = ""
                language: str = ""

            @dataclass
            class BaseTrainingConfig(TrainerConfig):
                max_audio_len: int = float("inf")
                datasets: List[BaseDatasetConfig] = field(
                    default_factory=lambda: [BaseDatasetConfig()]
                )
            """,
        "TTS/tts/models/xtts.py": """
            from dataclasses import dataclass

            @dataclass
            class XttsAudioConfig:
                sample_rate: int = 22050

            @dataclass
            class XttsArgs:
                gpt_layers: int = 30
            """,
        "TTS/tts/configs/xtts_config.py": """
            from dataclasses import dataclass, field
            from TTS.config import BaseTrainingConfig
            from TTS.tts.models.xtts import XttsArgs, XttsAudioConfig

            LANGUAGES = ["en", "tr"]

            @dataclass
            class XttsConfig(BaseTrainingConfig):
                model_args: XttsArgs = field(default_factory=XttsArgs)
                audio: XttsAudioConfig = field(default_factory=XttsAudioConfig)
                languages: list = field(default_factory=lambda: LANGUAGES)
            """,
        "TTS/tts/layers/xtts/trainer/gpt_trainer.py": """
            from dataclasses import dataclass, field
            from TTS.tts.configs.xtts_config import XttsConfig
            from TTS.tts.models.xtts import XttsArgs, XttsAudioConfig

            @dataclass
            class GPTTrainerConfig(XttsConfig):
                lr: float = 5e-06

            @dataclass
            class XttsAudioConfig(XttsAudioConfig):
                dvae_sample_rate: int = 22050

            @dataclass
            class GPTArgs(XttsArgs):
                max_text_length: int = 200
            """,
        "TTS/tts/layers/xtts/tokenizer.py": """
            class VoiceBpeTokenizer:
                def preprocess_text(self, txt, lang):
                    if lang in {"ar", "en", "tr"}:
                        txt = txt.lower()
                        if lang == "zh":
                            txt = txt
                    elif lang == "ja":
                        txt = txt
                    else:
                        raise NotImplementedError(lang)
                    return txt
            """,
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
