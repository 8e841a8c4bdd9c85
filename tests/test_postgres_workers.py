"""Two worker processes on one study in a real PostgreSQL server: no trial lost or run twice.

The server is a throwaway one started from Debian's binaries on loopback (initdb + pg_ctl,
as the ``postgres`` user when the tests run as root). Without the binaries the test skips,
except under CI (CI=true), where .ci/run installs postgresql and a skip would hide a gap.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.ablate]


def _binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    """initdb refuses to run as root: run the server as ``postgres`` (or ``nobody``)."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", _server_user(), "--", *command]


def _server_user() -> str:
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    pytest.fail("running as root and neither a postgres nor a nobody user exists")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    pytest.importorskip("psycopg2", reason="psycopg2-binary is in the ablate extra")
    bin_dir = _binaries()
    if bin_dir is None:
        reason = "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}; CI must install Debian's postgresql package")
        pytest.skip(reason)
    root = Path(tempfile.mkdtemp(prefix="xtts-harness-pg-", dir="/tmp"))
    data = root / "data"
    if os.geteuid() == 0:
        user = pwd.getpwnam(_server_user())
        os.chown(root, user.pw_uid, user.pw_gid)
    port = _free_port()
    run = {"check": True, "capture_output": True, "timeout": 120}
    subprocess.run(
        _as_server_user([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres",
                         "--auth=trust", "--no-sync"]),
        **run,
    )  # fmt: skip
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        _as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-w",
                         "-l", str(root / "server.log"), "start"]),
        **run,
    )  # fmt: skip
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(root, ignore_errors=True)


def test_two_workers_share_one_study_without_losing_or_repeating_a_trial(tmp_path, postgres_url):
    pytest.importorskip("TTS")
    import optuna
    from optuna.trial import TrialState
    from test_ablate_study import EMA_FACTOR, write_spec

    spec = write_spec(tmp_path, EMA_FACTOR, name="pg", seeds=3, steps=2, eval_every=2)
    # Two independent worker processes, as on two machines: each creates-or-joins the study.
    command = [sys.executable, "-m", "harness", "ablate", str(spec), "--storage", postgres_url,
               "--resume"]  # fmt: skip
    workers = [
        subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    errors = [worker.communicate(timeout=300)[1].decode() for worker in workers]
    assert [w.returncode for w in workers] == [0, 0], errors[0][-1500:] + errors[1][-1500:]

    from harness.ablate.storage import open_storage

    study = optuna.load_study(study_name="pg", storage=open_storage(postgres_url))
    trials = study.get_trials()
    keys = [(t.user_attrs["arm"], t.user_attrs["seed"]) for t in trials]
    expected = sorted((arm, seed) for arm in ("ema=off", "ema=on") for seed in (0, 1, 2))
    assert sorted(keys) == expected  # each arm and seed enqueued once: none lost, none twice
    assert all(t.state == TrialState.COMPLETE for t in trials)
    assert len({t.user_attrs["worker"] for t in trials}) == 2  # both workers took trials
