"""What the readers produce: metadata rows as the trainer's formatter sees them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

FORMATTERS = ("coqui", "ljspeech")
SPLITS = ("train", "eval")


@dataclass(frozen=True, slots=True)
class Sample:
    """One metadata row, with the text and audio path the formatter hands the dataset."""

    split: str  # "train" or "eval"
    file: str  # the metadata file, as the user named it
    line: int  # 1-based line of the row in that file
    audio_file: str  # the path as written in the metadata
    audio_path: str  # what the formatter opens: os.path.join(root, audio_file)
    text: str  # str(row["text"]) as the dataset sees it ("None" for a missing column)
    speaker: str | None = None
    columns: int = 0  # fields in the row
    expected_columns: int | None = None  # fields in the header (coqui); None: no header
    text_missing: bool = False  # the row has no text column at all

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class Metadata:
    """One metadata file read with one formatter."""

    path: Path
    split: str
    formatter: str
    samples: list[Sample] = field(default_factory=list)


@dataclass(frozen=True)
class DatasetSource:
    """Where a dataset is: its root (paths are relative to it) and its metadata files."""

    root: Path
    formatter: str
    train_file: Path
    eval_file: Path | None = None

    @property
    def files(self) -> list[tuple[str, Path]]:
        files = [("train", self.train_file)]
        if self.eval_file is not None:
            files.append(("eval", self.eval_file))
        return files
