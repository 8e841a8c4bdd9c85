"""Where studies live: Optuna's RDB storage (SQLite file by default, any RDB URL), with
heartbeats, retry of stale trials, and a lock shared by every worker of a study.

The storage is plain Optuna: ``optuna-dashboard sqlite:///.xtts-harness/studies.db``
opens it as is. The lock serialises the few moments when a worker changes *which* trials
exist (enqueue the factorial, fail stale trials, claim the next trial), so two workers
never enqueue the same arm and seed twice, and never take the same trial. It is held by
the database connection or the open file, so a worker killed with ``kill -9`` releases it:

- SQLite: ``flock`` on ``<file>.lock`` (the workers share one machine);
- PostgreSQL: ``pg_advisory_lock`` on a key derived from the study name;
- MySQL: ``GET_LOCK``.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from harness.ablate.private import storage_backend
from harness.errors import HarnessError

SQLITE_TIMEOUT_S = 60  # SQLite waits this long for a writer instead of failing at once
CREATE_ATTEMPTS = 5


def sqlite_path(url: str) -> Path | None:
    if not url.startswith("sqlite:///"):
        return None
    return Path(url.removeprefix("sqlite:///"))


def normalize_url(text: str) -> str:
    """An RDB URL as is; a plain path is a SQLite file (relative to the current directory)."""
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def with_driver(url: str) -> str:
    """``postgresql://`` with the driver that is installed.

    SQLAlchemy 2.1 reads a bare ``postgresql://`` as psycopg 3; the ablate extra installs
    psycopg2 (``psycopg2-binary``), so name it when psycopg 3 is absent.
    """
    if not url.startswith("postgresql://"):
        return url
    import importlib.util

    if importlib.util.find_spec("psycopg") is None and importlib.util.find_spec("psycopg2"):
        return "postgresql+psycopg2://" + url.removeprefix("postgresql://")
    return url


def open_storage(
    url: str,
    *,
    heartbeat_interval: int | None = None,
    grace_period: int | None = None,
    max_retry: int = 2,
) -> Any:
    """An ``optuna.storages.RDBStorage``; with a heartbeat, stale trials are retried."""
    import optuna

    url = with_driver(url)
    path = sqlite_path(url)
    engine_kwargs: dict[str, Any] = {}
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        engine_kwargs = {"connect_args": {"timeout": SQLITE_TIMEOUT_S}}
    kwargs: dict[str, Any] = {}
    if heartbeat_interval is not None:
        kwargs = {"heartbeat_interval": heartbeat_interval, "grace_period": grace_period}
        kwargs.update(_retry_callback(optuna, max_retry))
    try:
        if path is not None:  # first use creates the tables: one process at a time
            with _file_lock(Path(f"{path}.lock")):
                return optuna.storages.RDBStorage(url, engine_kwargs=engine_kwargs, **kwargs)
        return _create_with_retry(optuna, url, engine_kwargs, kwargs)
    except ModuleNotFoundError as error:
        raise HarnessError(
            f"the storage {redact(url)} needs the Python package {error.name}",
            fix="pip install psycopg2-binary (PostgreSQL) or pymysql (MySQL)",
        ) from None
    except Exception as error:  # sqlalchemy's errors: bad URL, server down, no permission
        raise HarnessError(
            f"cannot open the storage {redact(url)}: {str(error).splitlines()[0]}",
            fix="check the URL (e.g. postgresql://user:password@host:5432/db) and the server",
        ) from None


def _create_with_retry(
    optuna: Any, url: str, engine_kwargs: dict[str, Any], kwargs: dict[str, Any]
) -> Any:
    """Workers starting together on a new database race to create Optuna's tables; the
    losers see an integrity error once the winner is done, and simply connect again."""
    for attempt in range(CREATE_ATTEMPTS):
        try:
            return optuna.storages.RDBStorage(url, engine_kwargs=engine_kwargs, **kwargs)
        except Exception as error:
            racing = type(error).__name__ in ("IntegrityError", "ProgrammingError")
            if attempt == CREATE_ATTEMPTS - 1 or not racing:
                raise
            time.sleep(0.5 * (attempt + 1))
    raise AssertionError("unreachable")


def _retry_callback(optuna: Any, max_retry: int) -> dict[str, Any]:
    """Optuna 4.9 renamed the stale-trial callback; accept both."""
    storages = optuna.storages
    if hasattr(storages, "RetryHeartbeatStaleTrialCallback"):
        callback = storages.RetryHeartbeatStaleTrialCallback(max_retry=max_retry)
        return {"heartbeat_stale_trial_callback": callback}
    return {"failed_trial_callback": storages.RetryFailedTrialCallback(max_retry=max_retry)}


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    if ":" not in credentials:
        return url
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"


@contextmanager
def study_lock(storage: Any, study_name: str) -> Iterator[None]:
    """Hold the study's lock (see the module doc) for the duration of the block.

    ``storage`` is the RDBStorage, or the study's storage (Optuna's cache around it).
    """
    storage = storage_backend(storage)
    url = str(storage.url)
    path = sqlite_path(url)
    if path is not None:
        with _file_lock(Path(f"{path}.lock")):
            yield
        return
    dialect = storage.engine.dialect.name
    if dialect == "postgresql":
        with _sql_lock(storage, "SELECT pg_advisory_lock(:k)", "SELECT pg_advisory_unlock(:k)",
                       {"k": _key64(study_name)}):  # fmt: skip
            yield
        return
    if dialect in ("mysql", "mariadb"):
        name = "xtts-harness-" + hashlib.sha256(study_name.encode()).hexdigest()[:40]
        with _sql_lock(storage, "SELECT GET_LOCK(:k, -1)", "SELECT RELEASE_LOCK(:k)", {"k": name}):
            yield
        return
    with _process_lock:  # other databases: workers of this process only
        yield


_process_lock = threading.Lock()


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def _sql_lock(storage: Any, acquire: str, release: str, params: dict[str, Any]) -> Iterator[None]:
    import sqlalchemy

    with storage.engine.connect() as connection:
        connection.execute(sqlalchemy.text(acquire), params)
        connection.commit()
        try:
            yield
        finally:
            connection.execute(sqlalchemy.text(release), params)
            connection.commit()


def _key64(name: str) -> int:
    """A signed 64-bit advisory-lock key from the study name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class Heartbeat:
    """Records the trial's heartbeat every ``interval`` seconds from a daemon thread."""

    def __init__(self, storage: Any, trial_id: int, interval: int):
        self.storage = storage
        self.trial_id = trial_id
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="heartbeat")

    def __enter__(self) -> Heartbeat:
        self.storage.record_heartbeat(self.trial_id)
        self._thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.storage.record_heartbeat(self.trial_id)
            except Exception:  # a blip in the database: the next beat may get through
                continue
