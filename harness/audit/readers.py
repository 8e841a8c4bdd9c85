"""Dataset readers that see metadata exactly as coqui-tts's formatters do.

- ``coqui`` (what xtts-finetune-webui writes): ``audio_file|text|speaker_name`` with a
  header, read by ``csv.DictReader(delimiter="|")``; audio at ``os.path.join(root,
  audio_file)``; rows whose audio does not exist are skipped by the formatter.
- ``ljspeech``: ``id|text|normalized text`` without a header, split on ``|`` line by line;
  the text is the third column (with its line ending); audio at ``root/wavs/<id>.wav``.

A file the real formatter would crash on (not UTF-8, no header, wrong delimiter, no rows,
an LJSpeech line with fewer than 3 columns) is a ``HarnessError``: one line, exit 2.
Nothing here writes anywhere.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from harness.audit.samples import FORMATTERS, DatasetSource, Metadata, Sample
from harness.errors import HarnessError

TRAIN_NAMES = ("metadata_train.csv", "metadata.csv")
EVAL_NAMES = ("metadata_eval.csv",)
COQUI_HEADER = "audio_file|text|speaker_name"
AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg")
SHARED_NAMES = 10_000  # distinct speaker names shared as one string each
_OTHER_DELIMITERS = {",": "comma", "\t": "tab", ";": "semicolon"}


def locate(
    dataset: str | Path, eval_dataset: str | Path | None = None, formatter: str | None = None
) -> DatasetSource:
    """The dataset's root and metadata files, from a folder or a metadata file."""
    path = Path(dataset)
    if not path.exists():
        raise HarnessError(
            f"dataset {str(path)!r} does not exist",
            fix="pass the dataset folder (holding metadata_train.csv or metadata.csv) "
            "or its metadata file",
        )
    if path.is_dir():
        root, train_file = path, _first_existing(path, TRAIN_NAMES)
        if train_file is None:
            raise HarnessError(
                f"no {' or '.join(TRAIN_NAMES)} in {path}",
                fix="pass the metadata file itself, e.g. --dataset DIR/my_train.csv",
            )
        eval_file = _eval_file(root, eval_dataset)
    else:
        # A metadata file: its folder is the root; eval only from --eval-dataset.
        root, train_file = path.parent, path
        eval_file = _given_eval_file(eval_dataset) if eval_dataset is not None else None
    chosen = formatter or detect_formatter(train_file)
    if chosen not in FORMATTERS:
        raise HarnessError(f"unknown formatter {chosen!r}", fix=f"use one of {FORMATTERS}")
    return DatasetSource(root=root, formatter=chosen, train_file=train_file, eval_file=eval_file)


def _first_existing(folder: Path, names: tuple[str, ...]) -> Path | None:
    return next((folder / n for n in names if (folder / n).is_file()), None)


def _eval_file(root: Path, eval_dataset: str | Path | None) -> Path | None:
    """The eval file of a dataset folder: --eval-dataset, else its metadata_eval.csv."""
    if eval_dataset is None:
        return _first_existing(root, EVAL_NAMES)
    return _given_eval_file(eval_dataset)


def _given_eval_file(eval_dataset: str | Path) -> Path:
    path = Path(eval_dataset)
    if path.is_dir():
        found = _first_existing(path, EVAL_NAMES)
        if found is None:
            raise HarnessError(
                f"no {EVAL_NAMES[0]} in {path}", fix="pass the eval metadata file itself"
            )
        return found
    if not path.is_file():
        raise HarnessError(
            f"eval dataset {str(path)!r} does not exist", fix="pass an existing metadata file"
        )
    return path


def detect_formatter(path: Path) -> str:
    """coqui when the first line is a header with audio_file, else ljspeech."""
    first = _first_line(path).lstrip("\ufeff")
    fields = first.split("|")
    if "audio_file" in fields:
        return "coqui"
    if len(fields) >= 3 and not _looks_like_audio_path(fields[0]):
        return "ljspeech"
    raise _header_error(path, first, "audio_file|text|speaker_name or id|text|normalized text")


def read(source: DatasetSource) -> list[Metadata]:
    """Every metadata file of the dataset, train first, held in memory (small files)."""
    metadata = []
    for split, path in source.files:
        meta = Metadata(path=path, split=split, formatter=source.formatter)
        meta.samples = list(_file_rows(source.formatter, path, source.root, split))
        metadata.append(meta)
    return metadata


def stream(source: DatasetSource) -> Iterator[Sample]:
    """Every row of the dataset, train file first, one at a time (memory of one row)."""
    for split, path in source.files:
        yield from _file_rows(source.formatter, path, source.root, split)


def _file_rows(formatter: str, path: Path, root: Path, split: str) -> Iterator[Sample]:
    if formatter == "coqui":
        with _open_text(path, newline="") as handle:
            yield from _coqui(handle, path, root, split)
    else:
        with _open_text(path, newline=None) as handle:
            yield from _ljspeech(handle, path, root, split)


def read_coqui(path: Path, root: Path, split: str) -> Metadata:
    """Rows as ``TTS.tts.datasets.formatters.coqui`` reads them (before its exists check)."""
    meta = Metadata(path=path, split=split, formatter="coqui")
    meta.samples = list(_file_rows("coqui", path, root, split))
    return meta


def _coqui(handle: TextIO, path: Path, root: Path, split: str) -> Iterator[Sample]:
    first_line = handle.readline().rstrip("\r\n")
    handle.seek(0)
    if first_line.startswith("\ufeff"):
        raise HarnessError(
            "starts with a UTF-8 byte-order mark: the coqui formatter reads the first "
            "column as '\\ufeffaudio_file' and fails its header assertion",
            where=str(path),
            fix="save the file as UTF-8 without BOM",
        )
    reader = csv.DictReader(handle, delimiter="|")
    fields = reader.fieldnames or []
    if "audio_file" not in fields or "text" not in fields:
        raise _header_error(path, first_line, COQUI_HEADER)
    # Rows naming one speaker share one string for it (records kept for the report hold
    # a reference each); bounded, so a file of distinct names cannot grow it without end.
    speakers: dict[str, str] = {}
    file, folder, rows = str(path), str(root), 0
    for row in _rows(reader, path):
        extra = row.get(None) or []
        columns = sum(1 for name in fields if row.get(name) is not None) + len(extra)
        audio_file = row["audio_file"]
        speaker = row.get("speaker_name")
        if speaker is not None and len(speakers) < SHARED_NAMES:
            speaker = speakers.setdefault(speaker, speaker)
        rows += 1
        yield Sample(
            split=split,
            file=file,
            line=reader.line_num,
            audio_file=audio_file,
            audio_path=os.path.join(folder, audio_file),
            text=str(row["text"]),  # XTTSDataset: str(sample["text"])
            speaker=speaker,
            columns=columns,
            expected_columns=len(fields),
            text_missing=row["text"] is None,
        )
    if not rows:
        raise HarnessError(
            "has a header but no rows: the coqui formatter fails on metadata[0]",
            where=str(path),
            fix="add audio_file|text|speaker_name rows",
        )


def _rows(reader: csv.DictReader, path: Path) -> Iterator[dict]:
    """The reader's rows; a row the csv module cannot read is one line, not a traceback."""
    try:
        yield from reader
    except csv.Error as error:  # e.g. a field over csv.field_size_limit() (128 KiB)
        raise HarnessError(
            f"the csv module cannot read this row ({error}); the coqui formatter fails on it",
            where=f"{path}:{reader.line_num}",
            fix="check the row's quotes and length (one field may hold at most 128 KiB)",
        ) from None


def read_ljspeech(path: Path, root: Path, split: str) -> Metadata:
    """Rows as ``TTS.tts.datasets.formatters.ljspeech`` reads them."""
    meta = Metadata(path=path, split=split, formatter="ljspeech")
    meta.samples = list(_file_rows("ljspeech", path, root, split))
    return meta


def _ljspeech(handle: TextIO, path: Path, root: Path, split: str) -> Iterator[Sample]:
    # newline=None: universal newlines, like iterating over a file opened in text mode.
    number = 0
    for number, line in enumerate(handle, start=1):
        cols = line.split("|")
        if len(cols) < 3:
            raise HarnessError(
                f"line has {len(cols)} column(s): the ljspeech formatter needs "
                "id|text|normalized text on every line and raises IndexError",
                where=f"{path}:{number}",
                fix="fix or remove the line (a blank line counts)",
            )
        yield Sample(
            split=split,
            file=str(path),
            line=number,
            audio_file=cols[0],
            audio_path=os.path.join(str(root), "wavs", cols[0] + ".wav"),
            text=cols[2],  # the normalized text, line ending included, as the formatter
            speaker="ljspeech",
            columns=len(cols),
        )
    if not number:
        raise HarnessError("is empty", where=str(path), fix="add id|text|normalized text lines")


def _check_text(path: Path) -> None:
    """The file is UTF-8 (the formatters' encoding) and not blank; a clear error where not.

    Read line by line, so that the check costs a line's memory, not the file's.
    """
    from harness.plan.loaders.text import refuse_special_file

    refuse_special_file(path, str(path))  # a FIFO in the dataset would block the read
    blank = True
    try:
        with path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError as error:
                    raise HarnessError(
                        f"not UTF-8 (byte 0x{raw[error.start]:02x} on line {number}); the "
                        "formatters open metadata as UTF-8 and crash",
                        where=f"{path}:{number}",
                        fix="re-save the file as UTF-8",
                    ) from None
                blank = blank and not raw.strip()
    except OSError as error:
        raise HarnessError(
            f"cannot read: {error.strerror}", where=str(path), fix="check the path"
        ) from None
    if blank:
        raise HarnessError("is empty", where=str(path), fix="write the metadata rows")


def _open_text(path: Path, newline: str | None) -> TextIO:
    """The checked file, opened for streaming (rows are read one at a time)."""
    _check_text(path)
    try:
        return path.open(encoding="utf-8", newline=newline)
    except OSError as error:
        raise HarnessError(
            f"cannot read: {error.strerror}", where=str(path), fix="check the path"
        ) from None


def _first_line(path: Path) -> str:
    with _open_text(path, newline="") as handle:
        return handle.readline().rstrip("\r\n")


def _header_error(path: Path, first_line: str, expected: str) -> HarnessError:
    first_line = first_line.rstrip("\r")
    for char, name in _OTHER_DELIMITERS.items():
        if char in first_line and "|" not in first_line:
            return HarnessError(
                f"wrong delimiter: the first line is {name}-separated ({first_line[:60]!r}) "
                "but the formatters split on '|'",
                where=f"{path}:1",
                fix=f"write the file with '|' between columns: {expected}",
            )
    first = first_line.split("|")[0]
    if _looks_like_audio_path(first):
        return HarnessError(
            f"header missing: the first line is a data row ({first_line[:60]!r})",
            where=f"{path}:1",
            fix=f"add the header line {COQUI_HEADER}",
        )
    return HarnessError(
        f"unrecognized header {first_line[:60]!r}: no audio_file and text columns",
        where=f"{path}:1",
        fix=f"the first line must be {expected}",
    )


def _looks_like_audio_path(text: str) -> bool:
    lowered = text.strip().lower()
    return lowered.endswith(AUDIO_SUFFIXES) or "/" in lowered or "\\" in lowered
