"""Tabular corpora: one document per row of a .xlsx, .csv, .jsonl or .parquet (issue 13)."""

from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from policytopics.config import CorpusTable
from policytopics.corpus.gazetteer import load_gazetteer
from policytopics.corpus.ingest import IngestResult, SeedFile, ingest
from policytopics.corpus.manifest import EMPTY_MANIFEST, Manifest, parse_manifest
from policytopics.corpus.readers import EXCEL_CELL_LIMIT
from policytopics.errors import UserError

BODY = "为加快推进数字经济发展，推动互联网、大数据、人工智能和实体经济深度融合，现提出以下意见。"
WORKBOOK_SPEC = CorpusTable(
    glob="*.xlsx",
    text="Policy Content",
    title="Policy Title",
    date="Release Time",
    issuer=["Release Department", "Policy Release Department"],
)


def workbook() -> bytes:
    central = pd.DataFrame(
        {
            "No.": [1, 2],
            "Release Time": [datetime(2013, 8, 21), datetime(2024, 9, 19)],
            "Release Department": [
                " Ministry of Industry and Information Technology of the People's Republic of "
                "China",
                " General Office of the State Council",
            ],
            "Policy Title": [" Guiding Opinions on Smart Forestry", " Action Plan for Sensors"],
            "Policy Content": [BODY + "智慧林业。", "传" * EXCEL_CELL_LIMIT],
        }
    )
    shandong = pd.DataFrame(
        {
            "No.": [1, 2],
            "Release Time": [datetime(2016, 12, 22), datetime(2019, 3, 5)],
            "Policy Release Department": [
                "Shandong Provincial Department of Industry and Information Technology",
                "Qingdao Municipal People's Government",
            ],
            "Policy Title": ["Smart Shandong", "Digital Qingdao"],
            "Policy Content": [BODY + "建设智慧山东。", BODY + "建设数字青岛。"],
        }
    )
    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        central.to_excel(writer, sheet_name="Central Policies Table", index=False)
        shandong.to_excel(writer, sheet_name="ShanDong Policies Table", index=False)
    return out.getvalue()


def run(
    files: list[SeedFile], tables: list[CorpusTable], manifest: Manifest = EMPTY_MANIFEST
) -> IngestResult:
    return ingest(files, manifest, load_gazetteer(), tables=tables)


def rows(result: IngestResult, *columns: str) -> list[list[Any]]:
    frame = result.documents[list(columns)].astype(object)
    return frame.where(frame.notna(), None).values.tolist()


def test_workbook_every_sheet_one_document_per_row() -> None:
    manifest = parse_manifest(
        "doc_id,year,doc_type\nPolicies.xlsx#ShanDong Policies Table#0002,2020,policy_plan\n"
    )
    result = run([SeedFile("Policies.xlsx", workbook())], [WORKBOOK_SPEC], manifest)
    assert rows(result, "doc_id", "locality", "province", "admin_level", "year", "published") == [
        ["Policies.xlsx#Central Policies Table#0001", "全国", "", "national", 2013, "2013-08-21"],
        ["Policies.xlsx#Central Policies Table#0002", "全国", "", "national", 2024, "2024-09-19"],
        ["Policies.xlsx#ShanDong Policies Table#0001", "山东省", "山东省", "province", 2016,
         "2016-12-22"],
        # the manifest's year wins over Release Time; the date itself is kept
        ["Policies.xlsx#ShanDong Policies Table#0002", "青岛市", "山东省", "prefecture", 2020,
         "2019-03-05"],
    ]  # fmt: skip
    assert result.documents["title"].tolist()[0] == "Guiding Opinions on Smart Forestry"
    assert result.documents["issuer"].tolist()[1] == "General Office of the State Council"
    assert result.documents["doc_type"].tolist()[3] == "policy_plan"
    (entry,) = result.ledger["files"]
    assert entry["encoding"] == "xlsx table (declared in corpus.tables)" and entry["balanced"]
    qingdao = entry["documents"][3]
    assert qingdao["row"] == "sheet ShanDong Policies Table row 2"
    assert (qingdao["sources"]["year"], qingdao["sources"]["doc_type"]) == ("manifest", "manifest")
    assert result.ledger["warnings"] == [
        {
            "doc_id": "Policies.xlsx#Central Policies Table#0002",
            "warning": "Policy Content: exactly 32,767 characters, probably cut at Excel's "
            "cell limit",
        }
    ]
    assert len(result.documents["text"].tolist()[1]) == EXCEL_CELL_LIMIT


def test_jsonl_with_constant_level_and_year_map() -> None:
    lines = [
        {"title": "在中国共产党第十八次全国代表大会上的报告", "content": "同志们：" + BODY,
         "congress": 18},
        {"title": "論聯合政府 (七大)", "content": "論聯合政府的版本包括：毛澤東選集第三卷。",
         "congress": 7},
    ]  # fmt: skip
    data = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines).encode()
    spec = CorpusTable(
        glob="*.jsonl", text="content", title="title", year="congress",
        year_map={"7": 1945, "18": 2012}, values={"admin_level": "national"},
    )  # fmt: skip
    result = run([SeedFile("reports.jsonl", data)], [spec])
    assert rows(result, "doc_id", "locality", "admin_level", "year", "language") == [
        ["reports.jsonl#0001", "全国", "national", 2012, "zh"],
        ["reports.jsonl#0002", "全国", "national", 1945, "zh"],
    ]
    assert result.documents["text"].tolist()[1] == "论联合政府的版本包括：毛泽东选集第三卷。"


def test_undeclared_csv_read_by_conventional_names_in_gbk() -> None:
    csv = (
        "id,title,text,year,issuer\nA7,山东省人民政府关于推进数字经济的意见,“" + BODY + "”,2021,\n"
    )
    csv += "B2,关于印发方案的通知,工业和信息化部办公厅印发方案。" + BODY + ",2019,工业和信息化部\n"
    result = run([SeedFile("tables/list.csv", csv.encode("gbk"))], [])
    assert rows(result, "doc_id", "locality", "admin_level", "year") == [
        ["tables/list.csv#A7", "山东省", "province", 2021],
        ["tables/list.csv#B2", "全国", "national", 2019],
    ]
    assert result.ledger["files"][0]["encoding"] == "csv table (conventional column names)"


def test_undeclared_workbook_read_by_common_chinese_headers() -> None:
    frame = pd.DataFrame(
        {
            "编号": ["SD-3", "GX-9"],
            "标题": ["山东省人民政府关于加快数字经济发展的意见", "关于推进智慧城市建设的通知"],
            "发文机关": ["山东省人民政府", "工业和信息化部"],
            "发布日期": [datetime(2021, 4, 2), "2019年3月5日"],
            "正文": [BODY, "推进智慧城市建设。" + BODY],
        }
    )
    out = io.BytesIO()
    frame.to_excel(out, index=False, engine="openpyxl")
    result = run([SeedFile("政策.xlsx", out.getvalue())], [])
    assert rows(result, "doc_id", "title", "issuer", "year", "published", "admin_level") == [
        ["政策.xlsx#SD-3", "山东省人民政府关于加快数字经济发展的意见", "山东省人民政府", 2021,
         "2021-04-02", "province"],
        ["政策.xlsx#GX-9", "关于推进智慧城市建设的通知", "工业和信息化部", 2019, "2019-03-05",
         "national"],
    ]  # fmt: skip
    assert result.documents["text"].tolist()[0] == BODY


def test_parquet_rows_and_blank_rows_are_recorded_skips() -> None:
    frame = pd.DataFrame(
        {"content": [BODY, "  ", None], "title": ["国务院关于数字政府的意见", "", ""]}
    )
    out = io.BytesIO()
    frame.to_parquet(out)
    result = run([SeedFile("p.parquet", out.getvalue())], [])
    assert result.documents["doc_id"].tolist() == ["p.parquet#0001"]
    assert result.ledger["skipped"] == [
        {"file": "p.parquet", "doc_id": "p.parquet#0002", "reason": "row 2: no text"},
        {"file": "p.parquet", "doc_id": "p.parquet#0003", "reason": "row 3: no text"},
    ]
    assert result.ledger["files"][0]["balanced"]


@pytest.mark.parametrize(
    ("name", "data", "spec", "message"),
    [
        ("t.csv", b"title,body\na,b\n", None,
         r"^seeds/t\.csv: no text column \(looked for \['text', 'content', '正文', '内容', "
         r"'全文', '政策内容'\]; columns: "
         r"\['body', 'title'\]\); declare it in params.yaml corpus.tables"),
        ("t.jsonl", b'{"text": "a"}\n[1, 2]\n', None, r"^seeds/t\.jsonl: line 2: a JSON list"),
        ("t.csv", "id,text\n1,推进\n1,发展\n".encode(), None,
         r"^seeds/t\.csv: row 2: id '1' again \(first at row 1\)"),
        ("t.csv", "text,admin_level\n推进,city\n".encode(), None,
         r"^t\.csv row 1: admin_level must be one of"),
        ("t.xlsx", b"not a zip", CorpusTable(glob="*.xlsx", text="x"),
         r"^seeds/t\.xlsx: not a readable \.xlsx table"),
    ],
)  # fmt: skip
def test_table_problems_are_one_line_errors(
    name: str, data: bytes, spec: CorpusTable | None, message: str
) -> None:
    with pytest.raises(UserError, match=message):
        run([SeedFile(name, data)], [spec] if spec else [])


XLS = Path(__file__).parent / "fixtures" / "ingest" / "policies.xls"


def test_an_old_excel_xls_workbook_is_read_by_its_chinese_headers() -> None:
    """tests/fixtures/ingest/policies.xls (Excel 97-2003, written by xlwt), undeclared: two
    sheets with the headers a government list uses (标题, 发布日期, 发文机关, 正文; 年份 as a
    number), read in the workbook's order."""
    result = run([SeedFile("policies.xls", XLS.read_bytes())], [], EMPTY_MANIFEST)
    assert rows(result, "doc_id", "title", "locality", "year", "published", "issuer") == [
        ["policies.xls#市级政策#0001", "泸州市江阳区生态环境保护规划", "江阳区", 2021,
         "2021-03-11", "泸州市江阳区人民政府"],
        ["policies.xls#市级政策#0002", "泸州市江阳区数字经济发展规划", "江阳区", 2021,
         "2021-06-30", "泸州市江阳区人民政府"],
        ["policies.xls#区县政策#0001", "泸州市江阳区白酒产业发展规划", "江阳区", 2022, "", ""],
    ]  # fmt: skip
    assert all(text.startswith(("本纲要", "“十", "“ 十")) for text in result.documents["text"])
    (entry,) = result.ledger["files"]
    assert entry["status"] == "ok" and entry["balanced"]


def test_an_xls_that_is_a_web_page_is_a_one_line_error() -> None:
    page = "<html><body><table><tr><td>标题</td></tr></table></body></html>".encode()
    with pytest.raises(UserError, match=r"^seeds/list\.xls: an \.xls that is a web page .*\.xlsx "):
        run([SeedFile("list.xls", page)], [], EMPTY_MANIFEST)
