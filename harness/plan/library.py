"""Which TTS, trainer, torch and torchaudio a repository really runs, and why we think so.

Read from the repository, never from what is installed where the linter runs:

1. ``--library NAME VERSION`` (``override``) wins;
2. a vendored ``trainer/`` or ``TTS/`` beside the script or at the repository root (its
   version read from its ``VERSION`` file or ``__version__``), or a repository's own copy of
   the training loop under another folder name (``trainer_alltalk/trainer.py``);
3. pins in ``requirements*.txt``, ``pyproject.toml`` or ``setup.py``, resolved through the
   wheels' own requirements (``library_pins.json``, with its provenance): a requirement
   without ``==`` gets the newest release that satisfies it, as a fresh install would today.

Each result is a plan fact (``trainer_library``, ``tts_library``, ``torch_version``, ...) whose
Source names the file and line it was read from and, in its key, the reasoning.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from harness.plan.requirements import Pin, decode_source, read_pins
from harness.plan.source import Setting, Source

DATA = Path(__file__).with_name("library_pins.json")
TTS_NAMES = ("coqui-tts", "tts")  # canonical names: the idiap fork, coqui-ai's original
TRAINER_NAMES = ("coqui-tts-trainer", "trainer")
_DISPLAY = {"tts": "TTS", "coqui-tts": "coqui-tts", "trainer": "trainer"}


@dataclass
class LibraryReading:
    """The library facts of one repository and the defaults table they point at."""

    facts: dict[str, Setting] = field(default_factory=dict)
    table: str | None = None  # "coqui-tts 0.24.2" when the TTS version has a defaults table
    notes: list[str] = field(default_factory=list)

    def put(self, key: str, value: Any, source: Source) -> None:
        self.facts[key] = Setting(key, value, source)


@cache
def pin_data() -> dict[str, Any]:
    return json.loads(DATA.read_text(encoding="utf-8"))


def read_library(
    root: Path, script_dir: Path, override: tuple[str, str] | None = None
) -> LibraryReading:
    """What ``root``'s repository installs and vendors; ``script_dir`` is searched first."""
    reading = LibraryReading()
    pins = read_pins(root)
    bases = list(dict.fromkeys([script_dir, root]))
    _vendored(reading, bases, root)
    _copies(reading, bases, root)
    _pinned(reading, pins, root)
    if override is not None:
        apply_override(reading, *override)
    _check_loading(reading, bases, root)
    reading.notes = reading_notes(reading)
    return reading


def _where(path: Path, root: Path, line: int | None, why: str) -> Source:
    try:
        shown = str(path.relative_to(root))
    except ValueError:
        shown = path.name
    return Source(file=shown, key=why, line=line)


# --- vendored packages and copies -----------------------------------------------------------


def _vendored(reading: LibraryReading, bases: list[Path], root: Path) -> None:
    for base in bases:
        trainer = base / "trainer"
        loop = trainer / "trainer.py"
        if "trainer_library" not in reading.facts and loop.is_file() and epoch_stepping(loop):
            version = source_version(trainer)
            name = _trainer_name(version)
            reading.put(
                "trainer_library",
                name,
                _where(trainer / "trainer.py", root, None, f"vendored trainer/ ({name})"),
            )
        tts = base / "TTS"
        if "tts_library" not in reading.facts and (tts / "tts").is_dir():
            version = source_version(tts)
            name = _vendored_tts_name(version)
            reading.put("tts_library", name, _where(tts, root, None, f"vendored TTS/ ({name})"))
            reading.table = name if _has_table(name) else None


def _vendored_tts_name(version: str | None) -> str:
    """coqui-ai's TTS ends at 0.22.0; the idiap fork (same import name) continues after it."""
    if version is None:
        return "TTS (vendored, version not stated)"
    try:
        fork = Version(version) > Version("0.22.0")
    except InvalidVersion:
        fork = False
    return f"coqui-tts {version}" if fork else f"TTS {version}"


def _trainer_name(version: str | None) -> str:
    if version is None:
        return "trainer (vendored, version not stated)"
    try:
        old = Version(version) < Version("0.1")
    except InvalidVersion:
        old = True
    return f"trainer {version}" if old else f"coqui-tts-trainer {version}"


def source_version(package: Path) -> str | None:
    """A vendored package's version: its VERSION file, else ``__version__`` in __init__."""
    version_file = package / "VERSION"
    if version_file.is_file():
        text = decode_source(version_file.read_bytes()).strip()
        if re.fullmatch(r"[\w.+-]+", text):
            return text
    init = package / "__init__.py"
    if init.is_file():
        match = re.search(
            r"^__version__\s*=\s*['\"]([^'\"]+)['\"]", decode_source(init.read_bytes()), re.M
        )
        if match:
            return match.group(1)
    return None


def _copies(reading: LibraryReading, bases: list[Path], root: Path) -> None:
    """A training loop copied under another folder name (alltalk_tts's trainer_alltalk/)."""
    if "trainer_library" in reading.facts:
        return
    for base in bases:
        for folder in sorted(p for p in base.iterdir() if p.is_dir() and p.name != "trainer"):
            loop = folder / "trainer.py"
            if "trainer" not in folder.name.lower() or not loop.is_file():
                continue
            stepping = epoch_stepping(loop)
            if stepping is None:
                continue
            name = f"{folder.name}/trainer.py (repository copy)"
            why = f"own training loop {name}: {stepping}"
            reading.put("trainer_library", name, _where(loop, root, None, why))
            return


def epoch_stepping(loop: Path) -> str | None:
    """How a copied ``train_epoch`` steps a per-epoch scheduler, read from its source."""
    try:
        tree = ast.parse(loop.read_bytes())
    except (SyntaxError, ValueError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == "train_epoch":
            calls = [
                n
                for n in ast.walk(node)
                if isinstance(n, ast.Call)
                and isinstance(n.func, ast.Attribute)
                and n.func.attr == "step"
                and "scheduler" in ast.unparse(n.func.value)
            ]
            if not calls:
                return "train_epoch never steps a scheduler"
            return "train_epoch steps the per-epoch scheduler every epoch"
    return None


# --- pins -----------------------------------------------------------------------------------


def _pinned(reading: LibraryReading, pins: list[Pin], root: Path) -> None:
    by_name = {pin.name: pin for pin in pins}
    if pins:
        names = sorted({pin.name for pin in pins} | _extras_installed(pins))
        first = pins[0]
        reading.put(
            "installed_packages", names, _where(first.file, root, None, "requirements read")
        )
    tts = next((by_name[n] for n in TTS_NAMES if n in by_name), None)
    tts_version = None
    if tts is not None and "tts_library" not in reading.facts:
        tts_version = newest(tts.name, tts.specifier)
        if tts_version is not None:
            name = f"{_DISPLAY[tts.name]} {tts_version}"
            why = _resolved_why(tts, tts_version)
            reading.put("tts_library", name, _where(tts.file, root, tts.line, why))
            reading.table = name if _has_table(name) else None
    _pinned_trainer(reading, by_name, tts, tts_version, root)
    for package in ("torch", "torchaudio"):
        _pinned_torch(reading, package, by_name, tts, tts_version, root)
    _match_torchaudio(reading, by_name)


def _match_torchaudio(reading: LibraryReading, by_name: dict[str, Pin]) -> None:
    """Each torchaudio release requires the torch of its own minor version: an unpinned
    torchaudio follows a pinned torch."""
    torch, audio = reading.facts.get("torch_version"), reading.facts.get("torchaudio_version")
    if torch is not None and audio is not None and "torch" not in by_name:
        # Neither pinned: pip settles on a torch that the newest torchaudio accepts.
        minor = ".".join(str(audio.value).split(".")[:2])
        version = newest("torch", SpecifierSet(f"=={minor}.*"))
        if version is not None:
            why = f"torch not pinned; torchaudio {audio.value} requires torch {minor}"
            reading.put("torch_version", version, replace(torch.source, key=why))
        return
    if torch is None or "torchaudio" in by_name or "torch" not in by_name:
        return
    minor = ".".join(str(torch.value).split(".")[:2])
    version = newest("torchaudio", SpecifierSet(f"=={minor}.*"))
    if version is not None:
        why = f"torchaudio not pinned; {version} is the release for torch {torch.value}"
        reading.put("torchaudio_version", version, replace(torch.source, key=why))


def _pinned_trainer(
    reading: LibraryReading,
    by_name: dict[str, Pin],
    tts: Pin | None,
    tts_version: str | None,
    root: Path,
) -> None:
    if "trainer_library" in reading.facts:
        return
    own = next((by_name[n] for n in TRAINER_NAMES if n in by_name), None)
    if own is not None:
        version = newest(own.name, own.specifier)
        if version is not None:
            name = f"{_DISPLAY.get(own.name, own.name)} {version}"
            reading.put(
                "trainer_library",
                name,
                _where(own.file, root, own.line, _resolved_why(own, version)),
            )
        return
    if tts is None or tts_version is None:
        return
    needs = pin_data()["requires"].get(_DISPLAY[tts.name], {}).get(tts_version, {})
    for trainer in ("coqui-tts-trainer", "trainer"):
        if trainer in needs:
            version = newest(trainer, SpecifierSet(needs[trainer]))
            if version is None:
                return
            why = (
                f"{tts.text} -> {_DISPLAY[tts.name]} {tts_version}, whose wheel requires "
                f"{trainer}{needs[trainer]} -> {trainer} {version}"
            )
            reading.put(
                "trainer_library", f"{trainer} {version}", _where(tts.file, root, tts.line, why)
            )
            return


def _pinned_torch(
    reading: LibraryReading,
    package: str,
    by_name: dict[str, Pin],
    tts: Pin | None,
    tts_version: str | None,
    root: Path,
) -> None:
    pin = by_name.get(package)
    key = f"{package}_version"
    if pin is not None:
        version = newest(package, pin.specifier)
        if version is not None:
            reading.put(key, version, _where(pin.file, root, pin.line, _resolved_why(pin, version)))
        return
    if tts is None or tts_version is None:
        return
    needs = pin_data()["requires"].get(_DISPLAY[tts.name], {}).get(tts_version, {})
    if package in needs:
        version = newest(package, SpecifierSet(needs[package]))
        if version is not None:
            wanted = f"{package}{needs[package]}"
            why = f"{package} not pinned; {tts.text} requires {wanted} -> {version}"
            reading.put(key, version, _where(tts.file, root, tts.line, why))


def _extras_installed(pins: list[Pin]) -> set[str]:
    """Packages an extra pulls in: ``coqui-tts[codec]`` installs torchcodec."""
    names: set[str] = set()
    for pin in pins:
        if pin.name == "coqui-tts" and pin.extras & {"codec", "codec-cuda", "all"}:
            names.add("torchcodec")
    return names


def _resolved_why(pin: Pin, version: str) -> str:
    if str(pin.specifier).startswith("==") and "," not in str(pin.specifier):
        return f"pinned {pin.text}"
    return f"{pin.text} resolves today to {version} (newest release that satisfies it)"


def newest(name: str, specifier: SpecifierSet) -> str | None:
    """The newest known release of ``name`` that ``specifier`` allows (== pins as written)."""
    text = str(specifier)
    exact = re.fullmatch(r"===?([\w.+-]+)", text)
    if exact:
        return exact.group(1)
    known = pin_data()["versions"].get(_DISPLAY.get(name, name), [])
    allowed = [v for v in known if Version(v) in specifier]
    return max(allowed, key=Version) if allowed else None


def apply_override(reading: LibraryReading, name: str, version: str) -> None:
    """``--library NAME VERSION``: a TTS package (with the trainer its wheel resolves), a
    trainer, torch or torchaudio."""
    source = Source(file="--library", key=f"--library {name} {version}")
    canonical = name.lower()
    if canonical in TRAINER_NAMES:
        reading.put("trainer_library", f"{name} {version}", source)
    elif canonical in TTS_NAMES:
        shown = _DISPLAY[canonical]
        reading.put("tts_library", f"{shown} {version}", source)
        reading.table = f"{shown} {version}" if _has_table(f"{shown} {version}") else None
        needs = pin_data()["requires"].get(shown, {}).get(version, {})
        for trainer in ("coqui-tts-trainer", "trainer"):
            resolved = newest(trainer, SpecifierSet(needs[trainer])) if trainer in needs else None
            if resolved:
                reading.put("trainer_library", f"{trainer} {resolved}", source)
    elif canonical in ("torch", "torchaudio"):
        reading.put(f"{canonical}_version", version, source)


def _has_table(library: str) -> bool:
    from harness.plan.defaults import available

    return library in available()


# --- checkpoint loading under torch >= 2.6 --------------------------------------------------


def _check_loading(reading: LibraryReading, bases: list[Path], root: Path) -> None:
    """``tts_loads_weights_only``: from a vendored TTS/'s source, else from the data."""
    tts = reading.facts.get("tts_library")
    if tts is None:
        return
    vendored = next((b / "TTS" for b in bases if (b / "TTS" / "tts").is_dir()), None)
    if vendored is not None:
        ready = weights_only_ready(vendored)
        if ready is not None:
            how = "passes weights_only or safe globals" if ready else "calls torch.load bare"
            reading.put(
                "tts_loads_weights_only",
                ready,
                _where(vendored, root, None, f"vendored TTS/ {how}"),
            )
        return
    distribution, _, version = str(tts.value).partition(" ")
    known = pin_data()["weights_only_loading"].get(distribution)
    if not known or not version:
        return
    try:
        parsed = Version(version)
    except InvalidVersion:
        return
    if parsed in SpecifierSet(known["fails"]):
        reading.put("tts_loads_weights_only", False, tts.source)
    elif "works" in known and parsed in SpecifierSet(known["works"]):
        reading.put("tts_loads_weights_only", True, tts.source)


def weights_only_ready(package: Path) -> bool | None:
    """Whether a TTS source tree loads XTTS checkpoints under weights_only=True."""
    files = [
        package / "__init__.py",  # 0.24.3 and later register XttsConfig there
        package / "utils" / "io.py",
        package / "tts" / "models" / "xtts.py",
    ]
    texts = [decode_source(f.read_bytes()) for f in files if f.is_file()]
    if not texts:
        return None
    joined = "\n".join(texts)
    if "safe_globals" in joined or "weights_only=False" in joined.replace(" ", ""):
        return True
    return "torch.load(" not in joined and None


def reading_notes(reading: LibraryReading) -> list[str]:
    """One line per library assumed, with where it was read and why."""
    notes = []
    for key in ("trainer_library", "tts_library"):
        found = reading.facts.get(key)
        if found is not None:
            what = "trainer" if key == "trainer_library" else "TTS"
            where = (
                f"{found.source.file}:{found.source.line}"
                if found.source.line
                else found.source.file
            )
            notes.append(f"{what}: assumed {found.value} ({where}: {found.source.key})")
    return notes
