"""Run ``xtts-harness`` commands in a worker process under memory and time limits.

A fresh interpreter per input costs ~0.4 s; the fuzz tests run hundreds of inputs, so one
worker process runs them in turn: it reads a JSON request (argv, cwd) per line on stdin,
runs ``harness.cli.main`` under ``signal.alarm``, and answers with the exit code, stderr and
whether anything escaped ``main`` (a traceback). The worker's address space is capped with
``RLIMIT_AS``; a worker killed by a limit is reported as such and replaced.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import signal
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any

MEMORY_LIMIT = 2 * 1024**3  # the worker's address space: 2 GiB
TIME_LIMIT_S = 20  # one command; a hang is a failure, not a slow test


class Worker:
    def __init__(self) -> None:
        root = Path(__file__).resolve().parents[1]
        env = {**os.environ, "PYTHONPATH": str(root), "NO_COLOR": "1", "COLUMNS": "80"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.bounded_cli"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=root,
            env=env,
            text=True,
            preexec_fn=_limit_memory,
        )

    def run(self, argv: list[str], cwd: Path) -> dict[str, Any]:
        assert self.process.stdin and self.process.stdout
        request = {"argv": argv, "cwd": str(cwd)}
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:  # killed: memory limit, or a crash of the interpreter
            code = self.process.wait()
            return {"rc": None, "stderr": "", "escaped": f"worker died ({code})"}
        return json.loads(line)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _on_alarm(signum: int, frame: Any) -> None:
    raise TimeoutError(f"no answer within {TIME_LIMIT_S} s")


def _serve() -> None:
    from harness.cli import main

    signal.signal(signal.SIGALRM, _on_alarm)
    answers = sys.stdout
    for line in sys.stdin:
        request = json.loads(line)
        os.chdir(request["cwd"])
        out, err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8"), io.StringIO()
        escaped = None
        rc: int | None = None
        signal.alarm(TIME_LIMIT_S)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                rc = main(request["argv"])
        except SystemExit as error:  # argparse
            rc = error.code if isinstance(error.code, int) else 2
        except BaseException:  # anything that escapes main is a traceback for a user
            escaped = traceback.format_exc(limit=-4)
        finally:
            signal.alarm(0)
        answers.write(json.dumps({"rc": rc, "stderr": err.getvalue(), "escaped": escaped}))
        answers.write("\n")
        answers.flush()


if __name__ == "__main__":
    _serve()


def run_measured(argv: list[str], cwd: Path, memory_limit: int = MEMORY_LIMIT) -> dict[str, Any]:
    """One ``xtts-harness`` process under ``memory_limit``: exit code, stderr, peak RSS.

    The peak is the child's own VmHWM, read by the child at exit: ``ru_maxrss`` of a child
    starts at the parent's RSS (the test process, torch loaded), whatever execs in between.
    """
    import tempfile

    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as folder:
        peak_file = Path(folder) / "peak"
        env = {**os.environ, "PYTHONPATH": str(root), "NO_COLOR": "1"}
        launcher = (
            "import atexit, re, resource, runpy, sys; "
            f"resource.setrlimit(resource.RLIMIT_AS, ({memory_limit}, {memory_limit})); "
            "atexit.register(lambda: open(" + repr(str(peak_file)) + ", 'w').write("
            "re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1))); "
            "sys.argv = ['xtts-harness', *sys.argv[1:]]; "
            "runpy.run_module('harness', run_name='__main__')"
        )
        process = subprocess.run(
            [sys.executable, "-c", launcher, *argv],
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            check=False,
        )
        peak_kib = int(peak_file.read_text()) if peak_file.exists() else 0
    stderr = process.stderr.decode("utf-8", "replace")
    return {"rc": process.returncode, "stderr": stderr, "peak_bytes": peak_kib * 1024}
