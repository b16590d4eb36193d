"""Metadata detection: year, type, language, title, and locality through the gazetteer."""

from __future__ import annotations

import pandas as pd
import pytest

from policytopics.corpus.gazetteer import (
    Gazetteer,
    Place,
    build_places,
    detect_locality,
    load_gazetteer,
    short_name,
)
from policytopics.corpus.ingest import SeedFile, ingest
from policytopics.corpus.manifest import EMPTY_MANIFEST
from policytopics.corpus.metadata import (
    derive_title,
    detect_doc_type,
    detect_language,
    detect_year,
)

HECHUAN_BODY = (
    "2021年3月2日在重庆市合川区第十七届人民代表大会第六次会议上\n各位代表：我代表区人民政府。"
)


def locality(title: str, body: str = "", language: str = "zh") -> tuple[str, str, str, str]:
    match = detect_locality(load_gazetteer(), title, body, language)
    assert match.place is not None, match.note
    return match.place.name, match.place.province, match.place.city, match.place.level


# --- year ---------------------------------------------------------------------------------


def test_body_date_wins_over_a_typo_in_the_title() -> None:
    year, date = detect_year("201年合川区政府工作报告", HECHUAN_BODY, "")
    assert (year.value, date) == (2021, "2021-03-02")
    assert year.note == "body date 2021-03-02 wins over title year 201年"


def test_body_date_wins_over_the_pages_update_year() -> None:
    body = "泸州市江阳区国民经济和社会发展\n（2021年3月11日泸州市江阳区第九届人民代表大会批准）"
    year, date = detect_year("江阳区十四五规划（2022年更新）", body, "")
    assert (year.value, date) == (2021, "2021-03-11")


def test_byline_date_gives_the_year_of_english_news() -> None:
    year, date = detect_year("Luzhou City", "In 2021 ...", "2022-06-29")
    assert (year.value, date, year.note) == (2022, "2022-06-29", "stated or byline date 2022-06-29")


def test_title_year_when_the_body_has_no_date() -> None:
    year, date = detect_year("2021年渝北区政府工作报告", "各位代表：现在……", "")
    assert (year.value, date) == (2021, "")


def test_first_title_year_of_a_period() -> None:
    assert detect_year("十四五规划（2021-2025年）", "序言", "")[0].value == 2021


def test_no_year_is_none_not_a_guess() -> None:
    year, _ = detect_year(
        "泸州市三区“一体”高质量发展总体方案", "12月10日，市人民政府办公室印发", ""
    )
    assert year.value is None


def test_a_date_deep_in_the_body_is_not_the_documents_date() -> None:
    body = "各位代表：" + "发展。" * 200 + "2019年5月1日开工"
    assert detect_year("", body, "")[0].value is None


@pytest.mark.parametrize(
    ("body", "date"),
    [
        ("——一九七八年二月二十六日在第五届全国人民代表大会第一次会议上", "1978-02-26"),
        ("二〇〇三年三月五日在第十届全国人民代表大会第一次会议上", "2003-03-05"),
        ("二○一一年十二月三十一日", "2011-12-31"),
        ("Delivered at the Third Session of the Eleventh NPC on March 5, 2010", "2010-03-05"),
        ("Beijing, 5 March 2024. Fellow deputies", "2024-03-05"),
        ("2021年3月2日在合川区第十七届人民代表大会，一九七八年二月二十六日", "2021-03-02"),
    ],
)
def test_the_opening_date_in_chinese_numerals_or_english_gives_the_year(
    body: str, date: str
) -> None:
    year, found = detect_year("政府工作报告", body, "")
    assert (year.value, found, year.note) == (int(date[:4]), date, f"body date {date}")


def test_the_file_name_year_is_the_last_resort() -> None:
    year, date = detect_year("政府工作报告", "各位代表：现在……", "", "reports/1983.txt")
    assert (year.value, date, year.note) == (1983, "", "file name year 1983")
    assert detect_year("2021年政府工作报告", "", "", "1983.txt")[0].value == 2021  # title wins
    assert detect_year("", "", "", "000_3eb5c92dc9ff083f.txt")[0].value is None  # no year
    assert detect_year("", "", "", "doc_1234.txt")[0].value is None  # 1234: not plausible


# --- doc_type, language, title ------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "body", "language", "byline", "doc_type"),
    [
        ("2021年渝北区政府工作报告", HECHUAN_BODY, "zh", False, "government_work_report"),
        ("2021年丰都县工作报告", HECHUAN_BODY, "zh", False, "government_work_report"),
        ("", HECHUAN_BODY, "zh", False, "government_work_report"),
        ("泸州市江阳区国民经济和社会发展十四五规划", "序言", "zh", False, "five_year_plan"),
        ("", "第十四个五年规划和二〇三五年远景目标纲要", "zh", False, "five_year_plan"),
        (
            "泸州市三区“一体”高质量发展总体方案",
            "12月10日，市人民政府办公室印发了《泸州市三区“一体”高质量发展总体方案》",
            "zh",
            False,
            "policy_plan",
        ),
        ("Longgang City reforms", "In the past three years", "en", True, "news"),
        (
            "Report on the Work of the Government",
            "Fellow deputies",
            "en",
            False,
            "government_work_report",
        ),
        ("The 14th Five-Year Plan of Luzhou", "Preface", "en", False, "five_year_plan"),
        ("某市召开会议", "会议强调", "zh", False, "other"),
    ],
)
def test_doc_type(title: str, body: str, language: str, byline: bool, doc_type: str) -> None:
    assert detect_doc_type(title, body, language, byline).value == doc_type


def test_language() -> None:
    assert detect_language("推进生态保护，发展5G数字经济") == "zh"
    assert detect_language("Luzhou City (泸州市) adhered to people-oriented development") == "en"


def test_title_from_the_first_policy_document_named_in_the_body() -> None:
    body = (
        "12月10日，市人民政府办公室印发了《泸州市三区“一体”高质量发展总体方案》（以下简称《方案》）"
    )
    assert derive_title("", body).value == "泸州市三区“一体”高质量发展总体方案"
    assert derive_title("已有标题", body).value == "已有标题"


# --- gazetteer and locality ---------------------------------------------------------------


def test_short_names() -> None:
    assert [short_name(n) for n in ("浙江省", "温州市", "广西壮族自治区", "内蒙古自治区")] == [
        "浙江",
        "温州",
        "广西",
        "内蒙古",
    ]


def test_gazetteer_supplement_adds_what_cpca_lacks_and_drops_non_divisions() -> None:
    gazetteer = load_gazetteer()
    assert gazetteer.places_named("渝北区", "zh") == [Place("渝北区", "重庆市", "重庆市", "county")]
    assert gazetteer.places_named("两江新区", "zh") == []
    assert gazetteer.places_named("龙港市", "zh") == [Place("龙港市", "浙江省", "温州市", "county")]
    assert gazetteer.places_named("东莞市", "zh")[0].level == "prefecture"
    assert not any(p.name.endswith("街道") for p in gazetteer.places)


@pytest.mark.parametrize(
    ("title", "body", "expected"),
    [
        ("【渝北区招商】2021年渝北区政府工作报告", "", ("渝北区", "重庆市", "重庆市", "county")),
        (
            "（四川省）泸州市江阳区国民经济和社会发展十四五规划",
            "",
            ("江阳区", "四川省", "泸州市", "county"),
        ),
        (
            "泸州市三区“一体”高质量发展总体方案",
            "统筹推动江阳区、龙马潭区、纳溪区",
            ("泸州市", "四川省", "泸州市", "prefecture"),
        ),
        (
            "【忠县招商】2021年忠县政府工作报告",
            "在市委、重庆市政府领导下",
            ("忠县", "重庆市", "重庆市", "county"),
        ),
        ("龙港市政府工作报告", "温州市委、浙江省委", ("龙港市", "浙江省", "温州市", "county")),
        ("江北区政府工作报告", "重庆市江北区", ("江北区", "重庆市", "重庆市", "county")),
        ("江北区政府工作报告", "宁波市江北区，浙江", ("江北区", "浙江省", "宁波市", "county")),
        (
            "关于加快发展的意见",
            "统筹推动江阳区、龙马潭区、纳溪区一体发展，泸州",
            ("泸州市", "四川省", "泸州市", "prefecture"),
        ),
        (
            "关于加快发展的意见",
            "重庆市南岸区人民政府，南岸区",
            ("南岸区", "重庆市", "重庆市", "county"),
        ),
        # a district's text names its municipality about as often as itself
        (
            "关于加快发展的意见",
            "重庆市委、重庆市政府、重庆市人大领导下，渝中区和渝中区",
            ("渝中区", "重庆市", "重庆市", "county"),
        ),
        # a city's text names its districts: each has less than half the city's score
        (
            "关于加快发展的意见",
            "泸州市统筹江阳区、龙马潭区、纳溪区，四川省",
            ("泸州市", "四川省", "泸州市", "prefecture"),
        ),
        # in the body, names need their province or prefecture named: 示范县 (范县, 河南),
        # 新城区 (西安, 呼和浩特) and 大园区 (桃园) are words here, not places
        (
            "关于加快发展的意见",
            "推进示范县建设，新城区改造，大园区招商，重庆市南川区",
            ("南川区", "重庆市", "重庆市", "county"),
        ),
    ],
)
def test_chinese_locality(title: str, body: str, expected: tuple[str, str, str, str]) -> None:
    assert locality(title, body) == expected


def test_two_character_county_needs_context() -> None:
    match = detect_locality(load_gazetteer(), "忠县政府工作报告", "", "zh")
    assert match.place is None
    assert "忠县: no province/prefecture named, ignored" in match.note


@pytest.mark.parametrize(
    ("title", "body", "expected"),
    [
        (
            "Introduction 5: Luzhou City, Sichuan Province",
            "Jiangxi Province, Tongling City",
            ("泸州市", "四川省", "泸州市", "prefecture"),
        ),
        (
            'Longgang City, the youngest city in Zhejiang, exposed the "reform transcript"',
            "Wenzhou held a press conference",
            ("龙港市", "浙江省", "温州市", "county"),
        ),
        (
            "Longgang District builds a tech park",
            "Shenzhen, Guangdong",
            ("龙岗区", "广东省", "深圳市", "county"),
        ),
    ],
)
def test_english_locality(title: str, body: str, expected: tuple[str, str, str, str]) -> None:
    assert locality(title, body, "en") == expected


def test_ambiguous_name_note_names_the_losers() -> None:
    match = detect_locality(load_gazetteer(), "Longgang City", "Zhejiang", "en")
    assert (
        match.note
        == "Longgang: 龙港市 (浙江省) context 1 over 龙港区 (辽宁省) 0, 龙岗区 (广东省) 0"
    )


def test_small_gazetteer_from_rows() -> None:
    rows = [
        {"sheng": "重庆市", "shi": "重庆市", "qu": "南岸区"},
        {"sheng": "浙江省", "shi": "温州市", "qu": "龙港市"},
        {"sheng": "广东省", "shi": "中山市", "qu": "三乡镇"},
        {"sheng": "国外", "shi": "", "qu": ""},
    ]
    places = build_places(rows, [])
    assert places == [
        Place("重庆市", "重庆市", "重庆市", "province"),
        Place("南岸区", "重庆市", "重庆市", "county"),
        Place("浙江省", "浙江省", "浙江省", "province"),
        Place("温州市", "浙江省", "温州市", "prefecture"),
        Place("龙港市", "浙江省", "温州市", "county"),
        Place("广东省", "广东省", "广东省", "province"),
        Place("中山市", "广东省", "中山市", "prefecture"),
    ]
    gazetteer = Gazetteer(places, [("Longgang", "龙港市", "浙江省")])
    assert gazetteer.mentions("重庆市南岸区和南岸区", "zh") == {"重庆市": 1, "南岸区": 2}


def test_a_file_name_year_dates_a_file_of_one_document_only() -> None:
    """1983.txt holding one report is of 1983; the rows of reports_1983.csv and the documents of
    a listing 1983.txt are each their own document, and the file's name dates none of them."""
    body = "各位代表：现在，我代表国务院向大会作政府工作报告，请予审议。" * 4
    listing = f"• 【国务院】政府工作报告\n{body}\n• 【国务院】关于计划的报告\n{body}推进改革。\n"
    files = [
        SeedFile("single/1983.txt", f"政府工作报告\n{body}".encode()),
        SeedFile("tables/reports_1983.csv", f"title,text\n报告,{body}发展。\n".encode()),
        SeedFile("listing/1983.txt", listing.encode()),
    ]
    result = ingest(files, EMPTY_MANIFEST, load_gazetteer(), duplicates="keep")
    years = dict(zip(result.documents["doc_id"], result.documents["year"], strict=True))
    assert years["single/1983#01"] == 1983
    assert pd.isna(years["tables/reports_1983.csv#0001"])
    assert pd.isna(years["listing/1983#01"]) and pd.isna(years["listing/1983#02"])
