"""ingest(): fixture files -> documents and ledger; manifest overrides; bad files; the stage."""

from __future__ import annotations

import codecs
import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from policytopics.corpus.gazetteer import load_gazetteer
from policytopics.corpus.ingest import CorpusFile, IngestResult, SeedFile, ingest
from policytopics.corpus.manifest import EMPTY_MANIFEST, Manifest, parse_manifest
from policytopics.errors import UserError
from policytopics.schemas import DOCUMENT_COLUMNS
from policytopics.stages import ingest as stage

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
REPORT = "2021年3月10日在重庆市渝北区第十八届人民代表大会第五次会议上各位代表：现在报告工作。"


def seed(name: str) -> SeedFile:
    return SeedFile(name, (FIXTURES / name).read_bytes())


def run(
    files: Sequence[CorpusFile], manifest: Manifest = EMPTY_MANIFEST, **kw: Any
) -> IngestResult:
    return ingest(files, manifest, load_gazetteer(), **kw)


@pytest.fixture(scope="module")
def fixtures_result() -> IngestResult:
    return run([seed(p.name) for p in sorted(FIXTURES.glob("*.txt"))])


class CountedFile:
    """A corpus file that notes in `reads` each time its bytes are asked for."""

    def __init__(self, name: str, data: bytes, reads: list[str]) -> None:
        self.name = name
        self._data = data
        self._reads = reads

    @property
    def data(self) -> bytes:
        self._reads.append(self.name)
        return self._data


def test_each_file_is_read_once_when_its_turn_comes_with_a_bar_of_the_files(
    capsys: pytest.CaptureFixture[str],
) -> None:
    reads: list[str] = []
    names = ["listing_002.txt", "2021/a.txt"]
    files = [CountedFile(n, (FIXTURES / "listing_002.txt").read_bytes(), reads) for n in names]
    result = run(files, duplicates="keep", progress=True)
    assert reads == ["2021/a.txt", "listing_002.txt"]  # path order, each once
    assert [entry["file"] for entry in result.ledger["files"]] == reads
    bar = capsys.readouterr().err.split("\r")[-1]
    assert bar.startswith("ingest: 100%") and "2/2" in bar


def test_documents_and_metadata(fixtures_result: IngestResult) -> None:
    docs = fixtures_result.documents
    assert list(docs.columns) == list(DOCUMENT_COLUMNS)
    shown = docs.drop(columns=["text", "source_file", "title", "published", "issuer"])
    assert shown.to_dict("records") == [
        dict(doc_id="english_news_000#01", part=1, locality="泸州市", province="四川省",
             city="泸州市", admin_level="prefecture", year=2022, doc_type="news",
             language="en", author="National Development Reform Co"),
        dict(doc_id="listing_002#01", part=1, locality="渝北区", province="重庆市",
             city="重庆市", admin_level="county", year=2021,
             doc_type="government_work_report", language="zh", author="谭庆"),
        dict(doc_id="listing_002#02", part=2, locality="合川区", province="重庆市",
             city="重庆市", admin_level="county", year=2021,
             doc_type="government_work_report", language="zh", author="徐万忠"),
        dict(doc_id="plan_news_003#01", part=1, locality="泸州市", province="四川省",
             city="泸州市", admin_level="prefecture", year=None, doc_type="policy_plan",
             language="zh", author=""),
        dict(doc_id="plan_pdf_001#01", part=1, locality="江阳区", province="四川省",
             city="泸州市", admin_level="county", year=2021, doc_type="five_year_plan",
             language="zh", author=""),
    ]  # fmt: skip
    assert str(docs["year"].dtype) == "Int64"


def test_cleaned_texts(fixtures_result: IngestResult) -> None:
    docs = fixtures_result.documents
    text = dict(zip(docs["doc_id"], docs["text"], strict=True))
    assert text["english_news_000#01"] == (
        "Editor's note: Luzhou City has transformed its economy.\n"
        'The first is to upgrade the "Belt and Road" trade.\n'
        "Automated electronic production line"
    )
    assert text["listing_002#02"] == (
        "2021年3月2日在重庆市合川区第十七届人民代表大会第六次会议上\n"
        "重庆市合川区人民政府区长徐万忠\n"
        "各位代表：三次产业结构比优化为10.8:45:44.2，乾丰镇撤乡设镇（一期）。"
    )
    assert text["plan_pdf_001#01"] == (
        "泸州市江阳区国民经济和社会发展\n"
        "第十四个五年规划和二〇三五年远景目标纲要\n"
        "（2021年3月11日泸州市江阳区第九届人民代表大会第五次会议批准）\n"
        "序言\n"
        "“十四五”时期，地区生产总值年均增长8.5%，"
        "三次产业结构由2015年的5.1:57.3:37.6调整为2020年的5:50:45。"
    )
    assert text["plan_news_003#01"].endswith("●以中国酒城·长江生态旅游带项目为核心载体。")


def test_ledger_accounts_for_every_character(fixtures_result: IngestResult) -> None:
    files = {f["file"]: f for f in fixtures_result.ledger["files"]}
    assert all(f["balanced"] for f in files.values())
    listing = files["listing_002.txt"]
    assert listing["chars_removed"] == {
        "scrape_date": 30,
        "site_chrome": 49,
        "stray_punctuation": 1,
        "title_to_metadata": 51,
        "whitespace": 21,
    }
    assert listing["chars_inserted"] == {"line_break": 4}
    assert listing["encoding"] == "utf-8" and listing["status"] == "ok"
    assert [d["doc_id"] for d in listing["documents"]] == ["listing_002#01", "listing_002#02"]
    hechuan = listing["documents"][1]
    assert hechuan["sources"]["year"] == "body date 2021-03-02 wins over title year 201年"
    assert hechuan["chars_kept"] == 89
    assert files["english_news_000.txt"]["chars_removed"]["teasers_after_end"] == 100
    assert files["plan_news_003.txt"]["documents"][0]["missing"] == ["year"]
    assert fixtures_result.metrics == {
        "n_files": 4,
        "n_files_skipped": 0,
        "n_files_ignored": 0,
        "n_documents": 5,
        "n_duplicates": 0,
        "n_warnings": 0,
        "n_localities": 4,
        "n_national": 0,
        "n_locality_unknown": 0,
        "chars_kept": int(fixtures_result.documents["text"].str.len().sum()),
        "chars_removed": sum(fixtures_result.ledger["totals"]["chars_removed_by_reason"].values()),
    }


def test_manifest_states_what_detection_cannot_and_wins() -> None:
    manifest = parse_manifest(
        "file,part,year,doc_type,title\n"
        "plan_news_003.txt,,2021,,\n"
        "listing_002.txt,,,,清单\n"
        "listing_002.txt,2,2020,budget_report,合川区2021年政府工作报告\n"
    )
    docs = run([seed("plan_news_003.txt"), seed("listing_002.txt")], manifest).documents
    rows = docs[["doc_id", "year", "doc_type", "title"]].values.tolist()
    assert rows == [
        ["listing_002#01", 2021, "government_work_report", "清单"],
        ["listing_002#02", 2020, "budget_report", "合川区2021年政府工作报告"],
        ["plan_news_003#01", 2021, "policy_plan", "泸州市三区“一体”高质量发展总体方案"],
    ]


def test_manifest_locality_fills_province_and_city_from_the_gazetteer() -> None:
    manifest = parse_manifest("file,locality\nplan_pdf_001.txt,泸县\n")
    (row,) = run([seed("plan_pdf_001.txt")], manifest).documents.to_dict("records")
    assert (row["locality"], row["province"], row["city"], row["admin_level"]) == (
        "泸县",
        "四川省",
        "泸州市",
        "county",
    )


def test_manifest_locality_outside_the_gazetteer_is_kept_with_a_warning() -> None:
    result = run(
        [seed("plan_pdf_001.txt")], parse_manifest("file,locality\nplan_pdf_001.txt,某某新区\n")
    )
    (row,) = result.documents.to_dict("records")
    assert (row["locality"], row["province"], row["city"], row["admin_level"]) == (
        "某某新区", "", "", ""
    )  # fmt: skip
    assert result.ledger["warnings"] == [
        {
            "doc_id": "plan_pdf_001#01",
            "warning": "stated locality 某某新区 is not in the gazetteer: province, city and "
            "admin_level are blank unless stated",
        }
    ]
    manifest = parse_manifest(
        "file,locality,province,city,admin_level\nplan_pdf_001.txt,某某新区,四川省,泸州市,county\n"
    )
    (row,) = run([seed("plan_pdf_001.txt")], manifest).documents.to_dict("records")
    assert (row["locality"], row["province"]) == ("某某新区", "四川省")


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ("file,year\nmissing.txt,2021\n", "seeds/manifest.csv names missing.txt, which is not"),
        ("file,part\nlisting_002.txt,3\n", "listing_002.txt part 3 does not exist"),
    ],
)
def test_manifest_naming_what_is_not_there_is_an_error(manifest: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        run([seed("listing_002.txt")], parse_manifest(manifest))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("file,yaer\na.txt,2021\n", r"unknown column\(s\) \['yaer'\]"),
        ("locality\n泸州市\n", "needs a `file` column"),
        ("file,year\na.txt,21\n", "line 2: year must be a year 1900-2100, got '21'"),
        ("file,language\na.txt,fr\n", "language must be one of"),
        ("file,part\na.txt,0\n", "part must be a positive whole number"),
        ("file,year\na.txt,2021\na.txt,2022\n", "a second row for a.txt part"),
    ],
)
def test_manifest_errors_are_one_line(text: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        parse_manifest(text)


BAD_FILES = {
    "empty.txt": b"",
    "binary.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "latin1.txt": "café crème".encode("latin-1"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_is_an_error_naming_it(name: str) -> None:
    with pytest.raises(UserError, match=f"^seeds/{name}: .*set ingest.on_bad_file: skip"):
        run([seed("listing_002.txt"), SeedFile(name, BAD_FILES[name])])


def test_bad_files_skipped_and_recorded_when_asked() -> None:
    files = [seed("listing_002.txt")] + [SeedFile(n, d) for n, d in BAD_FILES.items()]
    result = run(files, on_bad_file="skip")
    assert len(result.documents) == 2
    assert [(s["file"], s["reason"]) for s in result.ledger["skipped"]] == [
        ("binary.txt", "binary file (NUL bytes; UTF-16 needs a byte-order mark)"),
        ("empty.txt", "empty file"),
        ("latin1.txt", "undecodable: not UTF-8, UTF-16/32 with BOM, or GB18030/GBK"),
    ]
    assert result.metrics["n_files_skipped"] == 3
    statuses = {f["file"]: f["status"] for f in result.ledger["files"]}
    assert statuses == {
        "binary.txt": "skipped",
        "empty.txt": "skipped",
        "latin1.txt": "skipped",
        "listing_002.txt": "ok",
    }


def test_boilerplate_only_file_is_a_bad_file() -> None:
    with pytest.raises(UserError, match="no text left after removing boilerplate"):
        run([SeedFile("chrome.txt", "有想补充的信息?点我投稿\n共 53 页\n".encode())])


ENCODINGS = {
    "gbk.txt": REPORT.encode("gbk"),
    "bom.txt": codecs.BOM_UTF8 + REPORT.encode("utf-8"),
    "utf16.txt": REPORT.encode("utf-16"),
}


def test_stage_reads_each_encoding_from_a_seeds_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, repo_root: Path
) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for name, data in ENCODINGS.items():
        (seeds / name).write_bytes(data)
    (seeds / "labels.csv").write_text("passage_id,theme\n", encoding="utf-8")
    (seeds / "notes.md").write_text("not a document", encoding="utf-8")
    (seeds / "manifest.csv").write_text("file,title\ngbk.txt,渝北区报告\n", encoding="utf-8")
    monkeypatch.chdir(repo_root)  # params.yaml
    out = tmp_path / "out"
    stage.main(seeds, out / "documents.parquet", out / "ingest.json", out / "metrics.json")
    docs = pd.read_parquet(out / "documents.parquet")
    # the same text three times: counted once, the copy the manifest describes kept
    assert docs["doc_id"].tolist() == ["gbk#01"]
    assert docs["locality"].tolist() == ["渝北区"] and docs["title"].tolist() == ["渝北区报告"]
    ledger = json.loads((out / "ingest.json").read_text(encoding="utf-8"))
    assert [(f["file"], f["encoding"]) for f in ledger["files"]] == [
        ("bom.txt", "utf-8-bom"),
        ("gbk.txt", "gb18030"),
        ("utf16.txt", "utf-16"),
    ]
    assert [(d["doc_id"], d["duplicate_of"], d["kind"], d["kept_because"])
            for d in ledger["duplicates"]] == [
        ("bom#01", "gbk#01", "exact", "described in the manifest"),
        ("utf16#01", "gbk#01", "exact", "described in the manifest"),
    ]  # fmt: skip
    assert all(f["balanced"] for f in ledger["files"])
    assert ledger["ignored"] == [
        {"file": "labels.csv", "reason": "hand labels (read by classify through corpus.labels)"},
        {"file": "manifest.csv", "reason": "the manifest (read as metadata)"},
        {"file": "notes.md", "reason": "not a document format (.md)"},
    ]
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert (metrics["n_files"], metrics["n_documents"], metrics["n_duplicates"]) == (3, 1, 2)


def test_stage_errors_are_user_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, repo_root: Path
) -> None:
    monkeypatch.chdir(repo_root)
    out = tmp_path / "documents.parquet"
    with pytest.raises(UserError, match="not a directory of corpus files"):
        stage.main(tmp_path / "nowhere", out, tmp_path / "l.json", None)
    with pytest.raises(UserError, match=r"no document files \(\.txt \.docx"):
        stage.main(tmp_path, out, tmp_path / "l.json", None)
    shutil.copy(FIXTURES / "listing_002.txt", tmp_path / "a.txt")
    (tmp_path / "manifest.csv").write_text("file,year\nb.txt,2021\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"names b\.txt"):
        stage.main(tmp_path, out, tmp_path / "l.json", None)
    assert not out.exists()


def test_listing_item_without_text_is_a_skipped_document_when_asked() -> None:
    data = (
        "• 【渝北区招商】2021年渝北区政府工作报告\n\n2025-07-08\n"
        "• 【南岸区招商】2021年南岸区政府工作报告\n各位代表：重庆市南岸区。\n"
    )
    with pytest.raises(UserError, match=r"^seeds/l\.txt: document 1 has no text"):
        run([SeedFile("l.txt", data.encode())])
    result = run([SeedFile("l.txt", data.encode())], on_bad_file="skip")
    assert result.documents["doc_id"].tolist() == ["l#02"]
    assert result.ledger["skipped"] == [
        {"file": "l.txt", "doc_id": "l#01", "reason": "document 1 has no text"}
    ]
    (entry,) = result.ledger["files"]
    assert [d["status"] for d in entry["documents"]] == ["skipped", "ok"]
    assert entry["balanced"]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"", "seeds/empty.txt: empty file"),
        ("binary.txt", b"\x00\x01\x02\x03PK", "seeds/binary.txt: binary file (NUL bytes"),
    ],
)
def test_stage_stops_at_a_bad_file_in_tmp_path(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    repo_root: Path,
    name: str,
    data: bytes,
    message: str,
) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "good.txt").write_bytes(REPORT.encode("utf-8"))
    (seeds / name).write_bytes(data)
    monkeypatch.chdir(repo_root)
    with pytest.raises(UserError) as error:
        stage.main(seeds, tmp_path / "d.parquet", tmp_path / "l.json", None)
    assert str(error.value).startswith(f"{tmp_path}/{message}")
    assert not (tmp_path / "d.parquet").exists()


def test_cli_reports_a_user_error_as_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    repo_root: Path,
) -> None:
    monkeypatch.chdir(repo_root)
    argv = ["ingest", "--seeds", str(tmp_path / "missing"), "--documents", str(tmp_path / "d")]
    monkeypatch.setattr("sys.argv", [*argv, "--ledger", str(tmp_path / "l.json")])
    with pytest.raises(SystemExit) as exit_info:
        stage.cli()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert (
        err == f"policytopics ingest: error: {tmp_path / 'missing'}: not a directory of corpus "
        "files (corpus.dir in params.yaml)\n"
    )


def test_manifest_file_names_resolve_into_subfolders() -> None:
    data = (FIXTURES / "plan_pdf_001.txt").read_bytes()
    files = [SeedFile("2021/plan.txt", data), SeedFile("2022/other.txt", data + b"x")]
    docs = run(files, parse_manifest("file,year\nplan.txt,2019\n"), duplicates="keep").documents
    assert docs[["doc_id", "year"]].values.tolist() == [
        ["2021/plan#01", 2019],
        ["2022/other#01", 2021],
    ]
    twice = [SeedFile("a/plan.txt", data), SeedFile("b/plan.txt", data)]
    with pytest.raises(UserError, match=r"names plan.txt: several files have that name \(a/plan"):
        run(twice, parse_manifest("file,year\nplan.txt,2019\n"))
