"""End to end on the real dev corpora (issue 13): `dvc repro` on a corpus folder holding a small
cut of the seeds, of the CPC congress reports (JSONL) and of the digital-policy workbook (.xlsx),
chosen by `corpus.dir` and read through `corpus.tables`, as a researcher would set it up.

Skipped when `../shared/corpora/` is absent. Shrunk params as in test_pipeline_e2e.py.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from _corpora import CONGRESS, CONGRESS_TABLE, CORPORA, WORKBOOK, WORKBOOK_TABLE
from _dvc import SMALL_PIPELINE, link_embedding_cache, run_dvc, with_overrides

ROOT = Path(__file__).resolve().parents[1]
CUT = 2500  # characters kept of each congress report and workbook row
KEPT_CONGRESSES = {"1", "7", "18", "20"}  # 1921, 1945, 2012, 2022
SHANDONG = "policies/policies.xlsx#ShanDong Policies Table"
pytestmark = pytest.mark.skipif(not CORPORA.is_dir(), reason="../shared/corpora/ is absent")


def _congress_cut(target: Path) -> None:
    """Four reports: the traditional-script 1921 Guangzhou report, the 七大 stub, 十八大, 二十大."""
    keep = []
    for line in CONGRESS.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        beijing = record["title"] == "北京共产主义组织的报告 (一大)"  # 一大 once: Guangzhou
        if str(record["congress"]) in KEPT_CONGRESSES and not beijing:
            keep.append({**record, "content": record["content"][:CUT]})
    target.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in keep) + "\n", encoding="utf-8"
    )


def _workbook_cut(target: Path) -> None:
    """Both sheets: three ministry rows and four Shandong rows (provincial and a ministry)."""
    sheets = pd.read_excel(WORKBOOK, sheet_name=None)
    central = sheets["Central Policies Table"].iloc[[0, 2, 20]]
    shandong = sheets["ShanDong Policies Table"]
    department = shandong["Policy Release Department"]
    provincial = shandong[department.str.startswith("Shandong Provincial")].head(3)
    ministry = shandong[department.str.startswith("General Office of the Ministry")].head(1)
    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        for name, frame in (
            ("Central Policies Table", central),
            ("ShanDong Policies Table", pd.concat([provincial, ministry])),
        ):
            cut = frame.assign(**{"Policy Content": frame["Policy Content"].str.slice(0, CUT)})
            cut.to_excel(writer, sheet_name=name, index=False)
    target.write_bytes(out.getvalue())


def _seeds_cut(target: Path) -> None:
    """Two Chongqing reports cut short (with the site's chrome), the hand labels cut."""
    lines = (ROOT / "seeds" / "002_1942fa47ad5fe32d.txt").read_text(encoding="utf-8").split("\n")
    titles = [i for i, line in enumerate(lines) if line.lstrip().startswith("• 【")]
    kept: list[str] = []
    for start in titles[:2]:
        body = next(line for line in lines[start + 1 :] if len(line) > 1000)[:CUT]
        kept += [lines[start], "", body[: body.rfind("。") + 1], ""]
    last_body = next(i for i in range(titles[-1] + 1, len(lines)) if len(lines[i]) > 1000)
    kept += lines[last_body + 1 :]
    (target / "002_1942fa47ad5fe32d.txt").write_text("\n".join(kept), encoding="utf-8")
    labels = pd.read_csv(ROOT / "seeds" / "labels.csv")
    labels.groupby(["theme", "split"], group_keys=False).head(6).to_csv(
        target / "labels.csv", index=False
    )


def _params() -> dict[str, object]:
    params: dict[str, object] = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    params["corpus"] = {
        "dir": "corpus",
        "labels": "corpus/labels.csv",
        "tables": [CONGRESS_TABLE, WORKBOOK_TABLE],
    }
    return with_overrides(params, SMALL_PIPELINE)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, embedding_cache: Path) -> Path:
    project = tmp_path_factory.mktemp("devcorpora") / "project"
    corpus = project / "corpus"
    (corpus / "congress").mkdir(parents=True)
    (corpus / "policies").mkdir()
    shutil.copy(ROOT / "dvc.yaml", project / "dvc.yaml")
    shutil.copytree(ROOT / "src", project / "src", ignore=shutil.ignore_patterns("__pycache__"))
    link_embedding_cache(project, embedding_cache)
    (project / "labels").mkdir()  # classify.labels_dir: no other corpus's labels (fast)
    _seeds_cut(corpus)
    _congress_cut(corpus / "congress" / "reports.jsonl")
    _workbook_cut(corpus / "policies" / "policies.xlsx")
    (project / "params.yaml").write_text(yaml.safe_dump(_params(), allow_unicode=True), "utf-8")
    run_dvc(project, "init", "--no-scm", "-q")
    run_dvc(project, "repro")
    return project


@pytest.mark.slow
def test_levels_and_years_of_the_dev_corpora(project: Path) -> None:
    documents = pd.read_parquet(project / "data/interim/documents.parquet")
    columns = ["doc_id", "locality", "province", "admin_level", "year"]
    rows = documents[columns].astype(object).values.tolist()
    assert rows == [
        ["002_1942fa47ad5fe32d#01", "渝北区", "重庆市", "county", 2021],
        ["002_1942fa47ad5fe32d#02", "巫山县", "重庆市", "county", 2021],
        ["congress/reports.jsonl#0001", "全国", "", "national", 1921],
        ["congress/reports.jsonl#0002", "全国", "", "national", 1945],
        ["congress/reports.jsonl#0003", "全国", "", "national", 2012],
        ["congress/reports.jsonl#0004", "全国", "", "national", 2022],
        ["policies/policies.xlsx#Central Policies Table#0001", "全国", "", "national", 2013],
        ["policies/policies.xlsx#Central Policies Table#0002", "全国", "", "national", 2024],
        ["policies/policies.xlsx#Central Policies Table#0003", "全国", "", "national", 2023],
        [f"{SHANDONG}#0001", "山东省", "山东省", "province", 2013],
        [f"{SHANDONG}#0002", "山东省", "山东省", "province", 2016],
        [f"{SHANDONG}#0003", "山东省", "山东省", "province", 2016],
        [f"{SHANDONG}#0004", "全国", "", "national", 2022],  # a ministry's row: national
    ]  # fmt: skip
    ledger = json.loads((project / "reports/corpus/ingest.json").read_text(encoding="utf-8"))
    assert [i["file"] for i in ledger["ignored"]] == ["labels.csv"]


@pytest.mark.slow
def test_every_stage_runs_to_the_findings(project: Path) -> None:
    documents = pd.read_parquet(project / "data/interim/documents.parquet")
    passages = pd.read_parquet(project / "data/interim/passages.parquet")
    assert set(passages["doc_id"]) == set(documents["doc_id"])
    themes = pd.read_parquet(project / "data/processed/passage_themes.parquet")
    assert themes["passage_id"].tolist() == passages["passage_id"].tolist()
    assert (project / "reports/findings.html").stat().st_size > 10_000
    assert (project / "reports/findings.pdf").read_bytes().startswith(b"%PDF")
