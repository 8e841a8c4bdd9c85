"""Adversarial sweep: bad inputs and faults against every command, counted tried / handled.

Each case builds its inputs in a fresh folder and runs one ``xtts-harness`` process under a
1 GiB address-space limit and a 60 s timeout. Handled means all of:

- no traceback, the exit code is 0, 1 or 2, and exit 2 comes with exactly one line;
- the expectation of the case: ``exit2`` (one line, exit 2), ``K706@lr`` (an error finding
  with that code on that key), ``any`` (0, 1 or 2: it only has to be handled);
- every file in the folder is byte-identical afterwards, and no file was added beyond the
  case's declared output.

Usage: python benchmarks/sweep_hardening.py [-v] [-k SUBSTRING]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "experiments" / "amharic_bpe"
MEMORY = 1024**3
TIMEOUT_S = 60
AUDIT = ["--vocab", "vocab_am.json", "--tokenizer", "passthrough", "--language", "am"]
STRICT = {"LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8:strict"}
Case = tuple[Callable[[Path], list], str, str | None, dict[str, str]]
CASES: dict[str, Case] = {}


def case(name: str, expect: str = "exit2", output: str | None = None, env=None):
    def register(build: Callable[[Path], list]) -> Callable[[Path], list]:
        CASES[name] = (build, expect, output, env or {})
        return build

    return register


def write(folder: Path, name: str, data: str | bytes) -> str:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return name


def storage(folder: Path, name: str = "study.db") -> str:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(study_name="t", storage=f"sqlite:///{folder / name}")
    study.optimize(lambda trial: trial.suggest_float("x", 0, 1), n_trials=2)
    return name


# 1. data loss: -o over an input ------------------------------------------------------------
for command, argv, target in [
    ("lint", ["lint", "after.toml"], "after.toml"),
    ("lint-baseline", ["lint", "after.toml", "--baseline", "before.toml"], "before.toml"),
    ("diff", ["diff", "before.toml", "after.toml"], "after.toml"),
    ("schedule", ["schedule", "before.toml"], "before.toml"),
    (
        "audit-metadata",
        ["audit", "after.toml", "--dataset", "data", *AUDIT],
        "data/metadata_train.csv",
    ),
    ("audit-wav", ["audit", "after.toml", "--dataset", "data", *AUDIT], "data/wavs/am_001.wav"),
    ("audit-vocab", ["audit", "after.toml", "--dataset", "data", *AUDIT], "vocab_am.json"),
    ("vocab-check", ["vocab-check", "vocab_am.json", "vocab_am.json"], "vocab_am.json"),
    ("results-spec", ["results", "ablation.toml", "--storage", "study.db"], "ablation.toml"),
    ("ablate-spec", ["ablate", "ablation.toml", "--storage", "s.db"], "ablation.toml"),
    ("ablate-base", ["ablate", "ablation.toml", "--storage", "s.db"], "after.toml"),
    ("ablate-storage", ["ablate", "ablation.toml", "--storage", "s.db"], "s.db"),
    ("report", ["report", "after.toml"], "after.toml"),
]:
    for how in ("path", "hardlink", "symlink"):

        def build(folder: Path, argv=argv, target=target, how=how) -> list:
            out = target
            if how != "path" and (folder / target).exists():
                out = "out.link"
                if how == "hardlink":
                    os.link(folder / target, folder / out)
                else:
                    os.symlink(target, folder / out)
            return [*argv, "-o", out]

        case(f"o-over-input/{command}/{how}")(build)
case("o-over-input/report-markdown")(
    lambda f: ["report", "after.toml", "-o", "r.html", "--markdown", "after.toml"]
)
case("o-over-input/results-storage")(
    lambda f: ["results", "--storage", storage(f), "-o", "study.db"]
)

# 2. reading commands write -----------------------------------------------------------------
for kind, make in {
    "unrelated-sqlite": lambda p: (
        sqlite3.connect(p).execute("CREATE TABLE t (x)").connection.commit()
    ),
    "empty-file": lambda p: p.write_bytes(b""),
    "text-file": lambda p: p.write_text("hello\n"),
}.items():
    case(f"readonly/results/{kind}")(
        lambda f, m=make: (m(f / "x.db"), ["results", "--storage", "x.db"])[1]
    )
    case(f"readonly/report/{kind}", output="r.html")(
        lambda f, m=make: (
            m(f / "x.db"),
            ["report", "after.toml", "--storage", "x.db", "-o", "r.html"],
        )[1]
    )


@case("readonly/results/corrupt-page")
def _corrupt(folder: Path) -> list:
    name = storage(folder, "c.db")
    data = bytearray((folder / name).read_bytes())
    for start in range(4096, len(data), 4096):
        data[start : start + 12] = b"\x07" * 12
    (folder / name).write_bytes(bytes(data))
    return ["results", "--storage", name]


case("readonly/results/real-storage", expect="any")(lambda f: ["results", "--storage", storage(f)])

# 3. bounded by input size ------------------------------------------------------------------
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)
case("bounded/yaml-alias-bomb")(lambda f: ["lint", write(f, "b.yaml", BOMB)])
case("bounded/unknown-keys-5000", expect="any")(
    lambda f: ["lint", write(f, "u.json", json.dumps({f"unknown_{i}": i for i in range(5000)}))]
)
case("bounded/huge-value", expect="any")(
    lambda f: ["lint", write(f, "h.json", json.dumps({"unknwn": "x y " * 500_000}))]
)
case("bounded/huge-run-name", expect="any")(
    lambda f: ["diff", "after.toml", write(f, "h.toml", 'run_name = "' + "r" * 2_000_000 + '"\n')]
)
case("bounded/epochs-1e9", expect="any")(
    lambda f: ["lint", "after.toml", "--set", "epochs=1000000000", "--set", "dataset_size=12000"]
)
case("bounded/epochs-1e12-schedule", expect="any")(
    lambda f: ["schedule", "after.toml", "--set", "epochs=1000000000000", "--dataset-size", "9"]
)

# 4. one line and exit 2 ------------------------------------------------------------------
for name, text in {
    "deep.json": "[" * 100_000 + "]" * 100_000,
    "deep-obj.json": '{"a":' * 5000 + "1" + "}" * 5000,
    "bigint.json": '{"epochs": ' + "9" * 5000 + "}",
    "bigint.toml": "epochs = " + "9" * 5000 + "\n",
    "bigint.yaml": "epochs: " + "9" * 5000 + "\n",
    "deep.toml": "a = " + "[" * 5000 + "]" * 5000 + "\n",
    "deep.yaml": "a: " + "[" * 5000 + "]" * 5000 + "\n",
    "intkey.yaml": "1: 2\n",
    "listkey.yaml": "? [a, b]\n: 1\n",
    "boolkey.yaml": "true: 1\n",
    "recursive.yaml": "a: &a [*a]\n",
    "recursive-map.yaml": "a: &a\n  b: *a\n",
    "nul.toml": "lr = 1\x00\n",
    "binary.json": bytes(range(256)).decode("latin-1"),
    "empty.toml": "",
    "empty.json": "{}",
    "empty.yaml": "{}\n",
    "list.json": "[1, 2]",
}.items():
    case(f"exit2/{name}")(lambda f, n=name, t=text: ["lint", write(f, n, t)])
for value in [
    "lr=nan",
    "lr=inf",
    "lr=-inf",
    "epochs=-5",
    "epochs=0",
    "epochs=2.5",
    "epochs=inf",
    "epochs=nan",
    "batch_size=0",
    "batch_size=-3",
    "eval_batch_size=0",
    "lr=fast",
    "epochs=" + "9" * 5000,
    "lr=" + "[" * 5000,
    "grad_accum_steps=0",
    "=1",
    "lr",
]:
    case(f"exit2/set/{value[:24]}")(lambda f, v=value: ["lint", "after.toml", "--set", v])
case("exit2/symlink-loop")(
    lambda f: (
        os.symlink("b.toml", f / "a.toml"),
        os.symlink("a.toml", f / "b.toml"),
        ["lint", "a.toml"],
    )[2]
)
case("exit2/fifo-config")(lambda f: (os.mkfifo(f / "p.toml"), ["lint", "p.toml"])[1])
case("exit2/dev-null-config")(lambda f: ["lint", "/dev/null"])
case("exit2/dev-zero-dataset")(lambda f: ["audit", "after.toml", "--dataset", "/dev/zero", *AUDIT])
case("exit2/dev-zero-vocab")(lambda f: ["vocab-check", "/dev/zero", "vocab_am.json"])
case("exit2/fifo-metadata")(
    lambda f: (os.mkfifo(f / "m.csv"), ["audit", "after.toml", "--dataset", "m.csv", *AUDIT])[1]
)
case("exit2/csv-field-over-128k")(
    lambda f: [
        "audit",
        "after.toml",
        *AUDIT,
        "--dataset",
        write(
            f,
            "data/big.csv",
            "audio_file|text|speaker_name\nwavs/am_001.wav|" + "x" * 140_000 + "|s\n",
        ),
    ]
)
case("exit2/csv-nul-bytes", expect="any")(
    lambda f: [
        "audit",
        "after.toml",
        *AUDIT,
        "--dataset",
        write(f, "data/n.csv", "audio_file|text|speaker_name\nwavs/am_001.wav|a\x00b|s\n"),
    ]
)
case("exit2/csv-latin1")(
    lambda f: [
        "audit",
        "after.toml",
        *AUDIT,
        "--dataset",
        write(f, "data/l.csv", b"audio_file|text|speaker_name\nwavs/am_001.wav|caf\xe9|s\n"),
    ]
)
case("exit2/binary-spec")(lambda f: ["ablate", write(f, "s.toml", bytes(range(256)) * 8)])
case("exit2/bigint-spec")(lambda f: ["ablate", write(f, "s.toml", "x = " + "9" * 5000)])
case("exit2/vocab-not-json")(lambda f: ["vocab-check", write(f, "v.json", "nope"), "vocab_am.json"])
case("exit2/vocab-directory")(lambda f: ["vocab-check", "data", "vocab_am.json"])
case("exit2/vocab-deep")(
    lambda f: ["vocab-check", write(f, "v.json", "[" * 100_000), "vocab_am.json"]
)
case("exit2/config-directory")(lambda f: ["lint", "data"])
for fmt in ("text", "json", "md", "sarif"):
    case(f"non-utf8-name/{fmt}", expect="any", env=STRICT)(
        lambda f, fmt=fmt: [b"lint", _latin_copy(f), b"--format", fmt.encode()]
    )
case("non-utf8-name/html", expect="any", env=STRICT, output="r\udcff.html")(
    lambda f: [b"report", _latin_copy(f), b"-o", b"r\xff.html"]
)


def _latin_copy(folder: Path) -> bytes:
    name = b"caf\xe9\xff.toml"
    with open(os.path.join(os.fsencode(folder), name), "wb") as handle:
        handle.write((folder / "after.toml").read_bytes())
    return name


# 5. nonsense accepted silently ---------------------------------------------------------------
for value, expect in {
    "lr=0": "K706@lr",
    "lr=-1e-5": "K706@lr",
    'lr_scheduler_params.milestones=["x"]': "K707@lr_scheduler_params.milestones",
    "lr_scheduler_params.milestones=[-5]": "K707@lr_scheduler_params.milestones",
    "lr_scheduler_params.gamma=half": "K708@lr_scheduler_params.gamma",
}.items():
    case(f"finding/{value}", expect=expect)(
        lambda f, v=value: ["lint", "after.toml", "--set", v, "--format", "json"]
    )
case("exit2/checkpoint-text-tokens-negative")(
    lambda f: ["vocab-check", "vocab_am.json", "vocab_am.json", "--checkpoint-text-tokens", "-5"]
)
case("exit2/spec-lr-fast")(
    lambda f: [
        "ablate",
        write(
            f, "s.toml", (DEMO / "ablation.toml").read_text().replace("lr = 3e-4", 'lr = "fast"')
        ),
        "--storage",
        "s.db",
    ]
)

# 6. disclosure and spoofing --------------------------------------------------------------
ESCAPES = ("\x1b", "\u202e", "\x07", "\x9b")
for name, text in {
    "escape-key": '"\\u001b[2J\\u001b]0;owned\\u0007k" = 1\n',
    "escape-value": 'run_name = "\\u001b[31mred\\u009b"\n',
    "bidi-value": 'run_name = "evil\u202egnp.py"\n',
}.items():
    case(f"escaped/{name}", expect="noescape")(
        lambda f, n=name, t=text: ["diff", "after.toml", write(f, n + ".toml", t)]
    )
case("escaped/bidi-file-name", expect="noescape")(
    lambda f: ["lint", write(f, "c\u202e.toml", "lr = 1e-5\n")]
)
case("fifo-wav-in-dataset", expect="any")(
    lambda f: (
        (f / "data/wavs/am_001.wav").unlink(),
        os.mkfifo(f / "data/wavs/am_001.wav"),
        ["audit", "after.toml", "--dataset", "data", *AUDIT],
    )[2]
)


# --------------------------------------------------------------------------------------------
def _digests(folder: Path) -> dict[str, str]:
    out = {}
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            out[os.fsdecode(path.relative_to(folder))] = hashlib.sha256(
                path.read_bytes()
            ).hexdigest()
    return out


def run_case(name: str, folder: Path) -> tuple[bool, str]:
    build, expect, output, env = CASES[name]
    for file in ("after.toml", "before.toml", "ablation.toml", "vocab_am.json"):
        shutil.copy(DEMO / file, folder / file)
    shutil.copytree(DEMO / "data", folder / "data")
    argv = [os.fsencode(a) if isinstance(a, str) else a for a in build(folder)]
    before = _digests(folder)

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))

    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", **env}
    try:
        done = subprocess.run(
            [sys.executable.encode(), b"-m", b"harness", *argv],
            cwd=folder,
            capture_output=True,
            timeout=TIMEOUT_S,
            env=full_env,
            preexec_fn=limit,
        )
    except subprocess.TimeoutExpired:
        return False, f"no answer in {TIMEOUT_S} s"
    err = done.stderr.decode("utf-8", "replace")
    out = done.stdout.decode("utf-8", "replace")
    after = _digests(folder)
    added = set(after) - set(before) - {output}
    if "Traceback" in err:
        return False, "traceback: " + err.strip().splitlines()[-1][:160]
    if done.returncode not in (0, 1, 2):
        return False, f"exit {done.returncode}: {err[-160:]}"
    if any(before[k] != after.get(k) for k in before):
        return False, "an input changed"
    if added:
        return False, f"new files: {sorted(added)[:3]}"
    if done.returncode == 2 and len(err.strip().splitlines()) != 1:
        return False, "exit 2 without exactly one line"
    if expect == "exit2" and done.returncode != 2:
        return False, f"expected exit 2, got {done.returncode}"
    if expect == "noescape" and any(c in out or c in err for c in ESCAPES):
        return False, "a control or bidi character reached the output"
    if "@" in expect:
        code, key = expect.split("@")
        findings = json.loads(out).get("findings", []) if done.returncode == 1 else []
        if not any(f["code"] == code and f["key"] == key for f in findings):
            return False, f"no {code} finding on {key} (exit {done.returncode})"
    return True, f"exit {done.returncode}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("-k", default="", help="only cases whose name contains this")
    args = parser.parse_args()
    names = [n for n in CASES if args.k in n]
    failed = []
    for name in names:
        with tempfile.TemporaryDirectory() as tmp:
            ok, why = run_case(name, Path(tmp))
        if not ok:
            failed.append(name)
        if args.verbose or not ok:
            print(f"{'ok  ' if ok else 'FAIL'} {name}: {why}")
    print(f"tried {len(names)}, handled {len(names) - len(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
