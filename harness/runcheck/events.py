"""TensorBoard event files read as TFRecords through tensorboard's own protobufs.

A Coqui Trainer run logs every scalar (``TrainIterStats/current_lr``, ``.../loss``,
``EvalStats/avg_loss``, ...) as one ``Event`` record of an ``events.out.tfevents.*`` file.
The records are framed as TFRecords (length, masked CRC of the length, data, masked CRC of
the data). tensorboard's reader (``event_file_loader``) does the same framing without
TensorFlow, but checks both CRCs in pure Python, which is most of its time (12 s for 700k
records against well under a second here; ``benchmarks/bench_check_run.py``). This reader
frames the records with ``struct``, decodes each with tensorboard's ``event_pb2.Event``
(the upb protobuf runtime) and keeps only scalar values. A record that is not complete yet
(a live run is writing it) stops the read at its start, so ``EventTail`` can continue from
there on the next poll.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

_HEADER = struct.Struct("<QI")  # record length, masked CRC32C of the length
_FOOTER_SIZE = 4  # masked CRC32C of the data
EVENT_GLOB = "events.out.tfevents.*"


@dataclass
class Scalars:
    """Scalar series by tag: (steps, values), in the order they were written."""

    steps: dict[str, list[int]] = field(default_factory=dict)
    values: dict[str, list[float]] = field(default_factory=dict)

    def add(self, tag: str, step: int, value: float) -> None:
        self.steps.setdefault(tag, []).append(step)
        self.values.setdefault(tag, []).append(value)

    def tags(self) -> list[str]:
        return sorted(self.steps)

    def series(self, tag: str) -> tuple[np.ndarray, np.ndarray]:
        """Steps (int64) and values (float64) of ``tag``, sorted by step; empty if absent."""
        steps = np.asarray(self.steps.get(tag, []), dtype=np.int64)
        values = np.asarray(self.values.get(tag, []), dtype=np.float64)
        order = np.argsort(steps, kind="stable")
        return steps[order], values[order]

    def count(self) -> int:
        return sum(len(v) for v in self.steps.values())


def read_records(data: bytes, start: int = 0) -> tuple[list[bytes], int]:
    """The complete records of ``data`` from ``start``, and the offset after the last one."""
    records: list[bytes] = []
    offset, end = start, len(data)
    unpack = _HEADER.unpack_from
    while offset + _HEADER.size <= end:
        (length, _) = unpack(data, offset)
        stop = offset + _HEADER.size + length + _FOOTER_SIZE
        if stop > end:
            break  # being written
        records.append(data[offset + _HEADER.size : stop - _FOOTER_SIZE])
        offset = stop
    return records, offset


def add_scalars(
    records: list[bytes], into: Scalars, wanted: tuple[bytes, ...] | None = None
) -> None:
    """Decode ``records`` as tensorboard Events and add their scalar values to ``into``.

    ``wanted``: byte strings (parts of tag names); a record containing none of them is not
    decoded. A tag name is stored in the record as plain bytes, so this only skips records
    that cannot hold a wanted tag; what is kept is still decoded and named by protobuf.
    """
    from tensorboard.compat.proto.event_pb2 import Event

    parse = Event.FromString
    for record in records:
        if wanted is not None and not any(part in record for part in wanted):
            continue
        event = parse(record)
        for value in event.summary.value:
            number = _scalar(value)
            if number is not None:
                into.add(value.tag, event.step, number)


def _scalar(value: object) -> float | None:
    kind = value.WhichOneof("value")  # type: ignore[attr-defined]
    if kind == "simple_value":
        return float(value.simple_value)  # type: ignore[attr-defined]
    if kind == "tensor":  # new-style scalar summaries: a 0-d float tensor
        tensor = value.tensor  # type: ignore[attr-defined]
        if tensor.float_val:
            return float(tensor.float_val[0])
        if tensor.double_val:
            return float(tensor.double_val[0])
    return None


class EventTail:
    """Every event file of a run folder, read incrementally (``poll`` reads what is new)."""

    def __init__(self, folder: Path, wanted: tuple[bytes, ...] | None = None):
        self.folder = Path(folder)
        self.wanted = wanted
        self.scalars = Scalars()
        self._offsets: dict[Path, int] = {}

    def files(self) -> list[Path]:
        return sorted(self.folder.glob(EVENT_GLOB))

    def poll(self) -> int:
        """Read the records written since the last poll; return how many were new."""
        before = self.scalars.count()
        for path in self.files():
            start = self._offsets.get(path, 0)
            try:
                with path.open("rb") as handle:
                    handle.seek(start)
                    data = handle.read()
            except OSError:
                continue
            records, used = read_records(data)
            self._offsets[path] = start + used
            add_scalars(records, self.scalars, self.wanted)
        return self.scalars.count() - before


__all__ = ["EVENT_GLOB", "EventTail", "Scalars", "add_scalars", "read_records"]
