"""Segment the real seeds (ingested in-process into a temporary parquet): bounds, paths, chrome."""

from pathlib import Path

import pandas as pd
import pytest
from _seed_cut import seed_files, seed_manifest

from policytopics.config import SegmentParams
from policytopics.corpus.gazetteer import load_gazetteer
from policytopics.corpus.ingest import ingest
from policytopics.corpus.segment import bounds, segment_documents

PARAMS = SegmentParams()
Tables = tuple[pd.DataFrame, pd.DataFrame, dict[str, int], pd.DataFrame]
REPORTS = "002_1942fa47ad5fe32d"


@pytest.fixture(scope="module")
def documents(seeds_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The five sample documents' (see _seed_cut), ingested, through a parquet file."""
    path = tmp_path_factory.mktemp("interim") / "documents.parquet"
    result = ingest(seed_files(seeds_dir), seed_manifest(seeds_dir), load_gazetteer())
    result.documents.to_parquet(path)
    return pd.read_parquet(path)


@pytest.fixture(scope="module")
def tables(documents: pd.DataFrame) -> Tables:
    return segment_documents(documents, PARAMS)


@pytest.fixture(scope="module")
def passages(tables: Tables) -> pd.DataFrame:
    return tables[0]


def test_every_document_has_passages_and_loses_no_text(
    documents: pd.DataFrame, tables: Tables
) -> None:
    passages, _, heading_chars, cuts = tables
    assert len(documents) == 14
    assert cuts.empty  # no seed sentence is longer than a passage
    assert set(passages["doc_id"]) == set(documents["doc_id"])
    for doc in documents.itertuples():
        in_passages = passages.loc[passages["doc_id"] == doc.doc_id, "text"]
        kept = sum(len("".join(t.split())) for t in in_passages) + heading_chars[str(doc.doc_id)]
        assert kept == len("".join(str(doc.text).split())), doc.doc_id


def test_passages_within_bounds_except_documented_cases(passages: pd.DataFrame) -> None:
    limits = passages["language"].map(lambda lang: bounds(PARAMS, str(lang)))
    low, high = limits.str[0], limits.str[1]
    short = passages["n_chars"] < low
    # short only when its whole section (its run of passages with one path) is that short
    section = passages[["doc_id", "section_path"]].apply(tuple, axis=1)
    assert not (short & (section == section.shift(1))).any()
    assert not (short & (section == section.shift(-1))).any()
    assert (passages["n_chars"] < high + low).all()  # over the maximum by a short tail at most
    assert short.mean() < 0.02


def test_baijiu_passage_keeps_its_five_year_plan_path(passages: pd.DataFrame) -> None:
    plan = passages[passages["doc_id"].str.startswith("001_")]
    baijiu = plan[plan["text"].str.startswith("加快白酒产业提质升级")]
    assert len(baijiu) == 1
    assert baijiu["section_path"].iloc[0] == (
        "第三篇加快构建特色优势产业新体系 > 第九章打造优势先进制造业产业集群 > "
        "第一节提质发展白酒产业集群"
    )


def test_work_reports_split_under_their_top_level_headings(passages: pd.DataFrame) -> None:
    reports = passages[passages["doc_id"].str.startswith(REPORTS)]
    roots = reports["section_path"].str.split(" > ").str[0]
    for doc_id, group in roots.groupby(reports["doc_id"]):
        ordered = list(dict.fromkeys(group))
        assert ordered[0] == "", doc_id  # the greeting before 一、
        assert [r[:2] for r in ordered[1:4]] == ["一、", "二、", "三、"], doc_id
    hechuan = reports[reports["doc_id"] == f"{REPORTS}#03"]
    assert "四、全面提升政府治理能力和水平" in set(roots[hechuan.index])
    first = hechuan[hechuan["section_path"] == "一、“十三五”时期工作回顾"]
    assert first["text"].iloc[0].startswith("“十三五”时期，是全面建成小康社会决胜阶段")
    assert len(reports) > 10 * 40  # ten 20k-character lines became many passages


def test_lead_sentences_open_passages(passages: pd.DataFrame) -> None:
    yubei = passages[passages["doc_id"] == f"{REPORTS}#01"]
    assert yubei["text"].str.startswith("综合实力迈上新台阶。").sum() == 1


def test_no_site_chrome_or_teasers_in_passages(passages: pd.DataFrame) -> None:
    text = "\n".join(passages["text"])
    for chrome in ("投稿", "400-162-2002", "有想补充的信息", "- END -", "声明：本站", "REITs"):
        assert chrome not in text


def test_sentences_belong_to_their_passages(
    tables: Tables,
) -> None:
    passages, sentences, _, _ = tables
    counts = sentences.groupby("passage_id").size()
    assert counts.reindex(passages["passage_id"]).tolist() == passages["n_sentences"].tolist()
    joined = sentences.groupby("passage_id")["text"].agg("".join)
    squashed = passages.set_index("passage_id")["text"].map(lambda t: "".join(t.split()))
    assert joined.map(lambda t: "".join(t.split())).equals(squashed.loc[joined.index])
