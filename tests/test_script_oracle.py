"""Differential tests: the static reading of a script equals what its code really builds.

Each fixture repository's own code runs in a subprocess of the test (never of the tool),
with stub ``trainer`` / ``TTS`` packages (tests/oracle) that record the config and trainer
arguments they receive. The harness reads the same command line statically; both must
agree key by key, path by path (one run per path, with a dataset size that takes it).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness.app.configs import load_candidates
from harness.plan.flatten import flatten
from harness.plan.load import load_plans
from harness.plan.loaders.command_line import CommandLine
from harness.plan.source import Unknown

FIXTURES = Path(__file__).with_name("fixtures") / "configs"
ORACLE = Path(__file__).with_name("oracle")
# The documented example fork is also this test's webui-style fixture.
WEBUI = Path(__file__).resolve().parents[1] / "examples" / "webui_fork"
RECIPE = FIXTURES / "argparse_recipe"
VENDORED = FIXTURES / "vendored_repo"


def run_for_real(repo: Path, argv: list[str], tmp_path: Path, dataset_size: int) -> dict:
    """Run the fixture's script with the recording stubs; what Trainer(...) received."""
    out = tmp_path / f"oracle-{dataset_size}.json"
    env = {**os.environ, "PYTHONPATH": str(ORACLE), "ORACLE_OUT": str(out)}
    env["ORACLE_DATASET_SIZE"] = str(dataset_size)
    subprocess.run([sys.executable, *argv], cwd=repo, env=env, check=True, timeout=60)
    data = json.loads(out.read_text(encoding="utf-8"))
    keys = flatten(data["config"])
    keys.update(flatten(data["trainer_args"]))
    return keys


def assert_reads_the_same(plan, real: dict) -> None:
    unknown = {s.key: s.value for s in plan.unknown_keys}
    for key, value in real.items():
        read = plan.get(key, unknown.get(key, "<absent>"))
        assert not isinstance(read, Unknown), (plan.name, key, read)
        assert read == value, (plan.name, key, read, value)


@pytest.fixture(scope="module")
def webui(tmp_path_factory) -> Path:
    repo = tmp_path_factory.mktemp("webui") / "repo"
    shutil.copytree(WEBUI, repo)
    return repo


ARGV = ["headlessXttsTrain.py", "--lang", "AMH", "--epochs", "7", "--batch_size", "4"]
ARGV += ["--grad_acumm", "2", "--adapt_language", "--max_audio_length", "9.5"]


def test_webui_every_path_matches_the_real_run(webui: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(webui)
    small, large = load_plans(CommandLine(Path(ARGV[0]), tuple(ARGV[1:]), "python ..."))
    assert "when len(train_samples) < SMALL_DATASET" in small.meta["path_condition"][0]
    assert small.meta["path_condition"][0].endswith("(utils/gpt_train.py:46)")
    assert "is false" in large.meta["path_condition"][0]
    assert_reads_the_same(small, run_for_real(webui, ARGV, tmp_path, 2000))
    assert_reads_the_same(large, run_for_real(webui, ARGV, tmp_path, 8000))
    # The values came through the call chain, the rewrite and the settings class.
    assert small.get("datasets[0].language") == "am"  # canonical_language("AMH")
    assert small.get("grad_accum_steps") == 4  # rewritten: adaptation and < 4
    assert small.get("model_args.max_wav_length") == int(9.5 * 22050)
    assert (small.get("lr"), small.get("epochs")) == (2e-06, 20)  # classmethod, max(...)
    assert small.source_of("lr").file.endswith("utils/settings.py")


def test_webui_dataset_size_decides_the_branch(webui: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(webui)
    [plan] = load_candidates(["python", *ARGV], overrides=["dataset_size=8000"])
    assert plan.meta["path_condition"] == [] and plan.get("dataset_size") == 8000
    assert_reads_the_same(plan, run_for_real(webui, ARGV, tmp_path, 8000))


def test_rows_of_the_dataset_csv_decide_the_branch(tmp_path: Path, monkeypatch) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(WEBUI, repo)
    (repo / "dataset").mkdir()
    rows = "".join(f"wavs/{i}.wav|text {i}|speaker\n" for i in range(2500))
    header = "audio_file|text|speaker_name\n"
    (repo / "dataset" / "metadata_train.csv").write_text(header + rows, encoding="utf-8")
    (repo / "dataset" / "metadata_eval.csv").write_text(header + rows[:300], encoding="utf-8")
    monkeypatch.chdir(repo)
    [plan] = load_candidates(["python", *ARGV])  # 2,500 rows: the small-dataset path
    assert plan.meta["path_condition"] == [] and plan.get("lr") == 2e-06
    assert_reads_the_same(plan, run_for_real(repo, ARGV, tmp_path, 2500))


def test_set_binds_script_inputs_before_config_keys(webui: Path, monkeypatch) -> None:
    monkeypatch.chdir(webui)
    overrides = ["num_epochs=100", "language=amh", "dataset_size=8000", "batch_size=3"]
    [plan] = load_plans(Path("utils/gpt_train.py"), overrides=overrides)
    assert (plan.get("epochs"), plan.get("batch_size")) == (100, 3)
    assert plan.get("datasets[0].language") == "amh"  # a parameter: no canonicalisation
    assert plan.source_of("epochs").file == "--set"
    assert plan.unknown_keys == []  # num_epochs, language: inputs, not config keys


def test_acceptance_wrong_flags_name_the_real_ones(webui: Path, monkeypatch) -> None:
    monkeypatch.chdir(webui)
    argv = "python headlessXttsTrain.py --language am --num_epochs 100 --batch_size 4"
    plans = load_candidates([*argv.split(), "--grad_acumm", "128"])
    for plan in plans:
        rejected = {r["flag"]: r["closest"] for r in plan.meta["command_line_rejections"]}
        assert rejected == {"--language": "--lang", "--num_epochs": "--epochs"}
        assert plan.get("batch_size") == 4 and plan.get("grad_accum_steps") == 128


def test_bom_crlf_module_is_read(webui: Path) -> None:
    data = (webui / "utils" / "gpt_train.py").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    compile(data, "gpt_train.py", "exec")  # CPython accepts it; so must the harness
    [plan] = load_plans(webui / "utils" / "gpt_train.py", overrides=["dataset_size=10"])
    assert plan.get("lr") == 2e-06


def test_launcher_binds_as_argparse_does(tmp_path: Path, monkeypatch) -> None:
    """Abbreviations (--learn, --acc), --flag=value, nargs, store_false and a required
    subcommand, read from a .sh launcher with variables and continuations."""
    repo = tmp_path / "recipe"
    shutil.copytree(RECIPE, repo)
    monkeypatch.chdir(tmp_path)
    [plan] = load_plans(repo / "train.sh")
    assert plan.meta["command_line_rejections"] == []
    assert plan.meta["command"].endswith("(recipe/train.sh:5)")
    argv = ["train_gpt_xtts.py", "train", "--learn=2e-06", "--batch", "3"]
    argv += ["--milestones", "100", "200", "300", "--no_eval", "--acc", "8"]
    assert_reads_the_same(plan, run_for_real(repo, argv, tmp_path, 100))
    assert plan.get("lr_scheduler_params.milestones") == [100, 200, 300]
    assert plan.get("run_eval") is False and plan.get("grad_accum_steps") == 8


def test_missing_required_and_bad_choice_are_rejections(tmp_path: Path) -> None:
    script = RECIPE / "train_gpt_xtts.py"
    [plan] = load_plans(CommandLine(script, ("train", "--accum", "x"), "python ..."))
    codes = {r["code"]: r["flag"] for r in plan.meta["command_line_rejections"]}
    assert codes == {"C904": "--accum"}  # argparse stops at the first error, as here
    [plan] = load_plans(CommandLine(script, ("train", "--accum", "3"), "python ..."))
    codes = {r["code"]: r["flag"] for r in plan.meta["command_line_rejections"]}
    assert codes == {"C903": "--batch"} and plan.get("grad_accum_steps") == 3
    completed = subprocess.run(
        [sys.executable, str(script), "train", "--accum", "x"],
        env={**os.environ, "PYTHONPATH": str(ORACLE)},
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 2  # argparse itself refuses this command line


def test_lint_imports_no_torch_tts_or_trainer() -> None:
    code = (
        "import sys, runpy; sys.argv = ['xtts-harness', 'lint', '--format', 'json', '--', "
        f"'python', {str(WEBUI / 'headlessXttsTrain.py')!r}, '--lang', 'am'];"
        "import harness.cli as c\n"
        "try: c.main()\n"
        "except SystemExit: pass\n"
        "heavy = ('torch', 'TTS', 'trainer', 'numpy')\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in heavy]\n"
        "sys.stderr.write('IMPORTED=' + ','.join(bad))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert "IMPORTED=" in completed.stderr and completed.stderr.endswith("IMPORTED="), (
        completed.stderr[-500:]
    )


def test_vendored_repository_matches_the_real_run(tmp_path: Path, monkeypatch) -> None:
    """The script imports its own TTS/ and trainer/ copies; the reading is still static
    (those packages are never parsed as the script's modules) and agrees with the run on
    each path of `if LANGUAGE not in SUPPORTED:` (LANGUAGE comes from os.environ)."""
    repo = tmp_path / "vendored"
    shutil.copytree(VENDORED, repo)
    monkeypatch.chdir(repo)
    rewritten, kept = load_plans(repo / "train.py")
    assert rewritten.meta["path_condition"][0].startswith("when LANGUAGE not in SUPPORTED (")
    followed = {p.name for p in rewritten.meta["reading"].modules}
    assert followed == {"train.py", "hparams.py"}
    monkeypatch.setenv("XTTS_LANGUAGE", "xx")
    assert_reads_the_same(rewritten, run_for_real(repo, ["train.py"], tmp_path, 100))
    monkeypatch.setenv("XTTS_LANGUAGE", "am")
    real = run_for_real(repo, ["train.py"], tmp_path, 100)
    # On the other path the language is what os.environ holds: not known statically.
    assert isinstance(kept.get("datasets[0].language"), Unknown)
    assert_reads_the_same(kept, {k: v for k, v in real.items() if k != "datasets[0].language"})
    assert kept.get("grad_accum_steps") == 84 and kept.get("model_args.max_text_length") == 400


def test_cli_acceptance_case_exits_1_naming_the_real_flags(webui: Path, monkeypatch, capsys):
    from harness.cli import main

    monkeypatch.chdir(webui)
    argv = ["--language", "am", "--num_epochs", "100", "--batch_size", "4"]
    argv += ["--grad_acumm", "128"]
    command = ["python", "headlessXttsTrain.py", *argv]
    code = main(["lint", "--select", "C", "--format", "json", "--", *command])
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert code == 1
    messages = {f["key"]: f["message"] for f in findings if f["code"] == "C901"}
    assert messages["--language"].endswith("did you mean --lang?")
    assert messages["--num_epochs"].endswith("did you mean --epochs?")
    # python -m MODULE runs the same file; --epoch abbreviates --epochs as argparse allows.
    code = main(
        ["lint", "--select", "C9", "--", "python", "-m", "headlessXttsTrain", "--epoch", "3"]
    )
    assert code == 0, capsys.readouterr().out


def test_argparse_binding_matches_the_real_argparse(webui: Path, monkeypatch) -> None:
    """The same argument lists, through the harness's reading and through the script's own
    parser run for real (build_parser() imported in a subprocess of the test)."""
    monkeypatch.chdir(webui)
    cases = [
        ["--lan", "am", "--epochs=5"],
        ["--optimizer", "SGD", "--adapt"],
        ["--batch_size", "x"],
        ["--optimizer", "Adam"],
        ["--max_audio", "8.5", "--grad", "3"],
    ]
    code = (
        "import json, sys; sys.path.insert(0, '.'); from headlessXttsTrain import build_parser\n"
        "p = build_parser(); p.exit_on_error = False\n"
        "try:\n    ns, extra = p.parse_known_args(json.loads(sys.argv[1]))\n"
        "    print(json.dumps({'ok': vars(ns), 'extra': extra}))\n"
        "except Exception as e:\n    print(json.dumps({'error': type(e).__name__}))\n"
    )
    for argv in cases:
        env = {**os.environ, "PYTHONPATH": str(ORACLE)}
        done = subprocess.run(
            [sys.executable, "-c", code, json.dumps(argv)],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        real = json.loads(done.stdout)
        [plan] = load_plans(
            CommandLine(Path("headlessXttsTrain.py"), tuple(argv), "python ..."),
            overrides=["dataset_size=8000"],
        )
        rejected = plan.meta["command_line_rejections"]
        assert bool(rejected) == ("error" in real or bool(real["extra"])), argv
        if "ok" in real and not rejected:
            read = {
                "lang": plan.get("datasets[0].language"),
                "optimizer": plan.get("optimizer"),
                "grad_acumm": plan.get("grad_accum_steps"),
            }
            assert read["lang"] == real["ok"]["lang"].lower(), argv
            assert read["optimizer"] == real["ok"]["optimizer"], argv
            expected_accum = real["ok"]["grad_acumm"]
            if real["ok"]["adapt_language"]:
                expected_accum = max(expected_accum, 4)
            assert read["grad_acumm"] == expected_accum, argv
