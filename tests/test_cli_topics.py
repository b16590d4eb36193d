"""`policytopics topics`: a model's topics with top words, theme and size, on a tiny project."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from policytopics.cli import main
from policytopics.cli_output import cut, display_width, text_table
from policytopics.topics_view import bertopic_sizes, lda_shares, lda_sizes, topic_rows

WORDS = pd.DataFrame(
    {
        "topic": [0, 0, 0, 1, 1, 1],
        "rank": [2, 1, 3, 1, 2, 3],
        "word": ["空气质量", "生态环境", "绿色", "白酒", "酿造", "酒业"],
        "weight": [0.2, 0.3, 0.1, 0.3, 0.2, 0.1],
    }
)
THEMES = pd.DataFrame(
    {
        "model": ["lda", "lda", "bertopic", "bertopic"],
        "topic": [0, 1, 0, 1],
        "theme": ["ecology", "liquor_industry", "ecology", "unmapped"],
        "score": [0.8196, 0.4328, 0.7, 0.2],
    }
)
LDA_DOC_TOPICS = pd.DataFrame(
    {
        "passage_id": ["d/p0", "d/p1", "d/p2", "d/p3"],
        "topic_0": [0.9, 0.2, 0.4, 0.5],
        "topic_1": [0.1, 0.8, 0.6, 0.5],
        "status": ["modelled", "modelled", "modelled", "other_language"],
    }
)
BERTOPIC = pd.DataFrame({"passage_id": ["d/p0", "d/p1", "d/p2", "d/p3"], "topic": [0, 0, 1, -1]})


def test_lda_sizes_and_shares_read_modelled_passages_only() -> None:
    assert lda_sizes(LDA_DOC_TOPICS).to_dict() == {0: 1, 1: 2}
    shares = lda_shares(LDA_DOC_TOPICS)
    assert shares.round(4).to_dict() == {0: 0.5, 1: 0.5}


def test_topic_rows_join_words_theme_and_size() -> None:
    rows = topic_rows(
        WORDS, THEMES, lda_sizes(LDA_DOC_TOPICS), "lda", 2, lda_shares(LDA_DOC_TOPICS)
    )
    assert rows == [
        {"topic": 0, "passages": 1, "share": 0.5, "theme": "ecology", "theme_score": 0.8196,
         "top_words": "生态环境 空气质量"},
        {"topic": 1, "passages": 2, "share": 0.5, "theme": "liquor_industry",
         "theme_score": 0.4328, "top_words": "白酒 酿造"},
    ]  # fmt: skip


def test_bertopic_rows_show_outliers_and_shares_of_passages() -> None:
    rows = topic_rows(WORDS, THEMES, bertopic_sizes(BERTOPIC), "bertopic", 1)
    assert [(r["topic"], r["passages"], r["share"], r["theme"]) for r in rows] == [
        (-1, 1, 0.25, None),
        (0, 2, 0.5, "ecology"),
        (1, 1, 0.25, "unmapped"),
    ]


def test_display_width_counts_chinese_twice_and_cut_marks_the_cut() -> None:
    assert display_width("白酒ab") == 6
    assert cut("推进白酒产业集群发展", 9) == "推进白酒…"
    assert cut("推进白酒", 8) == "推进白酒"


def test_text_table_aligns_chinese_columns() -> None:
    table = text_table([{"k": "白酒", "n": 3}, {"k": "a", "n": 12}], ["k", "n"])
    assert table == "k      n\n白酒   3\na     12\n"


def project(root: Path) -> Path:
    """A project folder holding the topic outputs of the pipeline."""
    (root / "reports/lda").mkdir(parents=True)
    (root / "reports/bertopic").mkdir(parents=True)
    (root / "reports/themes").mkdir(parents=True)
    (root / "data/processed").mkdir(parents=True)
    (root / "dvc.yaml").write_text("stages: {}\n", encoding="utf-8")
    WORDS.to_csv(root / "reports/lda/topics.csv", index=False, encoding="utf-8-sig")
    WORDS.to_csv(root / "reports/bertopic/topics.csv", index=False, encoding="utf-8-sig")
    THEMES.to_csv(root / "reports/themes/topic_themes.csv", index=False, encoding="utf-8-sig")
    LDA_DOC_TOPICS.to_parquet(root / "data/processed/lda_doc_topics.parquet")
    BERTOPIC.to_parquet(root / "data/processed/bertopic_topics.parquet")
    return root


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = project(tmp_path / "project")
    monkeypatch.setenv("POLICYTOPICS_ROOT", str(directory))
    return directory


def run(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    return main(argv, stdout=out), out.getvalue()


def test_topics_prints_a_readable_table(root: Path) -> None:
    code, out = run(["topics", "--top", "2"])
    assert code == 0
    assert out.splitlines() == [
        "topic  passages  share  theme            theme_score  top_words",
        "    0         1  50.0%  ecology               0.8196  生态环境 空气质量",
        "    1         2  50.0%  liquor_industry       0.4328  白酒 酿造",
    ]


def test_topics_csv_for_bertopic(root: Path) -> None:
    code, out = run(["topics", "--model", "bertopic", "--csv"])
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["topic"], r["passages"], r["theme"], r["top_words"]) for r in rows] == [
        ("-1", "1", "", ""),
        ("0", "2", "ecology", "生态环境 空气质量 绿色"),
        ("1", "1", "unmapped", "白酒 酿造 酒业"),
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["topics", "--model", "nmf"],
            "policytopics topics: error: argument --model: unknown model 'nmf' "
            "(choose lda or bertopic); see `policytopics topics --help`",
        ),
        (
            ["topics", "--top", "0"],
            "policytopics topics: error: argument --top: 0 is out of range (must be at least 1); "
            "see `policytopics topics --help`",
        ),
    ],
    ids=["unknown-model", "top-zero"],
)
def test_bad_topics_flags_are_one_line_and_exit_2(
    root: Path, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(argv) == (2, "")
    assert capsys.readouterr().err == message + "\n"


def test_topics_before_dvc_repro_says_run_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "dvc.yaml").write_text("stages: {}\n", encoding="utf-8")
    monkeypatch.setenv("POLICYTOPICS_ROOT", str(tmp_path))
    assert run(["topics"]) == (2, "")
    assert capsys.readouterr().err == (
        f"policytopics topics: error: reports/lda/topics.csv: not found in {tmp_path}; "
        "run `dvc repro` first\n"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "the following arguments are required: COMMAND"),
        (["report"], "argument COMMAND: invalid choice: 'report'"),
    ],
    ids=["no-command", "unknown-command"],
)
def test_a_missing_or_unknown_command_is_one_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(argv) == (2, "")
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"policytopics: error: {message}")
