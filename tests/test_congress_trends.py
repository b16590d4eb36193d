"""Issue 14's in-repository check: the pipeline on all 16 CPC congress reports (1921-2022) finds
the trends their vocabulary shows, with the configured prevalence estimator.

`dvc repro prevalence` in a temporary project whose corpus folder links to
`../shared/corpora/cpc_congress/` (never copied), trained on the project's hand labels
(seeds/labels.csv and labels/*.csv, as `dvc repro` in the repository is, with the label texts'
vectors of labels/vectors.parquet), with shrunk topic model settings. Era shares are
length-weighted over the reports. Skipped when the corpora are absent.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from _corpora import CONGRESS, CONGRESS_TABLE, CONGRESS_YEARS
from _dvc import link_embedding_cache, run_dvc, with_overrides

ROOT = Path(__file__).resolve().parents[1]
NINTH_TO_15TH = (1969, 1997)
EIGHTEENTH_TO_20TH = (2012, 2022)
BEFORE_15TH = (1921, 1992)
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CONGRESS.is_file(), reason="../shared/corpora/ is absent"),
]


def _params() -> dict[str, object]:
    params: dict[str, object] = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    params["corpus"] = {"dir": "corpus", "labels": "seed_labels.csv", "tables": [CONGRESS_TABLE]}
    shrink: dict[str, dict[str, object]] = {
        "compute": {"workers": 1},
        "lda": {"num_topics": [10], "passes": 10, "iterations": 50},
        "stability": {"seeds": []},
        "prevalence": {"n_bootstrap": 50},
    }
    return with_overrides(params, shrink)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, embedding_cache: Path) -> Path:
    project = tmp_path_factory.mktemp("congress") / "project"
    (project / "corpus").mkdir(parents=True)
    (project / "corpus" / CONGRESS.name).symlink_to(CONGRESS)
    shutil.copy(ROOT / "dvc.yaml", project / "dvc.yaml")
    shutil.copytree(ROOT / "src", project / "src", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "seeds" / "labels.csv", project / "seed_labels.csv")
    (project / "labels").mkdir()
    for path in sorted((ROOT / "labels").glob("*.csv")):
        shutil.copy(path, project / "labels" / path.name)
    # the label texts' vectors, as the repository's classify stage reads them (docs/labels.md)
    shutil.copy(ROOT / "labels" / "vectors.parquet", project / "labels" / "vectors.parquet")
    link_embedding_cache(project, embedding_cache)
    (project / "params.yaml").write_text(yaml.safe_dump(_params(), allow_unicode=True), "utf-8")
    run_dvc(project, "init", "--no-scm", "-q")
    run_dvc(project, "repro", "prevalence")
    return project


def era_share(project: Path, theme: str, years: tuple[int, int]) -> float:
    """A theme's share of the reports of `years` (inclusive), weighted by their length."""
    shares = pd.read_csv(project / "reports/prevalence/themes_by_document.csv")
    passages = pd.read_parquet(project / "data/interim/passages.parquet")
    length = passages.groupby("doc_id")["n_chars"].sum()
    mine = shares[(shares["theme"] == theme) & shares["year"].between(*years)]
    weights = mine["doc_id"].map(length)
    return float((mine["prevalence"] * weights).sum() / weights.sum())


def test_sentences_of_every_era_are_classified(project: Path) -> None:
    sentences = pd.read_parquet(project / "data/interim/sentences.parquet")
    scored = pd.read_parquet(project / "data/processed/sentence_themes.parquet")
    assert len(scored) == len(sentences) > 5000
    assert scored["confidence"].between(0, 1).all() and scored["ood"].between(0, 1).all()
    documents = pd.read_parquet(project / "data/interim/documents.parquet")
    assert sorted(documents["year"].unique().tolist()) == sorted(set(CONGRESS_YEARS.values()))
    shares = pd.read_csv(project / "reports/prevalence/themes_by_document.csv")
    assert shares["doc_id"].nunique() == 16
    sums = shares.groupby("doc_id")["prevalence"].sum().to_numpy()
    assert sums == pytest.approx([1.0] * 16, abs=1e-8)  # 13 shares written to 9 decimals


def test_ecology_grows_at_least_threefold_from_the_9th_15th_to_the_18th_20th(
    project: Path,
) -> None:
    early = era_share(project, "ecology", NINTH_TO_15TH)
    late = era_share(project, "ecology", EIGHTEENTH_TO_20TH)
    assert late >= 3 * early, (early, late)


def test_digital_economy_is_near_zero_before_the_15th(project: Path) -> None:
    early = era_share(project, "digital_economy", BEFORE_15TH)
    assert early < 0.005, early


# Measured 2026-12-01 (bb2bb1e, prevalence.estimator hard): 0.04% before the 15th congress,
# 0.30% in the 18th-20th (6.7x); soft 0.41%, em 0.07%, acc and pacc 0%. With the neighbour vote
# (2026-12-02): 0.02% and 0.27% (13.5x). The classifier calls almost no congress sentence
# digital_economy, and by a reading of the 18th-20th reports few are: 3 of their 2,032
# sentences are primarily about it (docs/estimators.md#the-congress-check).
@pytest.mark.xfail(
    strict=True,
    reason="digital_economy is 0.27% of the 18th-20th congress reports by hard counts "
    "(target >= 1%; 13.5x the 0.02% before the 15th): 3 of their 2,032 sentences are "
    "primarily about it",
)
def test_digital_economy_reaches_one_percent_and_triples_in_the_18th_20th(
    project: Path,
) -> None:
    early = era_share(project, "digital_economy", BEFORE_15TH)
    late = era_share(project, "digital_economy", EIGHTEENTH_TO_20TH)
    assert late >= 0.01 and late >= 3 * early, (early, late)


def test_the_trained_model_puts_the_issue_sentences_in_their_themes(project: Path) -> None:
    """`policytopics classify` as a user runs it, on the model this pipeline trained (real e5
    embedder, every hand label of the project): Chinese and English, and a text from nowhere."""
    texts = [
        "推进白酒产业集群发展，做强浓香型白酒品牌。",
        "加强长江流域生态保护修复。",
        "建设大数据中心，发展数字经济。",
        "Promote the development of the baijiu industry cluster and strengthen liquor brands.",
        "Strengthen ecological protection and restoration of the Yangtze River basin.",
        "Build big data centres and develop the digital economy.",
        "hello world",
    ]
    cli = Path(sys.executable).with_name("policytopics")
    result = subprocess.run(
        [str(cli), "classify", "--model", str(project / "models" / "classifier")],
        input="\n".join(texts) + "\n",
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["text"] for r in records] == texts
    expected = ["liquor_industry", "ecology", "digital_economy"] * 2
    assert [r["best_theme"] for r in records[:-1]] == expected
    # a marked (abstained) prediction keeps its theme; the Chinese ones are confident
    assert [r["theme"] for r in records[:-1]] == expected
    assert [r["abstained"] for r in records[:3]] == [False] * 3
    assert records[-1]["out_of_domain"] is True and records[-1]["abstained"] is True
