"""`policytopics classify`: bad bytes, control characters, empty texts, confidence, OOD and
abstention, CSV output; the bundle's OOD reference (old bundles without one still load)."""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from _theme_fixtures import DIM, save_pre_ood_bundle
from _theme_fixtures import fitted_bundle as shared_fitted_bundle

import policytopics.themes.bundle as bundle_module
from policytopics.cli import main, with_abstention
from policytopics.cli_input import Skipped, clean_text, decoded_lines, read_texts
from policytopics.errors import UserError
from policytopics.themes.bundle import (
    ClassifierBundle,
    load_bundle,
    save_bundle,
)

DIGITAL = "建设大数据中心，发展数字经济。"
LIQUOR = "推进白酒产业集群发展，做强泸州老窖品牌。"


class ScriptEmbedder:
    """Hashed character bigrams as in `_theme_fixtures.FakeEmbedder`, ASCII bigrams in 64
    dimensions of their own: as with e5, English text is far from the Chinese fixtures."""

    name = "fake/script-bigram-128"

    def embed(self, texts: Sequence[str], kind: str = "passage") -> np.ndarray:
        out = np.zeros((len(texts), 2 * DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            for a, b in itertools.pairwise(text.lower()):
                offset = DIM if (a + b).isascii() else 0
                out[row, offset + hashlib.md5((a + b).encode()).digest()[0] % DIM] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


def fitted_bundle(with_ood: bool = True) -> ClassifierBundle:
    return shared_fitted_bundle(ScriptEmbedder(), with_ood)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("classifier")
    save_bundle(fitted_bundle(), directory)
    return directory


@pytest.fixture(scope="module")
def old_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bundle pickled before ClassifierBundle had an `ood` field."""
    return save_pre_ood_bundle(ScriptEmbedder(), tmp_path_factory.mktemp("old_classifier"))


class RecordingEmbedder(ScriptEmbedder):
    """The fake embedder, remembering every text it was asked to embed."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def embed(self, texts: Sequence[str], kind: str = "passage") -> np.ndarray:
        self.seen.extend(texts)
        return super().embed(texts, kind)


@pytest.fixture(autouse=True)
def embedder(monkeypatch: pytest.MonkeyPatch) -> RecordingEmbedder:
    recording = RecordingEmbedder()
    monkeypatch.setattr(bundle_module, "build_embedder", lambda params: recording)
    return recording


def run(argv: list[str], stdin: str | bytes = "") -> tuple[int, str]:
    """Exit status and stdout; bytes go through a binary buffer, as a real stdin's do."""
    stream = (
        io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8", errors="surrogateescape")
        if isinstance(stdin, bytes)
        else io.StringIO(stdin)
    )
    out = io.StringIO()
    return main(argv, stdin=stream, stdout=out), out.getvalue()


def records(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines()]


def test_clean_text_drops_control_characters_and_spaces_tabs() -> None:
    assert clean_text("\ufeff推进\x07生态\t保护\x1b。\x85\x00") == "推进生态 保护。"
    assert clean_text("Build\x00 data\x7f centres\r\n") == "Build data centres"
    assert clean_text(" \x00\x01 ") == ""


def test_decoded_lines_drop_a_leading_bom_and_name_a_bad_byte() -> None:
    assert list(decoded_lines([b"\xef\xbb\xbf\xe7\x94\xb2\n", "乙\r\n"])) == [(1, "甲"), (2, "乙")]
    with pytest.raises(UserError, match=r"^line 2: not UTF-8 text \(byte 0xff at byte 4"):
        list(decoded_lines([b"ok\n", b"\xe7\x94\xb2\xff\n"]))


def test_read_texts_skips_empty_texts_with_their_line_numbers() -> None:
    skipped = Skipped()
    lines = list(
        read_texts(
            enumerate(['{"text": ""}', "", '{"text": " \\u0000 "}', '{"text": "甲"}'], 1),
            None,
            skipped,
        )
    )
    assert [(line.text, line.number) for line in lines] == [("甲", 4)]
    assert skipped.lines == [1, 3]
    assert skipped.message() == "skipped 2 empty texts (line 1, 3)"


def test_random_bytes_on_stdin_are_one_line_and_exit_2(
    model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    noise = np.random.default_rng(0).bytes(5000)  # `head -c 5000 /dev/urandom`
    code, out = run(["classify", "--model", str(model_dir)], noise)
    err = capsys.readouterr().err
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert err.startswith("policytopics classify: error: line 1: not UTF-8 text (byte 0x")


def test_invalid_utf8_in_a_file_names_the_file_and_line(
    model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "texts.txt"
    path.write_bytes(DIGITAL.encode() + b"\n" + "发展".encode("gbk") + b"\n")
    code, out = run(["classify", str(path), "--model", str(model_dir)])
    assert (code, out) == (2, "")  # the batch holding the bad line is not classified
    assert capsys.readouterr().err == (
        f"policytopics classify: error: {path}: line 2: not UTF-8 text "
        "(byte 0xb7 at byte 1 of the line)\n"
    )


@pytest.mark.parametrize(
    "stdin",
    ["甲\ud800乙\n", '{"text": "甲\\ud800乙"}\n', '{"text": "甲", "heading": "\\udc80"}\n'],
    ids=["text-line", "json-escape", "json-heading"],
)
def test_a_lone_surrogate_is_one_line_and_exit_2(
    model_dir: Path, stdin: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(["classify", "--model", str(model_dir)], stdin)
    assert (code, out) == (2, "")
    err = capsys.readouterr().err
    assert err.startswith("policytopics classify: error: line 1: not UTF-8 text (lone surrogate U+")
    assert err.count("\n") == 1


def test_surrogateescaped_stdin_bytes_are_caught_too(
    model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Python decodes a C-locale stdin with surrogateescape: the buffer is read instead."""
    code, _ = run(["classify", "--model", str(model_dir)], b"\x80abc\n")
    assert code == 2
    assert capsys.readouterr().err == (
        "policytopics classify: error: line 1: not UTF-8 text (byte 0x80 at byte 1 of the line)\n"
    )


def test_a_nul_inside_a_text_does_not_cut_what_is_embedded(
    model_dir: Path, embedder: RecordingEmbedder
) -> None:
    code, out = run(["classify", "--model", str(model_dir)], "建设大数据\x00中心，发展数字经济。\n")
    _, plain = run(["classify", "--model", str(model_dir)], DIGITAL + "\n")
    assert code == 0
    assert embedder.seen == [DIGITAL, DIGITAL]  # whole, and without the NUL
    assert records(out) == records(plain)
    assert records(out)[0]["text"] == DIGITAL


def test_empty_texts_are_skipped_and_reported_with_line_numbers(
    model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = ['{"text": ""}', '{"text": "   "}', json.dumps({"text": LIQUOR}, ensure_ascii=False)]
    code, out = run(["classify", "--model", str(model_dir)], "\n".join(lines) + "\n")
    assert code == 0
    assert [r["text"] for r in records(out)] == [LIQUOR]
    assert capsys.readouterr().err == "policytopics classify: skipped 2 empty texts (line 1, 2)\n"


def test_hello_world_is_flagged_out_of_domain(model_dir: Path) -> None:
    code, out = run(["classify", "--model", str(model_dir)], f"hello world\n{DIGITAL}\n")
    assert code == 0
    hello, digital = records(out)
    assert isinstance(hello["ood"], float) and hello["ood"] > 0.99
    assert hello["known_words"] == 0  # "hello" and "world" are English stopwords
    assert hello["out_of_domain"] is True
    assert hello["abstained"] is True and hello["theme"] == hello["best_theme"]  # marked
    assert hello["best_theme"] in load_bundle(model_dir).keys
    assert digital["out_of_domain"] is False and digital["abstained"] is False
    assert digital["theme"] == digital["best_theme"]
    assert digital["theme"] == "digital_economy"


def test_thresholds_set_abstention(model_dir: Path) -> None:
    text = f"hello world\n{DIGITAL}\n"
    _, strict = run(["classify", "--model", str(model_dir), "--min-confidence", "1"], text)
    assert [r["abstained"] for r in records(strict)] == [True, True]
    _, lax = run(
        ["classify", "--model", str(model_dir), "--min-confidence", "0", "--max-ood", "1"], text
    )
    # a text with no word the model knows stays out of domain whatever the thresholds
    assert [r["abstained"] for r in records(lax)] == [True, False]
    assert records(lax)[1]["theme"] == "digital_economy"


def test_abstain_withholds_the_theme_of_an_abstained_prediction(model_dir: Path) -> None:
    _, out = run(["classify", "--model", str(model_dir), "--abstain"], f"hello world\n{DIGITAL}\n")
    hello, digital = records(out)
    assert (hello["abstained"], hello["theme"]) == (True, None)
    assert hello["best_theme"] in load_bundle(model_dir).keys
    assert (digital["abstained"], digital["theme"]) == (False, "digital_economy")


RECORD = {"text": "甲", "theme": "ecology", "scores": {}, "margin": 0.5}


@pytest.mark.parametrize(
    ("confidence", "ood", "known", "out_of_domain", "abstained"),
    [
        (0.9, 0.5, 3, False, False),
        (0.4, 0.5, 3, False, True),  # unsure, but in domain
        (0.9, 0.995, 3, True, True),  # far from the training texts
        (0.9, 0.5, 0, True, True),  # not one known word
        (0.9, None, 3, False, False),  # a model without OOD reference
        (0.9, 0.99, 3, False, False),  # the threshold itself is in domain
    ],
)
def test_with_abstention_marks_out_of_domain_and_low_confidence(
    confidence: float, ood: float | None, known: int, out_of_domain: bool, abstained: bool
) -> None:
    record = {**RECORD, "confidence": confidence, "ood": ood, "known_words": known}
    marked = with_abstention(record, min_confidence=0.5, max_ood=0.99)
    assert (marked["out_of_domain"], marked["abstained"]) == (out_of_domain, abstained)
    assert marked["best_theme"] == marked["theme"] == "ecology"  # marked, not withheld
    withheld = with_abstention(record, min_confidence=0.5, max_ood=0.99, withhold=True)
    assert withheld["abstained"] == abstained
    assert withheld["theme"] == (None if abstained else "ecology")


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (
            ["--min-confidence", "2"],
            "argument --min-confidence: 2 is out of range (must be from 0.0 to 1.0)",
        ),
        (["--max-ood", "high"], "argument --max-ood: not a number: 'high'"),
        (["--frobnicate"], "unrecognized arguments: --frobnicate"),
    ],
    ids=["out-of-range", "not-a-number", "unknown-flag"],
)
def test_bad_classify_flags_are_one_line_and_exit_2(
    model_dir: Path, flags: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(["classify", "--model", str(model_dir), *flags], f"{DIGITAL}\n")
    assert (code, out) == (2, "")
    prog = "policytopics" if flags == ["--frobnicate"] else "policytopics classify"
    assert capsys.readouterr().err == f"{prog}: error: {message}; see `{prog} --help`\n"


def test_csv_output_has_a_header_and_one_probability_column_per_theme(model_dir: Path) -> None:
    code, out = run(["classify", "--model", str(model_dir), "--csv"], f"hello world\n{LIQUOR}\n")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    keys = load_bundle(model_dir).keys
    assert list(rows[0]) == [
        "text", "theme", "best_theme", "confidence", "margin", "ood", "known_words",
        "out_of_domain", "abstained", *(f"p_{k}" for k in keys),
    ]  # fmt: skip
    assert [r["text"] for r in rows] == ["hello world", LIQUOR]
    assert [r["theme"] for r in rows] == [rows[0]["best_theme"], "liquor_industry"]
    assert [r["abstained"] for r in rows] == ["True", "False"]
    _, out = run(
        ["classify", "--model", str(model_dir), "--csv", "--abstain"], f"hello world\n{LIQUOR}\n"
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["theme"] for r in rows] == ["", "liquor_industry"]  # withheld: empty
    assert sum(float(rows[1][f"p_{k}"]) for k in keys) == pytest.approx(1.0, abs=1e-3)


def test_csv_has_one_header_across_batches(
    model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import policytopics.cli as cli

    monkeypatch.setattr(cli, "BATCH", 2)
    code, out = run(["classify", "--model", str(model_dir), "--csv"], f"{LIQUOR}\n" * 5)
    assert code == 0
    assert len(list(csv.DictReader(io.StringIO(out)))) == 5 and out.count("text,theme") == 1


def test_a_model_without_ood_says_so_and_abstains_by_confidence(
    old_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(["classify", "--model", str(old_model_dir)], f"{DIGITAL}\n")
    assert code == 0
    (record,) = records(out)
    assert record["ood"] is None and record["abstained"] is False
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no OOD reference" in err and "dvc repro classify" in err


def test_version_comes_from_the_package_metadata(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"policytopics {version('policytopics')}\n"


def test_thresholds_default_to_params_cli_section_and_flags_override_it(
    model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "dvc.yaml").write_text("stages: {}\n", encoding="utf-8")
    (tmp_path / "params.yaml").write_text("cli:\n  min_confidence: 1.0\n", encoding="utf-8")
    monkeypatch.setenv("POLICYTOPICS_ROOT", str(tmp_path))
    _, out = run(["classify", "--model", str(model_dir)], f"{DIGITAL}\n")
    assert [r["abstained"] for r in records(out)] == [True]  # no prediction reaches 1.0
    _, out = run(["classify", "--model", str(model_dir), "--min-confidence", "0.5"], f"{DIGITAL}\n")
    assert [r["abstained"] for r in records(out)] == [False]


def test_a_bad_cli_section_in_params_is_one_line(
    model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    (tmp_path / "dvc.yaml").write_text("stages: {}\n", encoding="utf-8")
    (tmp_path / "params.yaml").write_text("cli:\n  max_ood: 2\n", encoding="utf-8")
    monkeypatch.setenv("POLICYTOPICS_ROOT", str(tmp_path))
    code, out = run(["classify", "--model", str(model_dir)], f"{DIGITAL}\n")
    assert (code, out) == (2, "")
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cli.max_ood" in err


@pytest.mark.parametrize("locale", ["C", "C.UTF-8"])
def test_urandom_into_the_real_command_is_one_line_not_a_traceback(
    model_dir: Path, locale: str
) -> None:
    """`head -c 5000 /dev/urandom | policytopics classify`, through a real stdin (a C locale
    decodes stdin with surrogateescape)."""
    import os
    import subprocess
    import sys

    entry = "import sys; from policytopics.cli import main; sys.exit(main())"
    done = subprocess.run(
        [sys.executable, "-c", entry, "classify", "--model", str(model_dir)],
        input=np.random.default_rng(1).bytes(5000),
        capture_output=True,
        env={**os.environ, "LC_ALL": locale, "PYTHONUTF8": "0"},
        timeout=120,
        check=False,
    )
    err = done.stderr.decode()
    assert done.returncode == 2 and done.stdout == b""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("policytopics classify: error: line 1: not UTF-8 text")
