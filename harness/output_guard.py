"""An output never lands on an input: ``-o FILE`` is refused when it is a file the command reads.

Two checks, one rule ("same file" means the same real path, or the same inode on the same
device, so a hard link or a symlink to an input is the input):

- ``refuse_output_over_inputs(output, inputs)``: every command calls it first, with the
  files and folders named on its command line (config, vocab, dataset, spec, storage), so
  nothing runs when ``-o`` names one of them.
- ``watch_reads(outputs)``: the CLI wraps each command in it. A Python audit hook (PEP 578)
  sees every file the process opens for reading, so the files a command finds by itself
  (a run folder's config.json, the config's dataset and vocab, an imported sibling module,
  the spec's base config) count as inputs too; ``emit`` asks ``refuse_if_read`` before it
  writes. The hook compares inodes only while a watch is active and never raises.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from harness.errors import HarnessError

PathLike = str | os.PathLike[str]
# What an audit hook's "open" event may name: bytes paths too.
AnyPath = str | bytes | os.PathLike[str] | os.PathLike[bytes]


@dataclass
class _Watch:
    targets: dict[tuple[int, int], str]  # (st_dev, st_ino) of an existing output -> option
    hits: dict[str, str] = field(default_factory=dict)  # option -> the input path read


_ACTIVE: _Watch | None = None
_HOOKED = False


def _identity(path: AnyPath) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except (OSError, ValueError):
        return None
    return stat.st_dev, stat.st_ino


def _real(path: PathLike) -> str:
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):
        return os.path.abspath(path)


def same_file(a: PathLike, b: PathLike) -> bool:
    """The same file: one real path, or one inode (hard links, bind mounts)."""
    if _real(a) == _real(b):
        return True
    first, second = _identity(a), _identity(b)
    return first is not None and first == second


def refuse_output_over_inputs(
    output: PathLike | None, inputs: Iterable[PathLike | None], *, option: str = "-o"
) -> None:
    """Raise a one-line HarnessError when ``output`` is one of ``inputs`` (or a file in an
    input folder that the command will read, which ``refuse_if_read`` catches later)."""
    if not output:
        return
    for given in inputs:
        if given and same_file(output, given):
            raise _overwrite_error(option, output, given)


def refuse_if_read(output: PathLike | None, *, option: str = "-o") -> None:
    """Raise when the running command has read ``output`` (see ``watch_reads``)."""
    if not output or _ACTIVE is None:
        return
    read = _ACTIVE.hits.get(option)
    if read is not None:
        raise _overwrite_error(option, output, read)


def _overwrite_error(option: str, output: PathLike, given: PathLike) -> HarnessError:
    shown = os.fsdecode(output).encode("utf-8", "backslashreplace").decode("utf-8")
    source = os.fsdecode(given).encode("utf-8", "backslashreplace").decode("utf-8")
    return HarnessError(
        f"{option} {shown} is an input of this command ({source}); writing it would destroy it",
        fix=f"write the output elsewhere, e.g. {option} report.out",
    )


@contextmanager
def watch_reads(outputs: dict[str, PathLike | None]) -> Iterator[None]:
    """While the block runs, note any read of an existing output file (option -> path)."""
    global _ACTIVE
    targets = {}
    for option, path in outputs.items():
        identity = _identity(path) if path else None
        if identity is not None:
            targets[identity] = option
    _install_hook()
    previous, _ACTIVE = _ACTIVE, _Watch(targets)
    try:
        yield
    finally:
        _ACTIVE = previous


def _install_hook() -> None:
    global _HOOKED
    if not _HOOKED:
        sys.addaudithook(_on_event)
        _HOOKED = True


_WRITE_ONLY = os.O_WRONLY


def _on_event(event: str, args: tuple) -> None:
    watch = _ACTIVE
    if watch is None or not watch.targets:
        return
    if event == "open":
        path, mode, flags = args
        if isinstance(mode, str):
            reading = "r" in mode or "+" in mode
        else:
            reading = isinstance(flags, int) and (flags & os.O_ACCMODE) != _WRITE_ONLY
    elif event == "sqlite3.connect":
        path, reading = args[0], True
    else:
        return
    if not reading or not isinstance(path, (str, bytes, os.PathLike)):
        return
    identity = _identity(path)
    if identity in watch.targets:
        watch.hits.setdefault(watch.targets[identity], os.fsdecode(path))
