"""Run an audit or vocab-check case as a user would: write its files, then the command.

A case is a command line (``xtts-harness audit config.toml --dataset data ...`` or
``xtts-harness vocab-check base.json extended.json ...``) and files by name. The files are
written into a fresh folder the way ``harness.audit.code_docs`` describes them: audio that a
metadata row names is generated (``NAME_<seconds>s.wav`` a silent 22050 Hz clip that long,
1 s without a length; ``missing.wav`` absent, ``corrupt.wav`` random bytes,
``truncated.wav`` 2 s cut to half of its file), a vocab file is completed from the XTTS v2
release vocab (only ``added_tokens``, ``model.vocab`` and ``model.merges`` are given), and
``config.toml`` is ``epochs = 10`` unless given. The result is the codes ``--format json``
reports, with their findings.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
from pathlib import Path

import numpy as np
import soundfile as sf

from harness.cli import main
from harness.release import RELEASE_VOCAB

RATE = 22050
_BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.S)
_SECONDS = re.compile(r"_(\d+(?:\.\d+)?)s\.wav$")


def doc_case(section: str, base: dict[str, str] | None = None) -> tuple[str | None, dict]:
    """The command and files of a doc section's blocks (over ``base``, the Example's)."""
    files = dict(base or {})
    command = None
    for kind, body in _BLOCK.findall(section):
        if kind == "console":
            command = body.strip().removeprefix("$ ").replace("\\\n", " ")
            continue
        name, _, content = body.partition("\n")
        files[name.removeprefix("# ").strip()] = content
    return command, files


def run_case(folder: Path, command: str, files: dict[str, str], monkeypatch) -> dict[str, list]:
    """Findings by code of ``command`` run in ``folder`` on ``files``."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {"config.toml": "epochs = 10\n", **files}
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        text = _vocab(content) if name.endswith(".json") else content
        path.write_text(text, encoding="utf-8")
        if name.endswith(".csv"):
            _audio_of(path)
    argv = shlex.split(command)
    assert argv[0] == "xtts-harness", command
    monkeypatch.chdir(folder)
    out = folder / "out.json"
    code = main([*argv[1:], "--format", "json", "-o", str(out)])
    assert code in (0, 1), f"{command}: exit {code}"
    found: dict[str, list] = {}
    for finding in json.loads(out.read_text(encoding="utf-8"))["findings"]:
        found.setdefault(finding["code"], []).append(finding)
    return found


def _vocab(content: str) -> str:
    given = json.loads(content)
    data = json.loads(Path(RELEASE_VOCAB).read_text(encoding="utf-8"))
    vocab = given["model"]["vocab"]
    data["model"]["vocab"] = vocab
    data["model"]["merges"] = given["model"]["merges"]
    data["added_tokens"] = [
        {
            "id": vocab[token],
            "special": True,
            "content": token,
            "single_word": False,
            "lstrip": False,
            "rstrip": False,
            "normalized": False,
        }
        for token in given["added_tokens"]
    ]
    return json.dumps(data, ensure_ascii=False)


def _audio_of(metadata: Path) -> None:
    rows = csv.DictReader(io.StringIO(metadata.read_text(encoding="utf-8")), delimiter="|")
    for row in rows:
        name = row.get("audio_file") or ""
        if not name or name.startswith("/") or "\\" in name:
            continue  # paths the dataset cannot reach: nothing to generate
        path = metadata.parent / name
        path.parent.mkdir(parents=True, exist_ok=True)
        _clip(path)


def _clip(path: Path) -> None:
    if path.name == "missing.wav":
        return
    if path.name == "corrupt.wav":
        path.write_bytes(np.random.default_rng(0).bytes(4000))
        return
    match = _SECONDS.search(path.name)
    seconds = float(match.group(1)) if match else 1.0
    if path.name == "truncated.wav":
        seconds = 2.0  # half of it is left: still long enough to train on
    sf.write(path, np.zeros(int(RATE * seconds), dtype=np.int16), RATE, subtype="PCM_16")
    if path.name == "truncated.wav":
        path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
