"""End to end: `dvc repro` of the project's own dvc.yaml on a small corpus cut from the seeds.

Shrunk params (few topics, few bootstrap replicates), the real bundled embedding model, every
stage from ingest to report, then a second `dvc repro` that must do nothing, and the four
notebooks executed against the run's outputs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from _dvc import SMALL_PIPELINE, link_embedding_cache, run_dvc, with_overrides

from policytopics.notebook import execute

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.py"))
REPORT_CHARS = 1500  # characters kept from each Chongqing work report
HEAD_CHARS = 2500  # characters kept from the head of 003 and 004 (their endings are kept too)


def _head_and_tail(text: str, tail_lines: int) -> str:
    """The first lines up to HEAD_CHARS, then the last `tail_lines` lines (the boilerplate)."""
    lines = text.split("\n")
    head: list[str] = []
    for line in lines[:-tail_lines]:
        if sum(map(len, head)) > HEAD_CHARS:
            break
        head.append(line)
    return "\n".join(head + lines[-tail_lines:])


def _small_seeds(seeds: Path, target: Path) -> None:
    """Two of the ten Chongqing reports, cut short with the site's chrome kept; 003 and 004 cut."""
    target.mkdir(parents=True)
    for name, tail in (("003_87228cb087aa9821.txt", 1), ("004_260102b7b112ab32.txt", 4)):
        text = (seeds / name).read_text(encoding="utf-8")
        (target / name).write_text(_head_and_tail(text, tail), encoding="utf-8")
    lines = (seeds / "002_1942fa47ad5fe32d.txt").read_text(encoding="utf-8").split("\n")
    titles = [i for i, line in enumerate(lines) if line.lstrip().startswith("• 【")]
    kept: list[str] = []
    for start in titles[:2]:
        kept.append(lines[start])
        body = next(line for line in lines[start + 1 :] if len(line) > 1000)
        cut = body[:REPORT_CHARS]
        kept += ["", cut[: cut.rfind("。") + 1], ""]
    last_body = next(i for i in range(titles[-1] + 1, len(lines)) if len(lines[i]) > 1000)
    kept += lines[last_body + 1 :]  # everything after the last report: the site's chrome
    (target / "002_1942fa47ad5fe32d.txt").write_text("\n".join(kept), encoding="utf-8")
    labels = pd.read_csv(seeds / "labels.csv")
    small = labels.groupby(["theme", "split"], group_keys=False).head(6)  # every theme, both splits
    small.to_csv(target / "labels.csv", index=False)


def _small_params(params: dict[str, object]) -> dict[str, object]:
    return with_overrides(params, SMALL_PIPELINE)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, embedding_cache: Path) -> Path:
    project = tmp_path_factory.mktemp("e2e") / "project"
    project.mkdir()
    shutil.copy(ROOT / "dvc.yaml", project / "dvc.yaml")
    shutil.copytree(ROOT / "src", project / "src", ignore=shutil.ignore_patterns("__pycache__"))
    link_embedding_cache(project, embedding_cache)
    (project / "labels").mkdir()  # classify.labels_dir: no other corpus's labels (fast)
    _small_seeds(ROOT / "seeds", project / "seeds")
    params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    (project / "params.yaml").write_text(
        yaml.safe_dump(_small_params(params), allow_unicode=True), encoding="utf-8"
    )
    run_dvc(project, "init", "--no-scm", "-q")
    run_dvc(project, "repro")
    return project


@pytest.mark.slow
def test_every_stage_runs_and_accounts_for_every_document(project: Path) -> None:
    documents = pd.read_parquet(project / "data/interim/documents.parquet")
    assert sorted(documents["locality"]) == ["巫山县", "泸州市", "渝北区", "龙港市"]
    passages = pd.read_parquet(project / "data/interim/passages.parquet")
    assert set(passages["doc_id"]) == set(documents["doc_id"])
    for table in ("tokens", "lda_doc_topics", "bertopic_topics", "passage_themes"):
        ids = pd.read_parquet(project / f"data/processed/{table}.parquet")["passage_id"]
        assert ids.tolist() == passages["passage_id"].tolist(), table
    prevalence = pd.read_csv(project / "reports/prevalence/themes_by_locality.csv")
    shares = prevalence.groupby("locality")["prevalence"].sum()
    assert shares.round(6).eq(1.0).all()
    assert (project / "reports/findings.html").stat().st_size > 10_000
    assert (project / "reports/findings.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.slow
def test_a_second_repro_does_nothing(project: Path) -> None:
    out = run_dvc(project, "repro")
    assert "Running stage" not in out
    assert "Data and pipelines are up to date." in run_dvc(project, "status")


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_on_the_pipeline_outputs(
    path: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    notebook = execute(path, project, timeout=300)
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
