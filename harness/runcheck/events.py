"""TensorBoard event files read as TFRecords, decoded with tensorboard's own protobufs.

A Coqui Trainer run logs every scalar (``TrainIterStats/current_lr``, ``.../loss``,
``EvalStats/avg_loss``, ...) as one ``Event`` record of an ``events.out.tfevents.*`` file:
TFRecord framing (length, masked CRC of the length, data, masked CRC of the data) around a
serialized ``tensorboard.Event``. What was measured on 100k logged batches (700k records,
``benchmarks/bench_check_run.py``): tensorboard's ``EventFileLoader`` ~90 s, tbparse ~30 s
(pandas on top of tensorboard's loaders), tensorboard's ``RawEventFileLoader`` + ``Event``
decoding ~14 s (it checks both CRCs in pure Python), decoding every record here ~25 s of
Python per-object work. So this module:

1. frames the records with ``struct`` (no CRC check: a torn record is detected by its
   length, and the run's own writer wrote them);
2. finds the records of the wanted tags by the tag's protobuf encoding (field 1 of
   ``Summary.Value``: ``0x0a``, length, the tag's bytes), which every record holding that
   tag contains, in one C-speed scan of the file;
3. for scalars stored as ``simple_value`` (what torch's and tensorboard's writers emit),
   reads step and value of all those records at once with numpy from their fixed places
   in the encoding (``wall_time`` fixed64, ``step`` varint, then the summary), and checks
   that reading against ``event_pb2.Event`` on a sample of each tag's records (first,
   last, spread between); any record the layout does not fit, any tag whose sample
   disagrees, and any other value kind is decoded by protobuf instead.

A record that is not complete yet (a live run is writing it) stops the read at its start, so
``EventTail`` continues from there on the next poll.
"""

from __future__ import annotations

import re
import struct
from array import array
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

_HEADER = struct.Struct("<QI")  # record length, masked CRC32C of the length
_FOOTER_SIZE = 4  # masked CRC32C of the data
EVENT_GLOB = "events.out.tfevents.*"
SAMPLE = 32  # records per tag checked against protobuf
_WALL_TIME, _STEP, _SIMPLE_VALUE = 0x09, 0x10, 0x15  # protobuf keys: field << 3 | wire type


@dataclass
class Scalars:
    """Scalar series by tag: (steps, values) arrays, in the order they were read."""

    steps: dict[str, list[np.ndarray]] = field(default_factory=dict)
    values: dict[str, list[np.ndarray]] = field(default_factory=dict)

    def extend(self, tag: str, steps: np.ndarray, values: np.ndarray) -> None:
        if len(steps):
            self.steps.setdefault(tag, []).append(np.asarray(steps, dtype=np.int64))
            self.values.setdefault(tag, []).append(np.asarray(values, dtype=np.float64))

    def tags(self) -> list[str]:
        return sorted(self.steps)

    def series(self, tag: str) -> tuple[np.ndarray, np.ndarray]:
        """Steps (int64) and values (float64) of ``tag``, sorted by step; empty if absent."""
        if tag not in self.steps:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        steps = np.concatenate(self.steps[tag])
        values = np.concatenate(self.values[tag])
        order = np.argsort(steps, kind="stable")
        return steps[order], values[order]

    def count(self) -> int:
        return sum(len(part) for parts in self.steps.values() for part in parts)


def frame(data: bytes) -> tuple[np.ndarray, np.ndarray, int]:
    """Start and length of each complete record's data, and the offset after the last."""
    starts = array("q")
    offset, end = 0, len(data)
    unpack, header, extra = _HEADER.unpack_from, _HEADER.size, _HEADER.size + _FOOTER_SIZE
    append = starts.append
    while offset + header <= end:
        stop = offset + extra + unpack(data, offset)[0]
        if stop > end:
            break  # being written
        append(offset + header)
        offset = stop
    begin = np.frombuffer(starts, dtype=np.int64)
    # each record's data ends a footer and the next header before the next record's data
    lengths = np.append(begin[1:], offset + header) - begin - extra
    return begin, lengths, offset


def read_scalars(data: bytes, tags: tuple[str, ...] | None, into: Scalars) -> int:
    """Add the scalars of ``tags`` (None: every tag) in ``data``'s complete records to
    ``into``; return the offset after the last complete record."""
    starts, lengths, used = frame(data)
    if tags is None:
        _decode(data, starts, lengths, np.arange(len(starts)), None, into)
        return used
    raw = np.frombuffer(data, dtype=np.uint8)
    for tag in tags:
        records = _records_with(data, starts, tag)
        if len(records):
            _read_tag(data, raw, starts, lengths, records, tag, into)
    return used


def _records_with(data: bytes, starts: np.ndarray, tag: str) -> np.ndarray:
    """Indexes of the records whose bytes hold ``tag`` as a Summary.Value tag field."""
    name = tag.encode()
    key = bytes([0x0A]) + _varint(len(name)) + name
    found = np.fromiter((m.start() for m in re.finditer(re.escape(key), data)), dtype=np.int64)
    records = np.searchsorted(starts, found, side="right") - 1  # sorted, as found is
    return records[np.append(True, records[1:] != records[:-1])] if len(records) else records


def _read_tag(data: bytes, raw: np.ndarray, starts: np.ndarray, lengths: np.ndarray,
              records: np.ndarray, tag: str, into: Scalars) -> None:  # fmt: skip
    fast, steps, values = _layout(data, raw, starts[records], lengths[records], tag)
    if fast.any() and _sample_agrees(data, starts, lengths, records[fast], tag,
                                     steps[fast], values[fast]):  # fmt: skip
        into.extend(tag, steps[fast], values[fast])
        records = records[~fast]
    if len(records):
        _decode(data, starts, lengths, records, tag, into)


def _layout(data: bytes, raw: np.ndarray, begin: np.ndarray, size: np.ndarray, tag: str
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Step and simple_value of records laid out as the writers lay out one scalar:
    wall_time, step (absent when 0), summary { value { tag, simple_value } }; ``fast``
    marks the records that have that layout."""
    name = tag.encode()
    tail = bytes([0x0A]) + _varint(len(name)) + name + bytes([_SIMPLE_VALUE])
    n = len(begin)
    fast = (size >= 9 + len(tail) + 4) & (raw[np.minimum(begin, len(raw) - 1)] == _WALL_TIME)
    steps = np.zeros(n, dtype=np.int64)
    at = begin + 9  # after wall_time
    has_step = fast & (raw[np.minimum(at, len(raw) - 1)] == _STEP)
    done = ~has_step
    for byte in range(10):  # a varint: 7 bits a byte, low first, high bit set on all but last
        part = raw[np.minimum(at + 1 + byte, len(raw) - 1)].astype(np.int64)
        live = ~done
        steps[live] |= (part[live] & 0x7F) << (7 * byte)
        done |= live & (part < 0x80)
        if done.all():
            break
    fast &= done
    # the value follows the tag at the end of the record: tag bytes, 0x15, 4 bytes float32
    value_at = begin + size - 4
    fast &= _ends_with(raw, value_at, tail)
    picks = (value_at[:, None] + np.arange(4)).clip(0, len(raw) - 1)
    values = raw[picks].copy().view("<f4").reshape(-1).astype(np.float64)
    return fast, steps, values


def _ends_with(raw: np.ndarray, value_at: np.ndarray, tail: bytes) -> np.ndarray:
    want = np.frombuffer(tail, dtype=np.uint8)
    picks = (value_at[:, None] - len(tail) + np.arange(len(tail))).clip(0, len(raw) - 1)
    return (raw[picks] == want).all(axis=1)


def _sample_agrees(data: bytes, starts: np.ndarray, lengths: np.ndarray, records: np.ndarray,
                   tag: str, steps: np.ndarray, values: np.ndarray) -> bool:  # fmt: skip
    from tensorboard.compat.proto.event_pb2 import Event

    picks = np.unique(np.linspace(0, len(records) - 1, min(SAMPLE, len(records))).astype(int))
    for pick in picks.tolist():
        start = int(starts[records[pick]])
        event = Event.FromString(data[start : start + int(lengths[records[pick]])])
        found = [v.simple_value for v in event.summary.value if v.tag == tag]
        same = np.float32(found[0]) == np.float32(values[pick]) if found else False
        if event.step != steps[pick] or not (same or (found and found[0] != found[0])):
            return False
    return True


def _decode(data: bytes, starts: np.ndarray, lengths: np.ndarray, records: np.ndarray,
            tag: str | None, into: Scalars) -> None:  # fmt: skip
    """The general path: every chosen record decoded by protobuf."""
    from tensorboard.compat.proto.event_pb2 import Event

    found: dict[str, tuple[list[int], list[float]]] = {}
    for index in records.tolist():
        start = int(starts[index])
        event = Event.FromString(data[start : start + int(lengths[index])])
        for value in event.summary.value:
            number = _scalar(value)
            if number is not None and (tag is None or value.tag == tag):
                steps, values = found.setdefault(value.tag, ([], []))
                steps.append(event.step)
                values.append(number)
    for name, (steps, values) in found.items():
        into.extend(name, np.asarray(steps), np.asarray(values))


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


def _varint(number: int) -> bytes:
    out = bytearray()
    while True:
        low, number = number & 0x7F, number >> 7
        out.append(low | (0x80 if number else 0))
        if not number:
            return bytes(out)


class EventTail:
    """Every event file of a run folder, read incrementally (``poll`` reads what is new).

    ``tags``: the scalar tags to read (None: all of them).
    """

    def __init__(self, folder: Path, tags: tuple[str, ...] | None = None):
        self.folder = Path(folder)
        self.tags = tags
        self.scalars = Scalars()
        self._offsets: dict[Path, int] = {}

    def files(self) -> list[Path]:
        return sorted(self.folder.glob(EVENT_GLOB))

    def poll(self) -> int:
        """Read the records written since the last poll; return how many values were new."""
        before = self.scalars.count()
        for path in self.files():
            start = self._offsets.get(path, 0)
            try:
                with path.open("rb") as handle:
                    handle.seek(start)
                    data = handle.read()
            except OSError:
                continue
            self._offsets[path] = start + read_scalars(data, self.tags, self.scalars)
        return self.scalars.count() - before


__all__ = ["EVENT_GLOB", "EventTail", "Scalars", "frame", "read_scalars"]
