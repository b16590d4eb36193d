"""The ingest stage on a researcher's folder (issue 13): formats, subfolders, hidden files,
duplicates, a traditional-script listing, a GBK manifest and a 2 MB unpunctuated line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from policytopics.stages import ingest as stage

FIXTURE = Path(__file__).parent / "fixtures" / "ingest_corpus"
LONG_LINE = (
    "加快发展数字经济推动产业转型升级" * 43_000
)  # 688,000 characters, 2.06 MB, no punctuation


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("corpus") / "my corpus"
    shutil.copytree(FIXTURE, root)
    (root / "copies" / "long.txt").write_text(LONG_LINE, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def outputs(
    corpus: Path, tmp_path_factory: pytest.TempPathFactory, repo_root: Path
) -> tuple[pd.DataFrame, dict[str, Any]]:
    out = tmp_path_factory.mktemp("out")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(repo_root)  # params.yaml
        stage.main(corpus, out / "documents.parquet", out / "ingest.json", out / "metrics.json")
    ledger = json.loads((out / "ingest.json").read_text(encoding="utf-8"))
    return pd.read_parquet(out / "documents.parquet"), ledger


def test_nothing_under_the_folder_is_missing_from_the_ledger(
    corpus: Path, outputs: tuple[pd.DataFrame, dict[str, Any]]
) -> None:
    _, ledger = outputs
    listed = [f["file"] for f in ledger["files"]] + [i["file"] for i in ledger["ignored"]]
    found = set()
    for path in corpus.rglob("*"):
        parts = path.relative_to(corpus).parts
        hidden = next((i for i, part in enumerate(parts) if part.startswith(".")), None)
        if hidden is not None:  # a hidden file or folder is listed once, a folder as "name/"
            top = corpus.joinpath(*parts[: hidden + 1])
            found.add("/".join(parts[: hidden + 1]) + ("/" if top.is_dir() else ""))
        elif path.is_file():
            found.add("/".join(parts))
    assert sorted(found) == sorted(listed)
    assert ledger["ignored"] == [
        {"file": ".cache/", "reason": "hidden folder"},
        {"file": ".hidden.txt", "reason": "hidden file"},
        {"file": "build.py", "reason": "not a document format (.py)"},
        {"file": "manifest.csv", "reason": "the manifest (read as metadata)"},
        {"file": "notes.md", "reason": "not a document format (.md)"},
        {"file": "old.doc", "reason": "an old Word .doc file: save it as .docx to include it"},
    ]


def test_every_file_gives_its_ledger_line(outputs: tuple[pd.DataFrame, dict[str, Any]]) -> None:
    _, ledger = outputs
    rows = [(f["file"], f["status"], f.get("encoding", "")) for f in ledger["files"]]
    assert rows == [
        ("copies/long.txt", "ok", "utf-8"),
        ("copies/report_yubei_copy.txt", "ok", "utf-8"),
        ("listing_simplified.txt", "ok", "utf-8"),
        ("listing_traditional.txt", "ok", "utf-8"),
        ("mentions_only.txt", "ok", "utf-8"),
        ("national.txt", "ok", "utf-8"),
        ("plan.pdf", "ok", "pdf text layer, 1 page(s)"),
        ("report.docx", "ok", "docx"),
        ("report_yubei.txt", "ok", "utf-8"),
        ("report_yubei_edited.txt", "ok", "utf-8"),
        ("scanned.pdf", "skipped", ""),
    ]
    assert ledger["skipped"] == [
        {
            "file": "scanned.pdf",
            "reason": "no text layer (scanned?): 1 page(s) gave 0 characters; "
            "run OCR and add the text as .txt",
        }
    ]
    assert all(f["balanced"] for f in ledger["files"] if f["status"] == "ok")


def test_documents_levels_and_stated_values(outputs: tuple[pd.DataFrame, dict[str, Any]]) -> None:
    docs, ledger = outputs
    columns = ["doc_id", "locality", "province", "admin_level", "year", "title"]
    assert docs[columns].astype(object).where(docs[columns].notna(), None).values.tolist() == [
        ["copies/long#01", "", "", "", None, ""],
        ["listing_simplified#01", "巫山县", "重庆市", "county", 2021, "2021年巫山县政府工作报告"],
        ["listing_traditional#01", "南岸区", "重庆市", "county", 2021, "2021年南岸区政府工作报告"],
        ["mentions_only#01", "", "", "", None, ""],
        ["national#01", "全国", "", "national", None, "国务院关于加快推进数字经济发展的意见"],
        ["plan.pdf#01", "龙港市", "浙江省", "county", 2022, "龙港市生态保护行动方案"],
        ["report.docx#01", "泸州市", "四川省", "prefecture", None, "泸州市数字经济发展规划"],
        # the GBK manifest's title, with its quoted comma, and its year
        ["report_yubei#01", "渝北区", "重庆市", "county", 2021,
         "2021年渝北区政府工作报告（修订，终稿）"],
    ]  # fmt: skip
    assert ledger["warnings"] == [
        {"doc_id": "copies/long#01",
         "warning": "locality unknown (no place or central organ found)"},
        {
            "doc_id": "mentions_only#01",
            "warning": "locality unknown (the body only mentions places (上海市 2x, "
            "澳门特别行政区 2x), none as its own)",
        },
    ]  # fmt: skip


def test_duplicates_listed_and_counted_once(outputs: tuple[pd.DataFrame, dict[str, Any]]) -> None:
    _, ledger = outputs
    assert ledger["duplicates"] == [
        {"doc_id": "copies/report_yubei_copy#01", "duplicate_of": "report_yubei#01",
         "kind": "exact", "similarity": 1.0, "kept_because": "described in the manifest",
         "action": "dropped"},
        {"doc_id": "report_yubei_edited#01", "duplicate_of": "report_yubei#01",
         "kind": "near", "similarity": 0.9477, "kept_because": "described in the manifest",
         "action": "dropped"},
    ]  # fmt: skip
    copy = next(f for f in ledger["files"] if f["file"] == "copies/report_yubei_copy.txt")
    assert copy["documents"][0]["status"] == "duplicate"
    assert copy["chars_kept"] == 0 and copy["chars_removed"]["duplicate"] == 460
    assert ledger["totals"]["n_documents"] == 8 and ledger["totals"]["n_duplicates"] == 2


def test_traditional_listing_loses_the_same_chrome(
    outputs: tuple[pd.DataFrame, dict[str, Any]],
) -> None:
    docs, ledger = outputs
    files = {f["file"]: f for f in ledger["files"]}
    simplified = files["listing_simplified.txt"]["chars_removed"]
    assert files["listing_traditional.txt"]["chars_removed"] == simplified == {
        "scrape_date": 15, "site_chrome": 39, "title_to_metadata": 26, "whitespace": 8
    }  # fmt: skip
    text = str(docs.set_index("doc_id").loc["listing_traditional#01", "text"])
    assert "投稿" not in text and "補充" not in text and "400-162-2002" not in text
    assert text.endswith(
        "广阳岛生态修复全面完成，数字经济产业园加快建设，长江经济带绿色发展示范成效明显。"
    )


def test_docx_pdf_and_the_long_line_keep_their_text(
    outputs: tuple[pd.DataFrame, dict[str, Any]],
) -> None:
    docs, _ = outputs
    text = docs.set_index("doc_id")["text"]
    assert text["report.docx#01"] == (
        "泸州市人民政府\n为加快建设数字泸州，推动数字经济和实体经济深度融合，制定本规划。\n"
        "一、发展目标\n指标\n2025年目标\n数字经济核心产业增加值占比\n百分之十\n二、重点任务"
    )
    assert text["plan.pdf#01"] == (
        "龙港市人民政府\n为加强生态环境保护，推进美丽龙港建设，制定本方案。\n"
        "一、加强河道综合整治，二、推进垃圾分类。"
    )
    assert text["copies/long#01"] == LONG_LINE  # 2 MB without punctuation passes intact


def test_same_folder_gives_byte_identical_outputs(
    corpus: Path, tmp_path: Path, repo_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo_root)
    for run in ("a", "b"):
        stage.main(corpus, tmp_path / run / "d.parquet", tmp_path / run / "l.json", None)
    assert (tmp_path / "a/l.json").read_bytes() == (tmp_path / "b/l.json").read_bytes()
    assert (tmp_path / "a/d.parquet").read_bytes() == (tmp_path / "b/d.parquet").read_bytes()
