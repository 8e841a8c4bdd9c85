"""Hazard rules: every fixture case, the rule catalogue's shape, the registry API, and the
library facts the rules keep as data.

Fixtures (sqlfluff style): ``tests/fixtures/rules/<CODE>.yaml`` holds ``rule: CODE`` and
``cases``, each with ``name``, ``expect`` (pass | fail), ``config`` (a mapping in the project
format: GPTTrainerConfig keys, ``trainer``, ``plan``, ``extras``, ``meta``, and an optional
``reference`` mapping) and, for ``fail``, the ``key`` of the expected finding plus optional
``severity``, ``message_contains`` and ``fix_contains``. Adding a rule: one function, one
doc, one fixture file with a passing and a failing case.

A rule doc's Example must trigger its rule and its Use instead must not, linted as
``xtts-harness lint`` reads them: a ```toml config, a ```python training script (its first
line a comment naming the file), or a ```console ``xtts-harness lint -- python SCRIPT ARGS``
running the script shown in the same section (or the Example's).
"""

from __future__ import annotations

import inspect
import re
import shlex
import tomllib
from pathlib import Path

import pytest
import yaml

from harness.errors import HarnessError
from harness.findings import Severity
from harness.plan.build import build_plan
from harness.plan.mapping import raw_from_mapping
from harness.rules import DOC_SECTIONS, RuleContext, all_rules, get_rule, run_rules
from harness.rules.base import FAMILIES

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).with_name("fixtures") / "rules"


def _fixture_files() -> list[Path]:
    return sorted(FIXTURES.glob("*.yaml"))


def _cases() -> list:
    params = []
    for path in _fixture_files():
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in data["cases"]:
            params.append(pytest.param(data["rule"], case, path, id=f"{path.stem}-{case['name']}"))
    return params


def _plan(config: dict, name: str, path: Path):
    return build_plan(raw_from_mapping(config, name=name, path=str(path)))


@pytest.mark.parametrize(("code", "case", "path"), _cases())
def test_rule_case(code: str, case: dict, path: Path) -> None:
    config = dict(case["config"])
    reference = config.pop("reference", None)
    plan = _plan(config, f"{code}:{case['name']}", path)
    ref = None if reference is None else _plan(reference, "reference", path)
    # All rules run on every case, so a rule that crashes on another rule's config fails too.
    findings = [f for f in run_rules(plan, ref) if f.code == code]
    if case["expect"] == "pass":
        assert findings == [], [f.message for f in findings]
        return
    assert case["expect"] == "fail", f"{path.name}: expect must be pass or fail"
    matching = [f for f in findings if f.key == case["key"]]
    assert matching, f"no {code} finding on {case['key']}: {[(f.key, f.message) for f in findings]}"
    finding = matching[0]
    assert case.get("message_contains", "") in finding.message
    assert case.get("fix_contains", "") in finding.fix
    # A case that names no severity expects the rule's own.
    assert finding.severity.value == case.get("severity", get_rule(code).severity.value)
    assert finding.name == get_rule(code).name and finding.plan == plan.name
    assert finding.fix and finding.message and finding.file == str(path)


def test_every_rule_has_passing_and_failing_fixtures() -> None:
    expected: dict[str, set[str]] = {}
    for path in _fixture_files():
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert data["rule"] == path.stem, f"{path.name} declares rule {data['rule']}"
        expected[data["rule"]] = {case["expect"] for case in data["cases"]}
    codes = [r.code for r in all_rules()]
    assert sorted(expected) == codes, "one fixture file per rule, named <CODE>.yaml"
    lacking = [code for code, kinds in expected.items() if kinds != {"pass", "fail"}]
    assert lacking == [], f"rules without both a pass and a fail case: {lacking}"


def test_rule_catalogue_shape() -> None:
    rules = all_rules()
    assert len(rules) >= 20
    assert [r.code for r in rules] == sorted({r.code for r in rules})  # unique, sorted
    assert len({r.name for r in rules}) == len(rules)
    for r in rules:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", r.name), r.name
        assert r.family == FAMILIES[r.code[0]]
        assert r.summary and "\n" not in r.summary and len(r.summary) <= 100, r.code
        positions = [r.doc.find(section) for section in DOC_SECTIONS]
        assert -1 not in positions and positions == sorted(positions), (r.code, positions)
        assert "```" in r.doc, f"{r.code}: the Example needs a config snippet"
        evidence = r.doc.split("## Evidence")[1]
        assert "https://" in evidence or ".py" in evidence, f"{r.code}: evidence names no source"
    first = get_rule("S101")
    assert first.severity is Severity.ERROR and first.name == "milestones-never-fire"


def test_get_rule_by_code_or_name_and_unknown_is_one_line() -> None:
    assert get_rule("s101") is get_rule("milestones-never-fire")
    with pytest.raises(HarnessError) as raised:
        get_rule("milestone-never-fires")
    message = str(raised.value)
    assert "\n" not in message and "milestones-never-fire" in message


def test_select_and_ignore() -> None:
    plan = _plan({"lr_sheduler": "x", "plan": {"language": "am"}}, "c", FIXTURES / "inline.yaml")
    codes = {f.code for f in run_rules(plan)}
    assert {"K701", "L401"} <= codes
    assert {f.code for f in run_rules(plan, select=["K"])} == {"K701"}
    assert "L401" not in {f.code for f in run_rules(plan, ignore=["language-not-in-tokenizer"])}
    assert {f.code for f in run_rules(plan, select=["L401", "K701"], ignore=["K"])} == {"L401"}
    with pytest.raises(HarnessError):
        run_rules(plan, select=["S", "O", "M", "L", "B", "X", "K", "no-such-rule"])


def test_finding_points_at_the_file_line_or_at_a_default() -> None:
    raw = raw_from_mapping(
        {"epochs": 100, "model_args": {"max_text_length": 512}},
        name="c",
        path="configs/c.toml",
        lines={"model_args.max_text_length": 12},
    )
    findings = run_rules(build_plan(raw), select=["M301", "O203"])
    by_code = {f.code: f for f in findings}
    assert (by_code["M301"].file, by_code["M301"].line) == ("configs/c.toml", 12)
    # optimizer is a library default: the finding points at the config file, no line.
    assert (by_code["O203"].file, by_code["O203"].line, by_code["O203"].key) == (
        "configs/c.toml",
        None,
        "optimizer",
    )


def test_context_computes_the_schedule_once() -> None:
    plan = _plan({"epochs": 10}, "c", FIXTURES / "inline.yaml")
    context = RuleContext(plan=plan)
    assert context.schedule is context.schedule
    assert context.schedule.epochs == 10


def test_rules_do_not_import_torch_tts_trainer_or_numpy() -> None:
    import subprocess
    import sys

    code = (
        "import sys, harness.rules as r; r.all_rules(); "
        "print(sorted(m for m in ('torch', 'TTS', 'trainer', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# The headline behaviours on the project's own baseline and candidate files ---------------

HEADLINE_FILES = {
    "head": ROOT / "baselines" / "gokhaneraslan-head.toml",
    "after": ROOT / "experiments" / "amharic_bpe" / "after.toml",
    "before": ROOT / "experiments" / "amharic_bpe" / "before.toml",
}


def test_headline_findings_on_real_baseline_and_candidates() -> None:
    from harness.plan.load import load_plan

    def findings(name: str) -> dict[str, list]:
        out: dict[str, list] = {}
        for f in run_rules(load_plan(str(HEADLINE_FILES[name]))):
            out.setdefault(f.code, []).append(f)
        return out

    after = findings("after")
    (never,) = after["S101"]
    assert never.severity is Severity.ERROR and never.key == "lr_scheduler_params.milestones"
    assert "[50000, 150000, 300000]" in never.message and "100 epochs" in never.message
    assert "scheduler_after_epoch = false" in never.fix and never.line is not None

    early = findings("before")["S102"][0]
    assert "1/8" in early.message and "epoch 3 of 100" in early.message

    head = findings("head")
    assert head["S101"][0].severity is Severity.ERROR
    (text,) = head["M301"]
    assert "512" in text.message and "402" in text.message


# Library facts the rules keep as data, pinned against the installed libraries ------------


@pytest.mark.ablate
def test_scheduler_signatures_match_torch_and_trainer() -> None:
    scheduler_module = pytest.importorskip("torch.optim.lr_scheduler")
    trainer_torch = pytest.importorskip("trainer.torch")
    from harness.rules.keys import SCHEDULER_SIGNATURES

    for name, (required, optional) in SCHEDULER_SIGNATURES.items():
        cls = getattr(trainer_torch, name, None) or getattr(scheduler_module, name)
        params = list(inspect.signature(cls.__init__).parameters.values())[2:]  # self, optimizer
        assert tuple(p.name for p in params if p.default is p.empty) == required, name
        assert tuple(p.name for p in params if p.default is not p.empty) == optional, name


@pytest.mark.ablate
def test_optimizer_names_and_default_weight_decay_match_torch() -> None:
    torch = pytest.importorskip("torch")
    radam = pytest.importorskip("TTS.utils.radam")
    from harness.plan.library_facts import library_facts
    from harness.rules.keys import TORCH_OPTIMIZERS

    classes = {
        n for n in dir(torch.optim) if inspect.isclass(getattr(torch.optim, n)) and n[0].isupper()
    }
    assert set(TORCH_OPTIMIZERS) == classes - {"Optimizer"}
    for name, decay in library_facts().default_weight_decay.items():
        cls = radam.RAdam if name == "radam" else getattr(torch.optim, _torch_name(name))
        assert inspect.signature(cls.__init__).parameters["weight_decay"].default == decay, name


def _torch_name(lower: str) -> str:
    return {"adamw": "AdamW", "adam": "Adam", "sgd": "SGD", "nadam": "NAdam"}[lower]


@pytest.mark.ablate
@pytest.mark.slow
def test_gpt_module_paths_match_gpt_trainer(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    gpt_trainer = pytest.importorskip("TTS.tts.layers.xtts.trainer.gpt_trainer")
    from tokenizers import Tokenizer, models

    from harness.rules.extras import GPT_MODULES, OTHER_ROOTS

    vocab = {"[STOP]": 0, "[UNK]": 1, "[SPACE]": 2, "a": 3, "[en]": 4}
    Tokenizer(models.BPE(vocab=vocab, merges=[], unk_token="[UNK]")).save(
        str(tmp_path / "vocab.json")
    )
    torch.save(torch.ones(80), tmp_path / "mel_stats.pth")
    torch.save({}, tmp_path / "dvae.pth")
    args = gpt_trainer.GPTArgs(
        gpt_layers=2,
        gpt_n_model_channels=64,
        gpt_n_heads=2,
        gpt_max_audio_tokens=100,
        gpt_max_text_tokens=50,
        gpt_num_audio_tokens=1026,
        gpt_start_audio_token=1024,
        gpt_stop_audio_token=1025,
        gpt_use_perceiver_resampler=True,
        tokenizer_file=str(tmp_path / "vocab.json"),
        mel_norm_file=str(tmp_path / "mel_stats.pth"),
        dvae_checkpoint=str(tmp_path / "dvae.pth"),
    )
    model = gpt_trainer.GPTTrainer(gpt_trainer.GPTTrainerConfig(model_args=args))
    names = {re.sub(r"(?<=\.)\d+(?=\.|$)", "{i}", n) for n, _ in model.named_modules() if n}
    assert {n for n in names if n.startswith("xtts.gpt")} == set(GPT_MODULES)
    assert set(OTHER_ROOTS) <= names


def _section(doc: str, section: str) -> str:
    return doc.split(section, 1)[1].split("\n## ", 1)[0]


def _block(body: str, language: str) -> str | None:
    found = re.search(rf"```{language}\n(.*?)```", body, re.S)
    return None if found is None else found.group(1)


def _doc_config(doc: str, section: str) -> dict | None:
    """The TOML snippet of a doc section, as a config mapping (None: no TOML snippet)."""
    text = _block(_section(doc, section), "toml")
    return None if text is None else tomllib.loads(text)


def _doc_script(doc: str, section: str, folder: Path) -> Path | None:
    """The ```python snippet of a section (else of the Example, which a Use instead's
    command line may run again), written to ``folder`` under the name its first line, a
    comment (``# train.py``), gives."""
    text = _block(_section(doc, section), "python") or _block(_section(doc, "## Example"), "python")
    if text is None:
        return None
    named = re.match(r"#\s*(\S+\.py)\s*\n", text)
    script = folder / (named.group(1) if named else "train.py")
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(text, encoding="utf-8")
    return script


def _doc_command(doc: str, section: str) -> list[str] | None:
    """The command line of a section's ```console snippet, ``xtts-harness lint -- ARGS``."""
    text = _block(_section(doc, section), "console")
    if text is None:
        return None
    tokens = shlex.split(text.strip().removeprefix("$ "))
    assert tokens[:3] == ["xtts-harness", "lint", "--"], f"not a lint command line: {text}"
    return tokens[3:]


def _doc_findings(doc: str, section: str, folder: Path, reference, monkeypatch) -> list | None:
    """The findings of a doc section as ``xtts-harness lint`` reads it: a TOML config, a
    command line run in ``folder`` (the script beside it), or a Python script alone.
    None when the section has no snippet to lint (a prose fix)."""
    from harness.app.configs import lint_plans, load_candidates

    config = _doc_config(doc, section)
    if config is not None:
        return run_rules(_plan(config, folder.name, FIXTURES / "doc.toml"), reference)
    command = _doc_command(doc, section)
    if command is not None:
        script = _doc_script(doc, section, folder)
        assert script is not None, f"{section}: a command line needs its script (```python)"
        monkeypatch.chdir(folder)
        return lint_plans(load_candidates(command), reference)[0]
    if _block(_section(doc, section), "python") is None:
        return None
    return lint_plans(load_candidates([str(_doc_script(doc, section, folder))]), reference)[0]


@pytest.fixture(scope="module")
def default_reference():
    from harness.baselines import DEFAULT_BASELINE, resolve_baseline
    from harness.plan.load import load_plan

    return load_plan(resolve_baseline(DEFAULT_BASELINE))


@pytest.mark.parametrize("code", [r.code for r in all_rules()])
def test_doc_example_triggers_the_rule_and_use_instead_does_not(
    code, default_reference, tmp_path, monkeypatch
):
    # As `xtts-harness lint` reads them: against the default baseline. An Example is a
    # TOML config, a training script (```python), or a command line (```console) running
    # the script shown beside it.
    rule = get_rule(code)
    fired = _doc_findings(
        rule.doc, "## Example", tmp_path / "example", default_reference, monkeypatch
    )
    assert fired is not None, f"{code}: the Example needs a TOML, Python or console snippet"
    assert code in {f.code for f in fired}, f"{code}: its Example does not trigger it"
    quiet = _doc_findings(
        rule.doc, "## Use instead", tmp_path / "instead", default_reference, monkeypatch
    )
    if quiet is None:
        return  # a prose fix (resize a checkpoint, patch a tokenizer): nothing to lint
    assert [f.message for f in quiet if f.code == code] == [], f"{code}: Use instead fires"
