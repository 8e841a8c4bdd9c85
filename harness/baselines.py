"""The reference configs shipped in ``baselines/``: names, provenance, and file lookup."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from harness.errors import HarnessError

DEFAULT_BASELINE = "gokhaneraslan-head"
ENV_VAR = "XTTS_HARNESS_BASELINES"


def baselines_dir() -> Path:
    """``<repo>/baselines``, or the folder named by $XTTS_HARNESS_BASELINES."""
    override = os.environ.get(ENV_VAR)
    return Path(override) if override else Path(__file__).resolve().parents[1] / "baselines"


BASELINES_DIR: Path = baselines_dir()


@dataclass(frozen=True)
class BaselineSource:
    """Where a baseline's values were read: repository, file, commit."""

    repo: str = ""
    path: str = ""
    commit: str = ""
    url: str = ""

    def __str__(self) -> str:
        text = f"{self.repo} {self.path}".strip()
        if self.commit:
            text += f" @{self.commit}"
        return text or "(not recorded)"


@dataclass(frozen=True)
class BaselineInfo:
    name: str
    path: Path
    title: str
    source: BaselineSource
    library: str | None
    reference: bool = True
    description: str = ""


def list_baselines() -> list[BaselineInfo]:
    """Every ``*.toml`` in the baselines folder, default first, then by name."""
    folder = baselines_dir()
    infos = [_info(path) for path in sorted(folder.glob("*.toml"))]
    return sorted(infos, key=lambda i: (i.name != DEFAULT_BASELINE, i.name))


def resolve_baseline(name_or_path: str) -> Path:
    """A baseline's file from its name (``gokhaneraslan-head``), or an existing path as is."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    folder = baselines_dir()
    candidate = folder / f"{name_or_path}.toml"
    if candidate.is_file():
        return candidate
    for info in list_baselines():
        if info.name == name_or_path:
            return info.path
    names = ", ".join(i.name for i in list_baselines()) or f"none in {folder}"
    raise HarnessError(
        "no such file or baseline",
        where=name_or_path,
        fix=f"give a config path or one of the baselines: {names}",
    )


def _info(path: Path) -> BaselineInfo:
    try:
        meta = tomllib.loads(path.read_text(encoding="utf-8")).get("meta", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise HarnessError(
            f"unreadable baseline ({type(error).__name__})",
            where=str(path),
            fix="run `xtts-harness lint` on it to see the problem, or remove it",
        ) from None
    source = meta.get("source", {})
    source = source if isinstance(source, dict) else {}
    return BaselineInfo(
        name=str(meta.get("name") or path.stem),
        path=path,
        title=str(meta.get("title") or path.stem),
        source=BaselineSource(
            repo=str(source.get("repo", "")),
            path=str(source.get("path", "")),
            commit=str(source.get("commit", "")),
            url=str(source.get("url", "")),
        ),
        library=meta.get("library"),
        reference=bool(meta.get("reference", True)),
        description=str(meta.get("description", "")).strip(),
    )
