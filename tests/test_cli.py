"""`policytopics classify`: stdin, file, JSONL, missing model; `policytopics themes`."""

import io
import json
import shutil
from pathlib import Path

import pytest
from _theme_fixtures import SENTENCES, FakeEmbedder

import policytopics.themes.bundle as bundle_module
from policytopics.cli import main
from policytopics.config import EmbedParams, TokenizeParams
from policytopics.text.tokenize import build_tokenizer
from policytopics.themes.bundle import (
    ClassifierBundle,
    prepare_inputs,
    save_bundle,
    training_ood,
)
from policytopics.themes.classifier import ThemeClassifier
from policytopics.themes.lexicon import load_lexicon

LIQUOR = "推进白酒产业集群发展，做强泸州老窖品牌。"
ECOLOGY = "加强长江流域生态保护修复。"
DIGITAL = "建设大数据中心，发展数字经济。"


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    lexicon, tokenizer, embedder = load_lexicon(), build_tokenizer(TokenizeParams()), FakeEmbedder()
    texts = [t for _, t in SENTENCES]
    inputs = prepare_inputs(texts, ["zh"] * len(texts), embedder, tokenizer, None)
    classifier = ThemeClassifier(lexicon).fit(inputs, [k for k, _ in SENTENCES])
    directory = tmp_path_factory.mktemp("classifier")
    bundle = ClassifierBundle(
        classifier, tokenizer, EmbedParams(), None, ood=training_ood(inputs.embeddings)
    )
    save_bundle(bundle, directory)
    return directory


@pytest.fixture(autouse=True)
def fake_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bundle_module, "build_embedder", lambda params: FakeEmbedder())


def run(argv: list[str], stdin: str = "") -> tuple[int, list[dict[str, object]]]:
    out = io.StringIO()
    code = main(argv, stdin=io.StringIO(stdin), stdout=out)
    return code, [json.loads(line) for line in out.getvalue().splitlines()]


def test_classify_reads_lines_from_stdin(model_dir: Path) -> None:
    code, records = run(
        ["classify", "--model", str(model_dir)], f"{LIQUOR}\n\n{ECOLOGY}\n{DIGITAL}\n"
    )
    assert code == 0
    assert [r["text"] for r in records] == [LIQUOR, ECOLOGY, DIGITAL]  # blank lines skipped
    assert [r["theme"] for r in records] == ["liquor_industry", "ecology", "digital_economy"]
    scores = records[0]["scores"]
    assert isinstance(scores, dict) and len(scores) == 13
    assert sum(scores.values()) == pytest.approx(1.0, abs=1e-3)


def test_classify_reads_a_file_and_keeps_chinese_readable(model_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "texts.txt"
    path.write_text(f"{ECOLOGY}\n", encoding="utf-8")
    out = io.StringIO()
    assert main(["classify", str(path), "--model", str(model_dir)], stdout=out) == 0
    assert ECOLOGY in out.getvalue()  # ensure_ascii=False


def test_classify_detects_jsonl_and_accepts_the_flag(model_dir: Path) -> None:
    lines = "\n".join(
        json.dumps({"id": i, "text": t}, ensure_ascii=False)
        for i, t in enumerate([DIGITAL, LIQUOR])
    )
    for argv in (["classify"], ["classify", "--jsonl"]):
        code, records = run([*argv, "--model", str(model_dir)], lines)
        assert code == 0
        assert [r["theme"] for r in records] == ["digital_economy", "liquor_industry"]


def test_bad_jsonl_is_a_one_line_error(model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run(["classify", "--model", str(model_dir)], '{"text": "甲"}\n{"body": "乙"}\n')
    assert code == 2
    assert (
        capsys.readouterr().err
        == 'policytopics classify: error: line 2: a JSONL record needs a string "text" field\n'
    )


@pytest.fixture(scope="module")
def context_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model that reads the heading block (trained with headings naming each theme)."""
    lexicon, tokenizer, embedder = load_lexicon(), build_tokenizer(TokenizeParams()), FakeEmbedder()
    texts, themes = [t for _, t in SENTENCES], [k for k, _ in SENTENCES]
    headings = [HEADINGS.get(k, "") for k in themes]
    inputs = prepare_inputs(texts, ["zh"] * len(texts), embedder, tokenizer, None, headings)
    classifier = ThemeClassifier(lexicon, context_weight=2.0).fit(inputs, themes)
    directory = tmp_path_factory.mktemp("context_classifier")
    bundle = ClassifierBundle(
        classifier, tokenizer, EmbedParams(), None, ood=training_ood(inputs.embeddings)
    )
    save_bundle(bundle, directory)
    return directory


HEADINGS = {"digital_economy": "第二节 加快发展数字经济", "liquor_industry": "第一节 做强白酒产业"}


def test_jsonl_heading_field_is_the_texts_context(context_model_dir: Path) -> None:
    ambiguous = "新引进重点企业十家，新开工项目二十个。"
    lines = "\n".join(
        json.dumps({"text": ambiguous, "heading": h}, ensure_ascii=False) for h in HEADINGS.values()
    )
    code, records = run(["classify", "--model", str(context_model_dir)], lines)
    assert code == 0
    assert [r["theme"] for r in records] == ["digital_economy", "liquor_industry"]
    assert set(records[0]) == {
        "text",
        "theme",
        "best_theme",
        "confidence",
        "margin",
        "ood",
        "known_words",
        "out_of_domain",
        "abstained",
        "scores",
    }


@pytest.fixture(scope="module")
def passage_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model that reads the surrounding passage's embedding."""
    lexicon, tokenizer, embedder = load_lexicon(), build_tokenizer(TokenizeParams()), FakeEmbedder()
    texts, themes = [t for _, t in SENTENCES], [k for k, _ in SENTENCES]
    inputs = prepare_inputs(texts, ["zh"] * len(texts), embedder, tokenizer, None)
    classifier = ThemeClassifier(lexicon, passage_weight=3.0).fit(inputs, themes)
    directory = tmp_path_factory.mktemp("passage_classifier")
    bundle = ClassifierBundle(
        classifier, tokenizer, EmbedParams(), None, ood=training_ood(inputs.embeddings)
    )
    save_bundle(bundle, directory)
    return directory


def test_jsonl_passage_field_is_the_paragraph_the_text_is_read_in(
    passage_model_dir: Path,
) -> None:
    ambiguous = "新引进重点企业十家，新开工项目二十个。"
    paragraphs = ["建设大数据中心，发展数字经济。", "推进白酒产业集群发展，做强泸州老窖品牌。"]
    lines = "\n".join(
        json.dumps({"text": ambiguous, "passage": p}, ensure_ascii=False) for p in paragraphs
    )
    code, records = run(["classify", "--model", str(passage_model_dir)], lines)
    assert code == 0
    assert [r["theme"] for r in records] == ["digital_economy", "liquor_industry"]
    # no "passage" (or ""): the text alone, the same as plain-line input
    _, alone = run(["classify", "--model", str(passage_model_dir)], f'{{"text": "{ambiguous}"}}')
    _, plain = run(["classify", "--model", str(passage_model_dir)], ambiguous)
    assert alone == plain
    assert alone[0]["theme"] not in {"digital_economy", "liquor_industry"}


@pytest.mark.parametrize(
    ("line", "field"),
    [('{"text": "甲", "heading": 3}', "heading"), ('{"text": "甲", "passage": ["乙"]}', "passage")],
)
def test_non_string_context_field_is_a_one_line_error(
    model_dir: Path, line: str, field: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = run(["classify", "--model", str(model_dir)], line + "\n")
    assert code == 2
    assert capsys.readouterr().err == (
        f'policytopics classify: error: line 1: "{field}" must be a string\n'
    )


def test_missing_model_says_run_dvc_repro(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, records = run(["classify", "--model", str(tmp_path / "nowhere")], f"{LIQUOR}\n")
    assert (code, records) == (2, [])
    err = capsys.readouterr().err
    assert (
        err.count("\n") == 1
        and "dvc repro" in err
        and err.startswith("policytopics classify: error:")
    )


def test_missing_input_file_is_a_one_line_error(
    model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = run(["classify", "nope.txt", "--model", str(model_dir)])
    assert code == 2
    assert capsys.readouterr().err == "policytopics classify: error: nope.txt: no such file\n"


def test_themes_lists_the_taxonomy() -> None:
    out = io.StringIO()
    assert main(["themes"], stdout=out) == 0
    lines = out.getvalue().splitlines()
    assert len(lines) == 13 and lines[2] == "liquor_industry\t白酒产业\tLiquor (baijiu) industry"


def tmp_project(root: Path, model_dir: Path) -> Path:
    """A project folder: dvc.yaml, the trained classifier, a notebooks/ subfolder."""
    (root / "notebooks").mkdir(parents=True)
    (root / "dvc.yaml").write_text("stages: {}\n", encoding="utf-8")
    shutil.copytree(model_dir, root / "models" / "classifier")
    return root


def test_commands_find_the_project_root_from_a_subfolder(
    model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, repo_root: Path
) -> None:
    root = tmp_project(tmp_path / "project", model_dir)
    packaged = (repo_root / "src/policytopics/resources/themes.yaml").read_text(encoding="utf-8")
    (root / "taxonomy.yaml").write_text(
        packaged.replace("zh: 白酒产业", "zh: 白酒"), encoding="utf-8"
    )
    (root / "params.yaml").write_text("themes:\n  lexicon: taxonomy.yaml\n", encoding="utf-8")
    monkeypatch.delenv("POLICYTOPICS_ROOT", raising=False)
    monkeypatch.chdir(root / "notebooks")
    code, records = run(["classify"], f"{LIQUOR}\n")
    assert code == 0 and [r["theme"] for r in records] == ["liquor_industry"]
    out = io.StringIO()
    assert main(["themes"], stdout=out) == 0  # the project's themes.lexicon, found from root
    assert out.getvalue().splitlines()[2] == "liquor_industry\t白酒\tLiquor (baijiu) industry"


def test_outside_a_project_classify_says_where_it_looked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("POLICYTOPICS_ROOT", raising=False)
    monkeypatch.chdir(tmp_path)
    code, _ = run(["classify"], f"{LIQUOR}\n")
    assert code == 2
    assert capsys.readouterr().err == (
        f"policytopics classify: error: no dvc.yaml above {tmp_path.resolve()}; run inside the "
        "project or set POLICYTOPICS_ROOT to its root\n"
    )
    out = io.StringIO()
    assert main(["themes"], stdout=out) == 0  # the packaged taxonomy
    assert out.getvalue().splitlines()[2] == "liquor_industry\t白酒产业\tLiquor (baijiu) industry"
