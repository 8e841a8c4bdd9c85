"""One loader per config format; each turns a file into a RawConfig of explicit settings.

- ``coqpit_json``: a Coqui Trainer config.json (or its run folder)
- ``project_file``: the project's TOML / YAML format (baselines/, experiments/)
- ``script_paths``: a training script, read with ``ast`` and never run, path by path
- ``overrides``: ``--set KEY=VALUE`` values applied on top of any of them
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from harness.plan.build import RawConfig

Loader = Callable[[Path, str], RawConfig]
SUFFIXES = (".json", ".toml", ".yaml", ".yml", ".py")


def loader_for(suffix: str) -> Loader | None:
    """The loader for a file suffix; modules are imported only when their format is used."""
    suffix = suffix.lower()
    if suffix == ".json":
        from harness.plan.loaders.coqpit_json import load_json

        return load_json
    if suffix == ".toml":
        from harness.plan.loaders.project_file import load_toml

        return load_toml
    if suffix in (".yaml", ".yml"):
        from harness.plan.loaders.project_file import load_yaml

        return load_yaml
    if suffix == ".py":
        from harness.plan.loaders.script_paths import load_python

        return load_python
    return None
