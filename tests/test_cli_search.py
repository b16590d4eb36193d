"""`policytopics search`: passages by Chinese substring or by embedding similarity, on a tiny
project with a fake embedder."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
from _theme_fixtures import FakeEmbedder

import policytopics.models.embed as embed_module
from policytopics.cli import main
from policytopics.errors import UserError
from policytopics.search import cosine_scores, filter_mask, ranked_hits, substring_scores

LONG = "推进白酒产业集群发展，做强泸州老窖品牌，" * 10  # 200 characters
PASSAGES = pd.DataFrame(
    {
        "passage_id": ["a/p0", "a/p1", "b/p0", "b/p1"],
        "doc_id": ["a", "a", "b", "b"],
        "locality": ["泸州市", "泸州市", "合川区", "合川区"],
        "section_path": ["第一节 做强白酒产业", "", "第二节 数字经济", "第八篇 生态"],
        "text": [
            LONG,
            "白酒\n酒文化旅游。",
            "建设大数据中心，发展数字经济。",
            "加强长江流域生态保护修复。",
        ],
    }
)
DOCUMENTS = pd.DataFrame({"doc_id": ["a", "b"], "title": ["泸州市政府工作报告", pd.NA]})
THEMES = pd.DataFrame(
    {
        "passage_id": ["a/p0", "a/p1", "b/p0", "b/p1"],
        "theme": ["liquor_industry", "culture_tourism", "digital_economy", "ecology"],
    }
)


def test_substring_scores_count_exact_occurrences() -> None:
    scores = substring_scores(PASSAGES["text"].tolist(), "白酒")
    assert scores.tolist() == [10.0, 1.0, 0.0, 0.0]
    assert substring_scores(["Digital economy"], "digital").tolist() == [0.0]  # exact


def test_cosine_scores_and_ranking_keep_table_order_on_ties() -> None:
    matrix = np.array([[1, 0], [0, 1], [1, 1], [1, 0], [0, 0]], dtype=np.float32)
    scores = cosine_scores(matrix, np.array([2.0, 0.0]))
    assert scores.round(4).tolist() == [1.0, 0.0, 0.7071, 1.0, 0.0]
    table = pd.DataFrame({"passage_id": list("vwxyz"), "text": list("VWXYZ")})
    hits = ranked_hits(table, scores, np.ones(5, bool), limit=3)
    assert [(h["rank"], h["passage_id"], h["score"]) for h in hits] == [
        (1, "v", 1.0),
        (2, "y", 1.0),
        (3, "x", 0.7071),
    ]
    assert [h["passage_id"] for h in ranked_hits(table, scores, np.ones(5, bool), 9, 0.0)] == [
        "v",
        "y",
        "x",
    ]


def test_filters_by_locality_and_theme_and_reject_unknown_ones() -> None:
    assert filter_mask(PASSAGES, "合川区").tolist() == [False, False, True, True]
    assert filter_mask(PASSAGES, None, "ecology", THEMES).tolist() == [False, False, False, True]
    with pytest.raises(
        UserError, match="no passages of locality '重庆' \\(localities: 合川区, 泸州市\\)"
    ):
        filter_mask(PASSAGES, "重庆")
    with pytest.raises(UserError, match="no passages of theme 'liquor'"):
        filter_mask(PASSAGES, None, "liquor", THEMES)


class QueryEmbedder(FakeEmbedder):
    """The fake embedder, remembering which encoding (passage or query) it was asked for."""

    kinds: ClassVar[list[str]] = []

    def embed(self, texts: Sequence[str], kind: str = "passage") -> np.ndarray:
        self.kinds.append(kind)
        return super().embed(texts, kind)


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with passages, documents, themes and (fake) passage embeddings."""
    (tmp_path / "data/interim").mkdir(parents=True)
    (tmp_path / "data/processed").mkdir(parents=True)
    (tmp_path / "dvc.yaml").write_text("stages: {}\n", encoding="utf-8")
    PASSAGES.to_parquet(tmp_path / "data/interim/passages.parquet")
    DOCUMENTS.to_parquet(tmp_path / "data/interim/documents.parquet")
    THEMES.to_parquet(tmp_path / "data/processed/passage_themes.parquet")
    vectors = FakeEmbedder().embed(PASSAGES["text"].tolist())
    pd.DataFrame({"passage_id": PASSAGES["passage_id"], "embedding": list(vectors)}).to_parquet(
        tmp_path / "data/processed/embeddings.parquet"
    )
    monkeypatch.setenv("POLICYTOPICS_ROOT", str(tmp_path))
    QueryEmbedder.kinds = []
    monkeypatch.setattr(embed_module, "build_embedder", lambda params: QueryEmbedder())
    return tmp_path


def run(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    return main(argv, stdout=out), out.getvalue()


def test_search_prints_id_locality_title_section_score_and_cut_text(root: Path) -> None:
    code, out = run(["search", "白酒"])
    assert code == 0
    lines = out.splitlines()
    assert lines[:2] == ["1. a/p0  泸州市  score 10", "   泸州市政府工作报告 > 第一节 做强白酒产业"]
    assert lines[2].startswith("   推进白酒产业集群发展") and lines[2].endswith("…")
    assert len(lines[2]) < len(LONG)
    assert lines[3:] == [
        "2. a/p1  泸州市  score 1",
        "   泸州市政府工作报告",
        "   白酒 酒文化旅游。",
    ]


def test_full_prints_the_whole_text(root: Path) -> None:
    _, out = run(["search", "白酒", "--full", "--limit", "1"])
    assert out.splitlines()[2] == "   " + LONG


def test_jsonl_and_csv_carry_every_field_and_the_full_text(root: Path) -> None:
    _, out = run(["search", "数字经济", "--jsonl"])
    assert [json.loads(line) for line in out.splitlines()] == [
        {
            "rank": 1,
            "passage_id": "b/p0",
            "locality": "合川区",
            "title": "",
            "section_path": "第二节 数字经济",
            "score": 1.0,
            "text": "建设大数据中心，发展数字经济。",
        }
    ]
    _, out = run(["search", "白酒", "--csv", "--limit", "1"])
    (row,) = csv.DictReader(io.StringIO(out))
    assert row["text"] == LONG and row["score"] == "10.0"


def test_locality_and_theme_filter_the_hits(root: Path) -> None:
    _, out = run(["search", "。", "--locality", "合川区", "--jsonl"])
    assert [json.loads(line)["passage_id"] for line in out.splitlines()] == ["b/p0", "b/p1"]
    _, out = run(["search", "。", "--theme", "ecology", "--jsonl"])
    assert [json.loads(line)["passage_id"] for line in out.splitlines()] == ["b/p1"]


def test_semantic_search_embeds_the_query_as_a_query(root: Path) -> None:
    code, out = run(["search", "加强长江生态保护修复", "--semantic", "--limit", "2", "--jsonl"])
    assert code == 0
    hits = [json.loads(line) for line in out.splitlines()]
    assert hits[0]["passage_id"] == "b/p1"
    assert hits[0]["score"] > hits[1]["score"]
    assert QueryEmbedder.kinds == ["query"]


def test_no_match_is_a_note_not_an_error(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["search", "火星"]) == (0, "")
    assert capsys.readouterr().err == "policytopics search: no passage matches '火星'\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["search", ""], "policytopics search: error: empty query: give the text to search for"),
        (
            ["search", " \x00 "],
            "policytopics search: error: empty query: give the text to search for",
        ),
        (
            ["search", "白酒", "--locality", "重庆"],
            "policytopics search: error: no passages of locality '重庆' "
            "(localities: 合川区, 泸州市)",
        ),
        (
            ["search", "白酒", "--theme", "liquor"],
            "policytopics search: error: no passages of theme 'liquor' (themes: culture_tourism, "
            "digital_economy, ecology, liquor_industry)",
        ),
        (
            ["search", "白酒", "--limit", "0"],
            "policytopics search: error: argument --limit: 0 is out of range (must be at least 1); "
            "see `policytopics search --help`",
        ),
        (
            ["search", "白酒", "--csv", "--jsonl"],
            "policytopics search: error: argument --jsonl: not allowed with argument --csv; "
            "see `policytopics search --help`",
        ),
        (
            ["search"],
            "policytopics search: error: the following arguments are required: TEXT; "
            "see `policytopics search --help`",
        ),
    ],
    ids=["empty", "blank", "locality", "theme", "limit", "two-formats", "no-text"],
)
def test_bad_search_input_is_one_line_and_exit_2(
    root: Path, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(argv) == (2, "")
    assert capsys.readouterr().err == message + "\n"


def test_search_before_dvc_repro_says_run_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "dvc.yaml").write_text("stages: {}\n", encoding="utf-8")
    monkeypatch.setenv("POLICYTOPICS_ROOT", str(tmp_path))
    assert run(["search", "白酒"]) == (2, "")
    assert capsys.readouterr().err == (
        f"policytopics search: error: data/interim/passages.parquet: not found in {tmp_path}; "
        "run `dvc repro` first\n"
    )


def test_semantic_search_without_embeddings_says_run_dvc_repro(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (root / "data/processed/embeddings.parquet").unlink()
    assert run(["search", "生态", "--semantic"]) == (2, "")
    assert "embeddings.parquet: not found" in capsys.readouterr().err
