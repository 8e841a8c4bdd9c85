"""Opening a study storage for reading only (``results``, ``report --storage``).

Optuna's ``RDBStorage`` creates its tables in any database it is given, stamps an alembic
revision, and the harness's own lock leaves a ``.lock`` file: a reading command would turn
an unrelated SQLite file into a study database. Here a SQLite file is first checked with a
read-only connection (``file:...?mode=ro``: SQLite then creates no journal and takes no
write lock): it must be a sound SQLite database holding Optuna's tables. Only then is it
handed to Optuna, through the same read-only URI and with table creation skipped. Any other
URL (PostgreSQL, MySQL) is opened with table creation skipped too.
"""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path
from typing import Any
from urllib.parse import quote

from harness.ablate.storage import redact, sqlite_path, with_driver
from harness.errors import HarnessError

OPTUNA_TABLES = frozenset({"studies", "trials", "version_info", "alembic_version"})
FIX = "pass the study database `xtts-harness ablate` wrote (e.g. .xtts-harness/studies.db)"


def open_storage_readonly(url: str) -> Any:
    """An ``optuna.storages.RDBStorage`` that writes nothing; HarnessError if not a storage."""
    import optuna

    path = sqlite_path(url)
    shown = redact(url)
    engine_kwargs: dict[str, Any] = {}
    if path is not None:
        check_sqlite_storage(path)
        uri = readonly_uri(path)
        # SQLAlchemy would unquote a URI inside its URL (a `%20` or `#` in the name opens
        # another file): hand it a connection made here instead.
        engine_kwargs = {"creator": lambda: sqlite3.connect(uri, uri=True, check_same_thread=False)}
        url = "sqlite://"
    try:
        return optuna.storages.RDBStorage(
            with_driver(url), engine_kwargs=engine_kwargs, skip_table_creation=True
        )
    except ModuleNotFoundError as error:
        raise HarnessError(
            f"the storage {redact(url)} needs the Python package {error.name}",
            fix="pip install psycopg2-binary (PostgreSQL) or pymysql (MySQL)",
        ) from None
    except Exception as error:  # sqlalchemy's errors: no tables, server down, no permission
        first = (str(error).splitlines() or [type(error).__name__])[0][:200]
        raise HarnessError(
            f"cannot read the storage {shown} as an Optuna study storage: {first}",
            fix=FIX,
        ) from None


def readonly_uri(path: Path) -> str:
    """SQLite's URI for ``path`` opened read-only (``?``, ``#`` and ``%`` escaped)."""
    return f"file:{quote(str(path.resolve()))}?mode=ro"


def check_sqlite_storage(path: Path) -> None:
    """Refuse (changing nothing) a path that is not a sound SQLite file with Optuna's tables."""
    where = str(path)
    try:
        mode = path.stat().st_mode
    except OSError as error:
        raise HarnessError(
            f"no study storage here ({error.strerror})",
            where=where,
            fix="run `xtts-harness ablate SPEC` first, or pass --storage URL",
        ) from None
    if not stat.S_ISREG(mode):
        raise HarnessError("the study storage is not a regular file", where=where, fix=FIX)
    try:
        connection = sqlite3.connect(readonly_uri(path), uri=True)
        try:
            tables = {row[0] for row in connection.execute(_TABLES)}
            stamped = tables >= OPTUNA_TABLES and _has_revision(connection)
            sound = stamped and connection.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise HarnessError(
            f"not a readable SQLite database ({error})", where=where, fix=FIX
        ) from None
    if not stamped:
        raise HarnessError("is a SQLite file but not an Optuna study storage", where=where, fix=FIX)
    if not sound:
        raise HarnessError(
            "the study database is damaged (SQLite quick_check failed)",
            where=where,
            fix="restore it from a copy; `sqlite3 FILE .recover` may save the trials",
        )


_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table'"


def _has_revision(connection: sqlite3.Connection) -> bool:
    return connection.execute("SELECT count(*) FROM alembic_version").fetchone()[0] > 0
