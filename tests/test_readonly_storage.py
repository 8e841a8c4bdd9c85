"""`results` and `report --storage` read a study database and change nothing, ever."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest

from harness.cli import main

ROOT = Path(__file__).resolve().parents[1]
AFTER = str(ROOT / "experiments" / "amharic_bpe" / "after.toml")
PAGE = 4096


@pytest.fixture(scope="session")
def real_storage(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real Optuna study database with three trials."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    path = tmp_path_factory.mktemp("storage") / "studies.db"
    study = optuna.create_study(study_name="t", storage=f"sqlite:///{path}")
    study.optimize(lambda trial: trial.suggest_float("x", 0, 1), n_trials=3)
    return path


def _unrelated(path: Path) -> None:
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE notes (text TEXT)")
    connection.execute("INSERT INTO notes VALUES ('mine')")
    connection.commit()
    connection.close()


def _damaged(path: Path, real: Path) -> None:
    data = bytearray(real.read_bytes())
    for start in range(PAGE, len(data), PAGE):  # every page header but the first
        data[start : start + 12] = b"\x07" * 12
    path.write_bytes(bytes(data))


MAKERS = {
    "unrelated-sqlite": lambda p, real: _unrelated(p),
    "empty-file": lambda p, real: p.write_bytes(b""),
    "text-file": lambda p, real: p.write_text("not a database\n"),
    "damaged-pages": _damaged,
}
COMMANDS = {
    "results": lambda db: ["results", "--storage", db],
    "report": lambda db: ["report", AFTER, "--storage", db, "-o", "out/r.html"],
}


def _snapshot(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("kind", MAKERS)
def test_a_file_that_is_no_study_storage_is_refused_unchanged(
    tmp_path: Path, real_storage: Path, monkeypatch, capsys, kind: str, command: str
) -> None:
    folder = tmp_path / "db"
    folder.mkdir()
    target = folder / "some name #%20.db"  # URI-special characters in the name
    MAKERS[kind](target, real_storage)
    before = _snapshot(folder)
    monkeypatch.chdir(tmp_path)
    code = main(COMMANDS[command](str(target)))
    err = capsys.readouterr().err
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert _snapshot(folder) == before  # byte-identical, no .lock or journal beside it


@pytest.mark.parametrize("command", COMMANDS)
def test_a_real_storage_is_read_and_left_byte_identical(
    tmp_path: Path, real_storage: Path, monkeypatch, capsys, command: str
) -> None:
    folder = tmp_path / "db"
    folder.mkdir()
    target = folder / "a%20b #x.db"
    shutil.copy(real_storage, target)
    before = _snapshot(folder)
    monkeypatch.chdir(tmp_path)
    assert main(COMMANDS[command](str(target))) == (0 if command == "results" else 1)
    if command == "results":
        assert "3 complete" in capsys.readouterr().out
    assert _snapshot(folder) == before
