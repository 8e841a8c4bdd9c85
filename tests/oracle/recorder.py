"""Stub classes for the differential tests: they record what a training script passes them.

Tests put tests/oracle on the script's sys.path (in a subprocess of the test, never of the
tool), so ``from trainer import Trainer`` and ``from TTS... import GPTTrainerConfig`` get
these. ``Trainer(...)`` writes the config and trainer arguments it received to the JSON file
named by ORACLE_OUT and exits: what the script really built, to compare with the static
reading.
"""

from __future__ import annotations

import json
import os
import sys


class Recorded:
    def __init__(self, *args, **kwargs):
        self._kwargs = dict(kwargs)
        self.__dict__.update(kwargs)

    @classmethod
    def init_from_config(cls, config, *args, **kwargs):
        return cls()


def to_data(value):
    if isinstance(value, Recorded):
        return {k: to_data(v) for k, v in value._kwargs.items()}
    if isinstance(value, (list, tuple)):
        return [to_data(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_data(v) for k, v in value.items()}
    return value


def record_and_exit(args, config):
    with open(os.environ["ORACLE_OUT"], "w", encoding="utf-8") as out:
        json.dump({"config": to_data(config), "trainer_args": to_data(args)}, out)
    sys.exit(0)


def samples(split):
    size = int(os.environ.get("ORACLE_DATASET_SIZE", "100"))
    count = size if split == "train" else max(1, size // 10)
    return [{"text": "x", "audio_file": "a.wav"} for _ in range(count)]
