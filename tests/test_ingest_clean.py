"""Boilerplate removal and splitting, on the hand-written fixtures in tests/fixtures/ingest/."""

from __future__ import annotations

from pathlib import Path

import pytest

from policytopics.corpus.clean import Removal, split_file

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def total_cost(text: str) -> int:
    """Every character of the file is either in a body or in a removal."""
    docs, removals = split_file(text)
    return sum(len(d.body) for d in docs) + sum(
        r.chars for r in [*removals, *(r for d in docs for r in d.removals)]
    )


def test_listing_splits_at_bulleted_titles() -> None:
    docs, _ = split_file(fixture("listing_002.txt"))
    assert [(d.part, d.title, d.title_tag, d.first_line) for d in docs] == [
        (1, "2021年渝北区政府工作报告", "渝北区招商", 1),
        (2, "201年合川区政府工作报告", "合川区招商", 7),
    ]
    assert docs[0].body.strip().startswith("2021年3月10日在重庆市渝北区")
    assert docs[0].body.strip().endswith("经济运行稳中向好!")
    assert docs[1].body.strip().endswith("乾丰镇撤乡设镇(一期)。")


def test_listing_chrome_and_scrape_dates_removed() -> None:
    _, removals = split_file(fixture("listing_002.txt"))
    assert removals == [
        Removal("scrape_date", 5, 5, 15, "2025-07-08"),
        Removal("scrape_date", 11, 11, 15, "2025-07-08"),
        Removal("site_chrome", 13, 13, 13, "有想补充的信息?点我投稿"),
        Removal("site_chrome", 14, 19, 36, "共 53 页 招商中心 400-162-2002 • 联系我们"),
    ]


def test_english_end_marker_teasers_and_byline() -> None:
    docs, removals = split_file(fixture("english_news_000.txt"))
    assert [r.reason for r in removals] == ["end_marker", "teasers_after_end"]
    assert removals[1].preview.startswith('Public fund REITs lifted the "countdown"!')
    (doc,) = docs
    assert doc.title == "Luzhou City, Sichuan Province builds a resource -exhausted city model"
    assert (doc.author, doc.published) == ("National Development Reform Co", "2022-06-29")
    assert [r.reason for r in doc.removals] == ["title_to_metadata", "byline_to_metadata"]
    # the photo caption before END is kept (a caption describes the place; it is short)
    assert doc.body.rstrip().endswith("Automated electronic production line")
    assert "END" not in doc.body and "REITs" not in doc.body and "Kunming" not in doc.body


def test_disclaimer_removed_and_a_sentence_is_not_a_title() -> None:
    docs, removals = split_file(fixture("plan_news_003.txt"))
    assert [(r.reason, r.first_line) for r in removals] == [("disclaimer", 4)]
    assert docs[0].title == ""  # the first line ends a sentence: it is body text
    assert docs[0].body.startswith("12月10日,市人民政府办公室印发了")


def test_source_credit_line_removed() -> None:
    docs, removals = split_file("Title\nBody text.\nSource: Zhejiang News Client (Reporter Yin)")
    assert [(r.reason, r.preview) for r in removals] == [
        ("source_credit", "Source: Zhejiang News Client (Reporter Yin)")
    ]
    assert docs[0].body == "Body text.\n"


def test_first_line_is_the_title_of_a_single_document() -> None:
    docs, _ = split_file(fixture("plan_pdf_001.txt"))
    assert docs[0].title == "(四川省)泸州市江阳区国民经济和社会发展十四五规划(2022年更新)"
    assert docs[0].body.startswith("泸州市江阳区国民经济和社会发展\n")


@pytest.mark.parametrize(
    "name", ["listing_002.txt", "english_news_000.txt", "plan_news_003.txt", "plan_pdf_001.txt"]
)
def test_every_character_is_accounted_for(name: str) -> None:
    text = fixture(name)
    assert total_cost(text) == len(text)


def test_nothing_but_boilerplate_gives_no_documents() -> None:
    docs, removals = split_file("2025-07-08\n\n有想补充的信息?点我投稿\n共 53 页")
    assert docs == []
    assert [(r.reason, r.first_line, r.chars) for r in removals] == [
        ("scrape_date", 1, 11),
        ("site_chrome", 3, 13),
        ("site_chrome", 4, 6),
        ("whitespace", 2, 1),
    ]
