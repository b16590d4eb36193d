"""Level of government and locality from title, issuer and body; manifest robustness; one
language rule (issues 12 and 13)."""

from __future__ import annotations

import codecs

import pytest

from policytopics.corpus import metadata
from policytopics.corpus.gazetteer import load_gazetteer
from policytopics.corpus.ingest import SeedFile, ingest
from policytopics.corpus.levels import classify_issuer, detect_level, title_issuer
from policytopics.corpus.manifest import parse_manifest, read_manifest
from policytopics.errors import UserError
from policytopics.text import normalize

NATIONAL_ISSUERS = [
    "国务院", "国务院办公厅", "中共中央", "中共中央办公厅", "全国人大常委会", "全国人民代表大会",
    "中央网信办", "工业和信息化部", "国家发展改革委", "国家市场监督管理总局", "审计署", "海关总署",
    "中国人民银行", "中国证监会", "教育部、财政部", "Ministry of Commerce",
    "State Council of the People's Republic of China", "General Office of the State Council",
    "State Administration for Market Regulation", "Cyberspace Administration of China",
    "China Securities Regulatory Commission", "Supreme People's Court",
]  # fmt: skip
PLACE_ISSUERS = [
    ("山东省人民政府", "山东省", "province"),
    ("重庆市渝北区人民政府", "渝北区", "county"),
    ("山东省青岛市人民政府办公厅", "青岛市", "prefecture"),
    ("中共山东省委办公厅", "山东省", "province"),
    ("山东发展改革委", "山东省", "province"),
    ("山东省发展和改革委员会", "山东省", "province"),
    ("青岛市工业和信息化局", "青岛市", "prefecture"),
    ("Shandong Provincial People's Government", "山东省", "province"),
    ("General Office of Jinan Municipal People's Government", "济南市", "prefecture"),
    ("Eight Departments including Shandong Provincial Department of Education", "山东省",
     "province"),
    ("Qingdao Department of Industry and Information Technology and Qingdao Finance Bureau",
     "青岛市", "prefecture"),
]  # fmt: skip


@pytest.mark.parametrize("issuer", NATIONAL_ISSUERS)
def test_central_organs_are_national(issuer: str) -> None:
    match = classify_issuer(load_gazetteer(), issuer)
    assert (match.national, match.place) == (True, None)


@pytest.mark.parametrize(("issuer", "name", "level"), PLACE_ISSUERS)
def test_local_organs_belong_to_their_place(issuer: str, name: str, level: str) -> None:
    match = classify_issuer(load_gazetteer(), issuer)
    assert match.place is not None and not match.national
    assert (match.place.name, match.place.level) == (name, level)


@pytest.mark.parametrize("issuer", ["市人民政府办公室", "Degree Management Department", ""])
def test_issuers_without_a_place_or_a_central_organ_decide_nothing(issuer: str) -> None:
    match = classify_issuer(load_gazetteer(), issuer)
    assert (match.national, match.place) == (False, None)


@pytest.mark.parametrize(
    ("title", "body", "expected"),
    [
        ("2025年中华人民共和国国务院政府工作报告", "各位代表：香港、澳门繁荣稳定，定日县地震。",
         "national"),
        ("中国共产党第十八次全国代表大会上的报告", "北京市上海市浦东新区", "national"),
        ("", "——在中国共产党第十九次全国代表大会上的报告\n同志们：", "national"),
        ("全面开创社会主义现代化建设的新局面 (十二大)",
         "同志们：\n现在，我代表中国共产党第十一届中央委员会，向党的第十二次全国代表大会作报告。",
         "national"),
        ("政府工作报告", "——2024年3月5日在第十四届全国人民代表大会第二次会议上\n国务院总理",
         "national"),
        ("国务院办公厅关于印发《山东省数字经济规划》的通知", "", "national"),
        ("山东省贯彻《中华人民共和国数据安全法》实施办法", "", "山东省"),
        ("山东省人民政府关于贯彻国务院意见的通知", "", "山东省"),
        ("2021年渝北区政府工作报告", "", "渝北区"),
        ("", "2021年2月4日在忠县第十七届人民代表大会第五次会议上\n县长黄祖英\n各位代表：", "忠县"),
        ("", "各位代表：\n重庆市南岸区人民政府\n上海市、北京市", "南岸区"),
        ("", "各位代表：现在，我代表国务院，向大会报告政府工作。香港、澳门、定日县。", "national"),
        ("", "和平区、大社区、海城市、香港特别行政区、澳门特别行政区都有报道。", ""),
        ("北京共产主义组织的报告 (一大)", "同志们，北京共产主义组织仅仅是在十个月以前才产生的。",
         ""),
    ],
)  # fmt: skip
def test_detect_level_uses_the_strongest_evidence(title: str, body: str, expected: str) -> None:
    match = detect_level(load_gazetteer(), title, body, "zh")
    found = "national" if match.national else (match.place.name if match.place else "")
    assert found == expected


def test_title_issuer_is_the_words_before_guanyu() -> None:
    assert title_issuer("工业和信息化部办公厅关于印发方案的通知") == "工业和信息化部办公厅"
    assert title_issuer("关于《国务院关于X的意见》的解读") == ""
    assert title_issuer("2021年渝北区政府工作报告") == ""


def test_the_2025_state_council_report_is_national_in_the_documents() -> None:
    text = (
        "2025年中华人民共和国国务院政府工作报告\n2025年3月5日在第十四届全国人民代表大会第三次"
        "会议上\n国务院总理李强\n各位代表：西藏定日县地震，香港、澳门保持繁荣稳定，和平区。\n"
    )
    result = ingest(
        [SeedFile("gov.txt", text.encode())], parse_manifest("file\n"), load_gazetteer()
    )
    (row,) = result.documents.to_dict("records")
    assert (row["locality"], row["province"], row["city"], row["admin_level"], row["year"]) == (
        "全国", "", "", "national", 2025
    )  # fmt: skip


def test_an_english_translation_of_a_state_council_report_is_national() -> None:
    text = (
        "Report on the Work of the Government\nDelivered at the Third Session of the 11th "
        "National People's Congress of the People's Republic of China on March 5, 2010\n"
        "Fellow Deputies, on behalf of the State Council, I now present to you my report on the "
        "work of the government. Hong Kong and Macao remained prosperous and stable.\n"
    )
    result = ingest(
        [SeedFile("gov_en.txt", text.encode())], parse_manifest("file\n"), load_gazetteer()
    )
    (row,) = result.documents.to_dict("records")
    assert (row["locality"], row["admin_level"], row["year"], row["doc_type"]) == (
        "全国", "national", 2010, "government_work_report"
    )  # fmt: skip


def test_stated_national_and_every_stated_value_survive() -> None:
    text = "2021年渝北区政府工作报告\n各位代表：推进数字经济。\n"
    manifest = parse_manifest(
        "file,locality,province,city,admin_level,year,doc_type,language,title,issuer,published\n"
        "a.txt,全国,,,national,1921,congress_report,zh,大会报告,中共中央,1921-07-23\n"
        "b.txt,某某镇,重庆市,重庆市,township,1988,other,zh,镇报告,某某镇人民政府,1988\n"
    )
    files = [SeedFile("a.txt", text.encode()), SeedFile("b.txt", text.encode() + b"b")]
    docs = ingest(files, manifest, load_gazetteer()).documents
    columns = ["locality", "province", "city", "admin_level", "year", "doc_type", "language",
               "title", "issuer", "published"]  # fmt: skip
    assert docs[columns].astype(object).values.tolist() == [
        ["全国", "", "", "national", 1921, "congress_report", "zh", "大会报告", "中共中央",
         "1921-07-23"],
        ["某某镇", "重庆市", "重庆市", "township", 1988, "other", "zh", "镇报告", "某某镇人民政府",
         "1988"],
    ]  # fmt: skip


def test_manifest_in_gbk_or_with_a_bom_is_read() -> None:
    text = "file,title\na.txt,渝北区报告\n"
    for data in (text.encode("gbk"), codecs.BOM_UTF8 + text.encode(), text.encode("utf-16")):
        manifest = read_manifest(data)
        assert manifest.stated("a.txt", 1) == {"title": "渝北区报告"}
    with pytest.raises(UserError, match=r"^m\.csv: binary file .*\(save it as UTF-8 CSV\)$"):
        read_manifest(b"file\x00\x01", "m.csv")


def test_a_row_with_more_cells_than_columns_names_its_line() -> None:
    header = "file,part,locality,province,city,admin_level,year,doc_type,language,title\n"
    rows = "".join(f"r{i}.txt,,,,,,2021,,,title {i}\n" for i in range(5))
    bad = "r5.txt,,,,,,2021,,,报告,第二部分\n"
    with pytest.raises(UserError) as error:
        parse_manifest(header + rows + bad, "manifest.csv")
    assert str(error.value) == (
        "manifest.csv line 7: 11 cells for 10 columns (an unquoted comma in a title? put the "
        'value in double quotes: "a, b")'
    )
    quoted = parse_manifest(header + 'r5.txt,,,,,,2021,,,"报告,第二部分"\n')
    assert quoted.stated("r5.txt", 1)["title"] == "报告,第二部分"


def test_manifest_accepts_every_era_and_level() -> None:
    manifest = parse_manifest("file,year,admin_level\na.txt,1921,national\nb.txt,2100,township\n")
    assert manifest.stated("a.txt", 1) == {"year": "1921", "admin_level": "national"}
    with pytest.raises(UserError, match="year must be a year 1900-2100, got '1899'"):
        parse_manifest("file,year\na.txt,1899\n")


def test_one_language_detector_for_ingest_and_the_classifier() -> None:
    assert metadata.detect_language is normalize.detect_language
    cases = {"": "zh", "2021": "zh", "发展 GDP": "zh", "GDP growth 发展": "en", "Luzhou": "en"}
    assert {text: normalize.detect_language(text) for text in cases} == cases


def test_parse_date_forms() -> None:
    values = ("2013-08-21", "2013/8/21", "2013年8月21日", "2013-08", "2013", "1899-01-01", "soon")
    assert [metadata.parse_date(v)[0] for v in values] == [
        "2013-08-21", "2013-08-21", "2013-08-21", "2013-08", "2013", "", ""
    ]  # fmt: skip


def test_a_stated_short_name_is_kept_and_fills_province_and_level() -> None:
    manifest = parse_manifest("file,locality\na.txt,杭州\n")
    result = ingest(
        [SeedFile("a.txt", "政府工作报告\n各位代表：".encode())], manifest, load_gazetteer()
    )
    (row,) = result.documents.to_dict("records")
    assert (row["locality"], row["province"], row["city"], row["admin_level"]) == (
        "杭州", "浙江省", "杭州市", "prefecture"
    )  # fmt: skip
    assert result.ledger["warnings"] == []
