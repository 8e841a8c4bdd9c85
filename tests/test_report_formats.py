"""Every output format carries the same findings, in a shape its consumer accepts."""

from __future__ import annotations

import json
import math
import re

import pytest

from harness.diff import diff_plans
from harness.errors import HarnessError
from harness.findings import Finding, Severity
from harness.plan.build import build_plan
from harness.plan.mapping import raw_from_mapping
from harness.report import ReportDocument, render
from harness.report.markdown import MAX_CHARS
from harness.report.sarif import sarif_log

FINDING_KEYS = {"code", "name", "severity", "message", "key", "file", "line", "fix", "plan"}


def make_plan(name: str, data: dict, lines: dict | None = None):
    raw = raw_from_mapping(data, name=name, path=f"experiments/{name}.toml", lines=lines)
    return build_plan(raw)


@pytest.fixture
def doc() -> ReportDocument:
    reference = make_plan(
        "reference",
        {
            "lr": 5e-06,
            "lr_scheduler": "MultiStepLR",
            "lr_scheduler_params": {"milestones": [1, 2, 3], "gamma": 0.5},
            "run_name": "a|b`c",
            "max_audio_len": 255995,
        },
    )
    after = make_plan(
        "after",
        {
            "lr": 5e-06,
            "lr_scheduler": "MultiStepLR",
            "lr_scheduler_params": {"milestones": [50000, 150000, 300000], "gamma": 0.5},
            "epochs": 100,
            "batch_size": 4,
            "trainer": {"grad_accum_steps": 128},
            "plan": {"dataset_size": 1000},
            "max_audio_len": math.inf,
            "text_cleaner": "pipe|and`tick",
        },
        lines={"lr_scheduler_params.milestones": 12},
    )
    before = make_plan("before", {"lr": 1e-5})
    findings = [
        Finding(
            "S101",
            "milestones-never-fire",
            Severity.ERROR,
            "milestones [50000, 150000, 300000] never fire in a 100-epoch run | LR constant",
            key="lr_scheduler_params.milestones",
            file="experiments/after.toml",
            line=12,
            fix="set scheduler_after_epoch = false and size milestones in optimizer steps",
            plan="after",
        ),
        Finding(
            "O201",
            "lr-far-from-reference",
            Severity.WARNING,
            "lr `1e-05` is 2x the reference",
            key="lr",
            file="experiments/before.toml",
            line=None,
            plan="before",
        ),
        Finding("A120", "dataset-summary", Severity.INFO, "60 clips, 3 longer than 11.6 s"),
    ]
    return ReportDocument(
        command="lint",
        baseline=reference,
        plans=[after, before],
        findings=findings,
        diff=diff_plans(reference, [after, before]),
        extra={"dataset_audit": {"clips": 60, "too_long": ["am_001.wav"]}},
    )


def _strict_json(text: str):
    def reject(constant):
        raise AssertionError(f"not valid JSON: {constant}")

    return json.loads(text, parse_constant=reject)


def test_json_has_the_documented_shape(doc):
    data = _strict_json(render(doc, "json"))

    assert data["schema_version"] == 1
    assert data["tool"]["name"] == "xtts-harness"
    assert data["command"] == "lint"
    assert data["baseline"] == {
        "name": "reference",
        "path": "experiments/reference.toml",
        "library": doc.baseline.library,
    }
    assert [p["name"] for p in data["plans"]] == ["after", "before"]
    for item in data["findings"]:
        assert set(item) == FINDING_KEYS
        assert item["severity"] in {"error", "warning", "info"}
    milestones = data["findings"][0]
    assert milestones["key"] == "lr_scheduler_params.milestones"
    assert (milestones["file"], milestones["line"]) == ("experiments/after.toml", 12)
    assert data["summary"] == {
        "error": 1,
        "warning": 1,
        "info": 1,
        "total": 3,
        "fail_on": "error",
        "exit_code": 1,
    }
    assert data["dataset_audit"] == {"clips": 60, "too_long": ["am_001.wav"]}
    assert data["schedules"] == []


def test_json_plans_carry_derived_batching_and_verdicts(doc):
    after, before = _strict_json(render(doc, "json"))["plans"]
    # 1000 samples / batch 4 = 250 batches; ceil(250 / 128) = 2 optimizer steps per epoch.
    assert after["batching"]["batches_per_epoch"] == 250
    assert after["batching"]["optimizer_steps_per_epoch"] == 2
    assert after["batching"]["total_optimizer_steps"] == 200
    assert after["scheduler"]["unit"] == "epoch"
    assert (after["verdict"], before["verdict"]) == ("fail", "pass")
    assert before["batching"]["dataset_size"] is None


def test_json_writes_infinity_as_a_string(doc):
    entries = {e["key"]: e for e in _strict_json(render(doc, "json"))["diff"]["entries"]}
    assert entries["max_audio_len"]["candidates"][0]["value"] == "Infinity"


def test_json_diff_hides_noise_unless_show_all(doc):
    hidden = _strict_json(render(doc, "json"))["diff"]
    shown = _strict_json(render(doc, "json", show_all=True))["diff"]
    assert "run_name" not in {e["key"] for e in hidden["entries"]}
    assert hidden["hidden_noise_count"] == 1
    assert "run_name" in {e["key"] for e in shown["entries"]}


def test_markdown_has_verdicts_and_a_findings_table(doc):
    text = render(doc, "md")
    assert re.search(r"^- \*\*after\*\*: ❌ fails", text, re.MULTILINE)
    assert re.search(r"^- \*\*before\*\*: ⚠️ passes", text, re.MULTILINE)
    assert "| severity | code | plan | key | message | fix | where |" in text
    assert "`lr_scheduler_params.milestones`" in text
    assert "`experiments/after.toml:12`" in text
    assert "<details><summary>Config diff" in text


def test_markdown_table_rows_survive_pipes_and_backticks(doc):
    text = render(doc, "md", show_all=True)
    for table in re.findall(r"((?:^\|.*\|\n)+)", text, re.MULTILINE):
        rows = table.splitlines()
        widths = {len(re.findall(r"(?<!\\)\|", row)) for row in rows}
        assert len(widths) == 1, rows  # no cell broke out of its column
    assert "pipe\\|and\\`tick" in text  # the value is there, escaped
    assert "a\\|b\\`c" in text


def test_markdown_fits_a_pull_request_comment(doc):
    doc.findings = [
        Finding("K701", "unknown-key", Severity.WARNING, "x" * 300, key=f"k{i}", plan="after")
        for i in range(2000)
    ]
    text = render(doc, "md")
    assert len(text) <= MAX_CHARS
    assert "use `--format json`" in text

    doc.findings = []
    doc.extra = {"dataset_audit": {"clips": [f"clip_{i}.wav" for i in range(20000)]}}
    text = render(doc, "md")
    assert len(text) <= MAX_CHARS
    assert text.count("<details>") == text.count("</details>")  # the cut closes its blocks
    assert text.count("```") % 2 == 0


def test_sarif_has_rules_and_located_results(doc):
    log = _strict_json(render(doc, "sarif"))

    # The properties SARIF 2.1.0 requires (sarif-schema-2.1.0.json), checked by hand.
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "xtts-harness"
    rules = driver["rules"]
    assert [r["id"] for r in rules] == ["S101", "O201", "A120"]
    for rule in rules:
        assert rule["shortDescription"]["text"]
        assert rule["defaultConfiguration"]["level"] in {"error", "warning", "note"}
    results = run["results"]
    assert len(results) == len(doc.findings)
    for result, finding in zip(results, doc.findings, strict=True):
        assert result["message"]["text"].startswith(finding.message)
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == finding.code
        assert result["level"] in {"error", "warning", "note"}

    located, no_line, no_file = results
    physical = located["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "experiments/after.toml"
    assert physical["region"] == {"startLine": 12}
    assert "set scheduler_after_epoch = false" in located["message"]["text"]
    assert located["level"] == "error"
    assert "region" not in no_line["locations"][0]["physicalLocation"]
    assert no_file["level"] == "note"
    assert "locations" not in no_file


def test_sarif_uri_is_relative_to_the_working_directory(doc, tmp_path):
    doc.findings = [
        doc.findings[0].__class__(
            **{
                **doc.findings[0].to_dict(),
                "severity": Severity.ERROR,
                "file": str(tmp_path / "cfg" / "after.toml"),
            }
        )
    ]
    log = sarif_log(doc, cwd=tmp_path)
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "cfg/after.toml", "uriBaseId": "SRCROOT"}


def test_sarif_rule_help_comes_from_the_rule_docs(doc):
    from harness.rules import all_rules

    known = all_rules()[0]
    doc.findings = [
        Finding(known.code, known.name, known.severity, "message", key="lr", file="c.toml", line=3)
    ]
    (rule,) = sarif_log(doc)["runs"][0]["tool"]["driver"]["rules"]
    assert rule["id"] == known.code
    assert rule["shortDescription"]["text"] == known.summary
    assert rule["help"]["markdown"] == known.doc
    assert rule["fullDescription"]["text"]


def test_text_shows_findings_and_the_diff(doc):
    text = render(doc, "text", color=False)
    assert "S101" in text and "lr_scheduler_params.milestones" in text
    assert "experiments/after.toml:12" in text
    assert "set scheduler_after_epoch = false" in text
    assert "≠ [50000, 150000, 300000]" in text  # a changed cell, marked without color
    assert "\x1b[" not in text
    assert "\x1b[" in render(doc, "text", color=True)


def test_text_fits_the_terminal_width(doc, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    text = render(doc, "text", color=False)
    assert max(len(line) for line in text.splitlines()) <= 80


def test_exit_code_follows_fail_on(doc):
    assert doc.exit_code() == 1
    doc.findings = [f for f in doc.findings if f.severity is not Severity.ERROR]
    assert doc.exit_code() == 0
    doc.fail_on = Severity.WARNING
    assert doc.exit_code() == 1


def test_unknown_format_is_a_one_line_error(doc):
    with pytest.raises(HarnessError, match="unknown output format 'xml'"):
        render(doc, "xml")


def test_schedules_are_summarised_in_every_format():
    from harness.schedule import compute_schedule

    plan = make_plan(
        "stepwise",
        {
            "lr": 5e-06,
            "lr_scheduler": "MultiStepLR",
            "lr_scheduler_params": {"milestones": [500, 1500], "gamma": 0.5},
            "scheduler_after_epoch": False,
            "epochs": 100,
            "batch_size": 4,
            "trainer": {"grad_accum_steps": 128},
            "plan": {"dataset_size": 12000},
        },
    )
    doc = ReportDocument("schedule", None, [plan], [], schedules=[compute_schedule(plan)])
    # 12000 / 4 = 3000 batches, ceil(3000 / 128) = 24 optimizer steps per epoch: 2400 in all.
    text = render(doc, "text", color=False)
    assert "2,400 optimizer steps" in text
    assert "fires at optimizer step 500 of 2,400" in text
    assert "end 1.25e-06" in text  # halved twice
    assert "fires at optimizer step 1,500 of 2,400" in render(doc, "md")
    (schedule,) = _strict_json(render(doc, "json"))["schedules"]
    assert (schedule["plan"], schedule["total_steps"]) == ("stepwise", 2400)
    assert "clean" not in text  # a schedule alone has no verdict


def test_every_json_key_is_documented(doc, repo_root):
    schema = (repo_root / "docs" / "json-schema.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z_]+)`", schema, re.MULTILINE))
    data = _strict_json(render(doc, "json"))
    data.pop("dataset_audit")  # an extra section, documented with its command
    for key in [*data, *data["findings"][0], *data["plans"][0], *data["diff"]["entries"][0]]:
        assert key in documented or f'"{key}"' in schema, key


@pytest.mark.parametrize(
    ("fail_on", "blocked"), [(Severity.ERROR, False), (Severity.WARNING, True)]
)
def test_both_markdown_renderers_block_exactly_at_fail_on(doc, fail_on, blocked) -> None:
    from harness.report.summary import summary_markdown

    only_warnings = Finding("O201", "lr-far-from-reference", Severity.WARNING, "lr", plan="after")
    doc.findings, doc.fail_on = [only_warnings], fail_on
    assert doc.exit_code() == int(blocked)
    comment = summary_markdown(doc)
    report = render(doc, "md")
    assert ("| **after** | ❌ blocked by 1 warning" in comment) is blocked
    assert ("**after**: ❌ fails `--fail-on warning`" in report) is blocked


@pytest.mark.parametrize(
    ("fail_on", "blocked"), [(Severity.ERROR, False), (Severity.WARNING, True)]
)
def test_the_terminal_verdict_and_json_block_at_fail_on_too(doc, fail_on, blocked) -> None:
    """What `report` prints after writing its files and the JSON verdict follow the same
    rule as the Markdown renderers (they once judged at error whatever --fail-on said)."""
    from harness.report.summary import verdict_lines

    only_warnings = Finding("O201", "lr-far-from-reference", Severity.WARNING, "lr", plan="after")
    doc.findings, doc.fail_on = [only_warnings], fail_on
    assert ("  after: blocked by 1 warning" in verdict_lines(doc)) is blocked
    plans = {p["name"]: p for p in _strict_json(render(doc, "json"))["plans"]}
    assert plans["after"]["verdict"] == ("fail" if blocked else "pass")
