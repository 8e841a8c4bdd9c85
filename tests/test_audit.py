"""The dataset audit: verdicts per sample, summary findings, and the Amharic demo data."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from harness.audit import Limits, Reason, audit_dataset, audit_source, locate
from harness.audit.audio import resampled_length
from harness.cli import main
from harness.errors import HarnessError
from harness.plan.build import build_plan
from harness.plan.mapping import raw_from_mapping
from harness.release import RELEASE_VOCAB

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "datasets"
MIXED = FIXTURES / "mixed"
DEMO = ROOT / "experiments" / "amharic_bpe" / "data"
VOCAB_AM = ROOT / "experiments" / "amharic_bpe" / "vocab_am.json"

# What each row of mixed/metadata_train.csv was built to show (make_fixtures.py), by line.
MIXED_TRAIN = {
    2: None,  # plain row
    3: None,  # csv quoting: the text is 'Quoted words are fine.'
    4: None,  # resampled to exactly max_wav_length (22050): kept, the limit is strict '>'
    5: Reason.AUDIO_TOO_LONG,  # 22053 samples after resampling
    6: None,  # exactly 0.5 s after resampling: kept, the check is strict '<'
    7: Reason.AUDIO_TOO_SHORT,
    8: None,  # duplicate of line 2: the trainer keeps both
    9: Reason.UNK_CHARACTERS,  # a snowman
    10: Reason.UNK_CHARACTERS,  # Ethiopic
    11: Reason.TEXT_EMPTY,
    12: Reason.TEXT_EMPTY,  # blank
    13: Reason.AUDIO_MISSING,
    14: Reason.AUDIO_UNREADABLE,  # random bytes
    15: None,  # truncated WAV: the trainer reads what is there
    16: Reason.UNK_CHARACTERS,  # '[STOP]' is lowercased to '[stop]': its brackets are [UNK]
    17: Reason.AUDIO_MISSING,  # Windows path
    18: None,  # no text column: trains on the text 'None'
    19: None,  # stereo, 16 kHz
    20: Reason.AUDIO_UNREADABLE,  # no frames: XTTS's load_audio fails on an empty clip
    21: None,  # exactly max_text_length (30) tokens
    22: Reason.TEXT_TOO_LONG,  # 31 tokens
    23: None,
}


def fixture_plan(path: Path = FIXTURES / "mixed_config.toml", **overrides):
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    for key, value in overrides.items():
        table, _, name = key.rpartition(".")
        (data.setdefault(table, {}) if table else data)[name] = value
    return build_plan(raw_from_mapping(data, name=path.stem, path=str(path)))


@pytest.fixture(scope="module")
def stock_vocab(xtts_release_dir: Path) -> Path:
    return xtts_release_dir / "vocab.json"


@pytest.fixture(scope="module")
def mixed(stock_vocab: Path):
    return audit_dataset(fixture_plan(), MIXED, vocab=stock_vocab)


def test_each_row_gets_the_reason_the_trainer_hits(mixed):
    train = {s.sample.line: s.verdict.reason for s in mixed.samples if s.role == "train"}
    assert train == MIXED_TRAIN
    evals = {s.sample.line: s.verdict.reason for s in mixed.samples if s.role == "eval"}
    assert evals == {2: None, 3: None, 4: Reason.AUDIO_MISSING}
    assert mixed.eval_samples_left == 2


def test_limits_come_from_the_config_and_lengths_are_measured_after_resampling(stock_vocab):
    # Raising the limits by one sample / token keeps the rows that were just over them.
    plan = fixture_plan(**{"model_args.max_wav_length": 22053, "model_args.max_text_length": 31})
    result = audit_dataset(plan, MIXED, vocab=stock_vocab)
    kept = {s.sample.line for s in result.kept("train")}
    assert {5, 22} <= kept
    assert result.limits.max_wav_samples == 22053
    by_line = {s.sample.line: s for s in result.samples if s.role == "train"}
    assert by_line[5].verdict.wav_samples == resampled_length(8001, 8000, 22050) == 22053


def test_token_count_includes_the_language_tag_and_space_tokens(mixed, stock_vocab):
    from tokenizers import Tokenizer

    row = next(s for s in mixed.samples if s.sample.line == 21 and s.role == "train")
    text = row.sample.text.lower()
    bare = len(Tokenizer.from_file(str(stock_vocab)).encode(text).ids)  # spaces vanish here
    # The dataset encodes "[en]one[SPACE]two...": one more token for the tag, one per space.
    assert row.verdict.text_tokens == bare + 1 + text.count(" ")


def test_summary_findings_count_drops_and_point_at_rows(mixed):
    by_code = {}
    for finding in mixed.findings:
        by_code.setdefault(finding.code, []).append(finding)
    assert "2 of 25 samples" in by_code["A106"][0].message  # two empty texts
    assert "'☃' U+2603" in by_code["A102"][0].message
    assert by_code["A109"][0].key == "model_args.max_text_length"
    assert {(f.line, f.file) for f in by_code["A104"]} == {
        (13, str(MIXED / "metadata_train.csv")),
        (17, str(MIXED / "metadata_train.csv")),
        (4, str(MIXED / "metadata_eval.csv")),
    }
    assert [f.line for f in by_code["A131"]] == [17]
    assert [f.line for f in by_code["A133"]] == [18]
    assert [f.line for f in by_code["A134"]] == [15]
    assert [f.line for f in by_code["A105"]] == [14, 20]
    duplicates = {(f.file.endswith("eval.csv"), f.line) for f in by_code["A132"]}
    assert duplicates == {(False, 8), (True, 3)}
    assert "A110" not in by_code and "A111" not in by_code  # something is left


def test_to_dict_is_json_safe_and_has_what_the_report_plots(mixed):
    data = json.loads(json.dumps(mixed.to_dict(), allow_nan=False))
    assert data["samples_total"] == 25 and data["samples_kept"] == 12
    drops = {row["reason"]: row for row in data["drops"]}
    assert drops["text-empty"]["count"] == 2 and drops["text-empty"]["train"] == 2
    assert sum(row["count"] for row in data["drops"]) == 25 - 12
    assert data["limits"]["max_wav_seconds"] == 1.0 and data["limits"]["min_wav_seconds"] == 0.5
    assert len(data["distributions"]["text_tokens"]["values"]) == 25
    missing = {m["char"]: m for m in data["vocab_coverage"]["missing_detail"]}
    assert missing["☃"]["code_point"] == "U+2603" and missing["☃"]["samples"] == 1
    row = next(s for s in data["samples"] if s["reason"] == "unk-characters")
    assert row["unk_chars"] and row["detail"].startswith("[UNK] from")


def test_demo_data_is_dropped_with_the_stock_vocab_and_kept_with_the_extension(stock_vocab):
    source = locate(DEMO)
    stock = audit_source(source, vocab=stock_vocab, language="am")
    assert not stock.kept() and {s.verdict.reason for s in stock.samples} == {
        Reason.LANGUAGE_UNSUPPORTED
    }
    assert {"A101", "A110", "A111", "A112"} <= {f.code for f in stock.findings}
    patched = audit_source(source, vocab=stock_vocab, language="am", tokenizer_mode="passthrough")
    assert not patched.kept()
    assert all(s.encoded.prefix_unk for s in patched.samples)  # '[am]': '[' and ']' are [UNK]
    extended = audit_source(source, vocab=VOCAB_AM, language="am", tokenizer_mode="passthrough")
    assert len(extended.kept()) == len(extended.samples) and extended.eval_samples_left > 0
    assert extended.coverage.missing == ()
    assert extended.coverage.block["in_vocab"] == extended.coverage.block["assigned"]
    assert not [f for f in extended.findings if f.severity.value != "info"]


def test_demo_data_fits_its_budget_and_format():
    wavs = sorted((DEMO / "wavs").glob("*.wav"))
    assert 40 <= len(wavs) <= 80
    assert sum(p.stat().st_size for p in DEMO.rglob("*") if p.is_file()) <= 5_000_000
    header = (DEMO / "metadata_train.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "audio_file|text|speaker_name"
    import soundfile as sf

    infos = [sf.info(p) for p in wavs]
    assert {(i.samplerate, i.channels, i.subtype) for i in infos} == {(22050, 1, "PCM_16")}
    assert min(i.duration for i in infos) >= 0.5 and max(i.duration for i in infos) <= 4.5


def test_automatic_eval_split_follows_the_config(stock_vocab):
    train_only = MIXED / "metadata_train.csv"
    plan = fixture_plan(eval_split_size=0.2)
    result = audit_dataset(plan, train_only, vocab=stock_vocab)
    assert result.eval_source == "automatic"
    # The coqui formatter skips the 2 of 22 rows without audio; 20% of the other 20 is 4.
    assert len(result.in_role("eval")) == 4
    too_small = audit_dataset(fixture_plan(eval_split_size=0.01), train_only, vocab=stock_vocab)
    assert "A113" in {f.code for f in too_small.findings}


def test_language_and_vocab_come_from_the_plan_or_a_clear_error(stock_vocab):
    plan = fixture_plan(**{"plan.language": "", "model_args.tokenizer_file": str(stock_vocab)})
    with pytest.raises(HarnessError, match="--language"):
        audit_dataset(plan, MIXED)
    result = audit_dataset(plan, MIXED, language="en")  # vocab from model_args.tokenizer_file
    assert result.vocab_path == str(stock_vocab)
    # No vocab named anywhere: the XTTS v2 release vocab that comes with the package.
    used = Path(audit_dataset(fixture_plan(), MIXED).vocab_path).resolve()
    assert used == RELEASE_VOCAB
    missing = fixture_plan(**{"model_args.tokenizer_file": "/content/XTTS_V2/vocab.json"})
    with pytest.raises(HarnessError, match=r"tokenizer_file '/content/XTTS_V2/vocab\.json' not"):
        audit_dataset(missing, MIXED)


def test_the_plan_fact_tokenizer_sets_the_audit_tokenizer(stock_vocab):
    declared = fixture_plan(**{"meta.tokenizer": "passthrough"})
    assert audit_dataset(declared, MIXED, vocab=stock_vocab).tokenizer_mode == "passthrough"
    assert audit_dataset(fixture_plan(), MIXED, vocab=stock_vocab).tokenizer_mode == "stock"
    explicit = audit_dataset(declared, MIXED, vocab=stock_vocab, tokenizer="stock")
    assert explicit.tokenizer_mode == "stock"


def test_ljspeech_rows_keep_their_line_ending_and_fail_late_on_missing_audio(stock_vocab):
    result = audit_source(
        locate(FIXTURES / "ljspeech"), vocab=stock_vocab, language="en", limits=Limits()
    )
    reasons = [s.verdict.reason for s in result.samples]
    assert reasons == [None, Reason.AUDIO_MISSING, Reason.AUDIO_TOO_SHORT]
    assert result.samples[0].sample.text.endswith("\n")
    # The ljspeech formatter does not check files, so the tokenizer fails first; the
    # later reasons ('[xx]' is not a vocab token; the clip is missing) are kept in order.
    unknown = audit_source(locate(FIXTURES / "ljspeech"), vocab=stock_vocab, language="xx")
    assert unknown.samples[1].verdict.reasons == (
        Reason.LANGUAGE_UNSUPPORTED,
        Reason.UNK_CHARACTERS,
        Reason.AUDIO_MISSING,
    )


def test_cli_audit_exit_codes_and_json(tmp_path, capsys, stock_vocab):
    config = tmp_path / "am.toml"
    config.write_text('[plan]\nlanguage = "am"\n', encoding="utf-8")  # library limits
    args = ["audit", str(config), "--dataset", str(DEMO)]
    code = main([*args, "--vocab", str(stock_vocab), "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1 and data["summary"]["exit_code"] == 1
    assert data["dataset_audit"]["samples_kept"] == 0
    assert {f["code"] for f in data["findings"]} >= {"A101", "A111"}
    code = main([*args, "--vocab", str(VOCAB_AM), "--tokenizer", "passthrough"])
    out = capsys.readouterr().out
    assert code == 0 and "language-unsupported" not in out
    assert main([*args, "--vocab", str(VOCAB_AM), "--fail-on", "info", "--format", "md"]) == 1


def test_dataset_and_language_default_to_the_configs_first_dataset(tmp_path, stock_vocab):
    config = tmp_path / "config.toml"
    config.write_text(
        "[model_args]\nmax_wav_length = 22050\nmax_text_length = 30\n"
        f'[[datasets]]\nformatter = "coqui"\npath = "{MIXED}"\n'
        'meta_file_train = "metadata_train.csv"\nmeta_file_val = "metadata_eval.csv"\n'
        'language = "en"\n',
        encoding="utf-8",
    )
    plan = build_plan(raw_from_mapping(tomllib.loads(config.read_text()), name="c", path=None))
    from_config = audit_dataset(plan, vocab=stock_vocab)
    given = audit_dataset(fixture_plan(), MIXED, vocab=stock_vocab)
    assert from_config.language == "en" and from_config.eval_source == "file"
    assert [s.verdict for s in from_config.samples] == [s.verdict for s in given.samples]


def test_the_audit_imports_no_torch_or_tts():
    import subprocess
    import sys

    code = (
        "import sys, harness.audit, harness.audit.vocab_check, harness.commands.audit;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('torch', 'TTS', 'trainer')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_texts_the_stock_cleaners_rewrite_are_marked_approximate(tmp_path):
    root = tmp_path / "data"
    (root / "wavs").mkdir(parents=True)
    (root / "wavs" / "a.wav").write_bytes((MIXED / "wavs" / "clip_01.wav").read_bytes())
    rows = ["audio_file|text|speaker_name", "wavs/a.wav|Dr. Smith paid 5 dollars.|s",
            "wavs/a.wav|Plain words only.|s"]  # fmt: skip
    (root / "metadata_train.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = audit_source(locate(root), vocab=VOCAB_AM, language="en")
    assert [s.encoded.approximate for s in result.samples] == [True, False]
    assert [f.line for f in result.findings if f.code == "A122"] == [None]
