"""Stage `tokenize`, its metrics, and the word-list curation aids."""

from __future__ import annotations

import json
import pickle
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from policytopics.config import TokenizeParams
from policytopics.errors import UserError
from policytopics.stages.tokenize import main
from policytopics.text.curate import (
    Passage,
    boilerplate_candidates,
    format_candidates,
    snapshot_stopwords,
    userdict_candidates,
)
from policytopics.text.metrics import tokenize_metrics, top_tokens
from policytopics.text.tokenize import build_tokenizer


def _passages() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "passage_id": ["d#01/p0000", "d#01/p0001", "d#01/p0002", "e#01/p0000"],
            "doc_id": ["d#01", "d#01", "d#01", "e#01"],
            "language": ["zh", "zh", "zh", "en"],
            "text": [
                "推动成渝地区双城经济圈建设，发展数字经济。",
                "我们的工作。",
                "2021年，发展白酒产业，白酒产量增长15%。",
                "Liquor industries of Luzhou.",
            ],
        }
    )


def test_stage_writes_every_passage_in_order_with_metrics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("params.yaml").write_text("compute:\n  workers: 1\n", encoding="utf-8")
    _passages().to_parquet("passages.parquet")
    tokens_path = tmp_path / "out" / "tokens.parquet"
    metrics_path = tmp_path / "out" / "metrics.json"
    top_path = tmp_path / "out" / "top.csv"
    main(Path("passages.parquet"), tokens_path, metrics_path, top_path)

    tokens = pd.read_parquet(tokens_path)
    assert list(tokens.columns) == ["passage_id", "language", "tokens"]
    assert tokens["passage_id"].tolist() == _passages()["passage_id"].tolist()
    assert [list(t) for t in tokens["tokens"]] == [
        ["成渝地区双城经济圈", "数字经济"],
        [],
        ["白酒产业", "白酒", "产量"],
        ["liquor", "industri", "luzhou"],
    ]
    assert tokens["language"].tolist() == ["zh", "zh", "zh", "en"]

    metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
    assert metrics["passages"] == 4
    assert metrics["empty_passages"] == 1
    assert metrics["tokens_kept"] == 8
    # 我们 的 (stopwords_zh); 2021 年 15% (numbers); 推动 建设 发展 工作 发展 增长 (policy)
    assert metrics["removed"]["stopwords_zh"] == 2
    assert metrics["removed"]["numbers"] == 3
    assert metrics["removed"]["stopwords_policy_zh"] == 6
    assert metrics["removed"]["stopwords_en"] == 1
    assert metrics["by_language"]["en"] == {"passages": 1, "empty_passages": 0, "tokens_kept": 3}
    top = pd.read_csv(top_path, encoding="utf-8-sig")
    assert top["token"].tolist()[:3] == ["industri", "liquor", "luzhou"]  # ties by token
    assert len(top) == 8 and set(top["count"]) == {1}


def test_stage_rejects_unknown_language(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("params.yaml").write_text("compute:\n  workers: 1\n", encoding="utf-8")
    _passages().assign(language=["zh", "zh", "zh", "fr"]).to_parquet("passages.parquet")
    with pytest.raises(UserError, match=r"unsupported languages \['fr'\]"):
        main(Path("passages.parquet"), tmp_path / "t.parquet", tmp_path / "m.json", tmp_path / "c")


def test_metrics_summarise_counts_and_lengths() -> None:
    tokens = [["白酒", "长江"], [], ["白酒"], ["liquor"]]
    removed = Counter({"numbers": 3, "stopwords_zh": 1})
    metrics = tokenize_metrics(tokens, ["zh", "zh", "zh", "en"], removed)
    assert metrics["tokens_segmented"] == 8
    assert metrics["kept_share"] == 0.5
    assert metrics["removed"] == {
        "punctuation": 0,
        "numbers": 3,
        "stopwords_zh": 1,
        "stopwords_policy_zh": 0,
        "stopwords_en": 0,
        "short": 0,
        "pos": 0,
    }
    assert metrics["tokens_per_passage"] == {
        "mean": 1.0,
        "median": 1.0,
        "p10": 0.3,
        "p90": 1.7,
        "max": 2.0,
    }
    assert metrics["vocabulary"] == 3
    table = top_tokens(tokens, n=2)
    assert table.to_dict("list") == {
        "rank": [1, 2],
        "token": ["白酒", "liquor"],
        "count": [2, 1],
        "passages": [2, 1],
    }


def test_userdict_candidates_find_split_policy_terms(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("# no words\n", encoding="utf-8")
    tokenizer = build_tokenizer(TokenizeParams(user_dict=str(empty), hmm=False))
    passages = [Passage("a", "全面推行河长制。"), Passage("b", "落实河长制，保护长江。")] * 3
    found = {c.word: c for c in userdict_candidates(passages, tokenizer, max_n=3, min_count=6)}
    assert set(found) == {"河长制", "河长", "长制"}
    assert found["河长制"].parts == "河 长 制"
    assert (found["河长制"].count, found["河长制"].passages, found["河长制"].documents) == (6, 6, 2)
    assert found["河长制"].score == 1.0


def test_boilerplate_candidates_rank_evenly_spread_words_first() -> None:
    tokenizer = build_tokenizer(TokenizeParams())
    tokenizer.stopwords["stopwords_policy_zh"] = frozenset()
    passages = [
        Passage("a", "推进白酒产业，白酒品牌，白酒企业"),
        Passage("a", "推进酿酒"),
        Passage("b", "推进长江保护"),
        Passage("b", "推进湿地"),
    ]
    found = boilerplate_candidates(passages, tokenizer, min_share=0.5)
    assert [c.word for c in found] == ["推进"]
    found = boilerplate_candidates(passages, tokenizer, min_share=0.25)
    # 推进: 4 passages, 4 * (1 - e^-1) = 2.53 expected -> 1.582; 白酒 (2 times, 白酒产业 is
    # one token): 1 passage, 4 * (1 - e^-0.5) = 1.57 expected -> 0.635.
    spread = {c.word: c.score for c in found}
    assert spread["推进"] == 1.582
    assert spread["白酒"] == 0.635
    assert found[0].word == "推进"
    assert (found[0].count, found[0].passages, found[0].documents) == (4, 4, 2)
    assert format_candidates(found, 1).splitlines()[1] == "推进\t\t4\t4\t2\t1.582"


def test_stopword_snapshot_has_provenance_and_matches_the_packaged_file() -> None:
    snapshot = snapshot_stopwords("zh")
    assert snapshot.startswith("# General Chinese stopwords: snapshot of stopwords-iso (zh)")
    packaged = Path(__file__).resolve().parents[1] / "src/policytopics/resources/stopwords_zh.txt"
    assert snapshot == packaged.read_text(encoding="utf-8")


def test_stage_phrases_param_joins_pairs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    params = "compute:\n  workers: 1\ntokenize:\n  phrases_min_count: 2\n  phrases_threshold: 0.1\n"
    Path("params.yaml").write_text(params, encoding="utf-8")
    texts = ["保护长江湿地。", "保护长江鱼类。", "保护长江岸线。", "湿地鱼类。"]
    frame = pd.DataFrame(
        {"passage_id": list("abcd"), "doc_id": list("aabb"), "language": ["zh"] * 4, "text": texts}
    )
    frame.to_parquet("passages.parquet")
    main(Path("passages.parquet"), tmp_path / "t.parquet", tmp_path / "m.json", tmp_path / "c.csv")
    tokens = [list(t) for t in pd.read_parquet(tmp_path / "t.parquet")["tokens"]]
    assert tokens == [
        ["保护_长江", "湿地"],
        ["保护_长江", "鱼类"],
        ["保护_长江", "岸线"],
        ["湿地", "鱼类"],
    ]
    metrics = json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))
    assert (metrics["phrases"], metrics["tokens_kept"], metrics["tokens_after_phrases"]) == (
        1,
        11,
        8,
    )


def test_tokenizer_works_as_a_pickled_countvectorizer_analyzer() -> None:
    from sklearn.feature_extraction.text import CountVectorizer

    vectorizer = CountVectorizer(analyzer=build_tokenizer(TokenizeParams()))
    vectorizer.fit(["发展数字经济，保护长江。", "保护长江生态。", "Liquor industries"])
    assert sorted(vectorizer.vocabulary_) == [
        "industri",
        "liquor",
        "保护",
        "数字经济",
        "生态",
        "长江",
    ]
    copy = pickle.loads(pickle.dumps(vectorizer))
    assert copy.transform(["长江生态"]).toarray().tolist() == [[0, 0, 0, 0, 1, 1]]
