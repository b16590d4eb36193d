"""`dvc metrics show` fits in a terminal: one headline file, a dozen short keys (issue 15)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from policytopics.report.headline_metrics import headline_metrics

ROOT = Path(__file__).resolve().parents[1]
METRICS: dict[str, dict[str, Any]] = {
    "prevalence": {
        "n_documents": 14,
        "n_passages": 1194,
        "n_localities": 13,
        "estimator": "pacc",
        "estimator_error": {"chosen": {"mae": 0.068}, "soft": {"mae": 0.071}},
    },
    "lda": {"chosen": {"num_topics": 30, "c_v": 0.62}},
    "bertopic": {"chosen": {"num_topics": 36, "c_v": 0.76}},
    "classify": {"document_grouped": {"macro_f1": 0.83, "low": 0.77, "high": 0.86}},
}
STABILITY = {"lda": {"mean_reappearance": 0.6}, "bertopic": {"mean_reappearance": 0.86}}


def test_the_headline_holds_a_dozen_numbers_from_the_stages_files() -> None:
    assert headline_metrics(METRICS, STABILITY) == {
        "documents": 14,
        "passages": 1194,
        "localities": 13,
        "lda_k": 30,
        "lda_c_v": 0.62,
        "bertopic_k": 36,
        "bertopic_c_v": 0.76,
        "f1_doc": 0.83,
        "f1_low": 0.77,
        "f1_high": 0.86,
        "lda_stable": 0.6,
        "bertopic_stable": 0.86,
        "estimator": "pacc",
        "share_mae": 0.068,
        "share_mae_soft": 0.071,
    }


def test_a_stage_that_did_not_run_gives_none_not_a_crash() -> None:
    out = headline_metrics({"lda": {"chosen": {"num_topics": True}}}, None)
    assert set(out.values()) == {None}


def test_only_the_headline_file_is_declared_as_dvc_metrics() -> None:
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    declared = [
        next(iter(m)) if isinstance(m, dict) else m
        for stage in stages.values()
        for m in stage.get("metrics", [])
    ]
    assert declared == ["reports/metrics.json"]
