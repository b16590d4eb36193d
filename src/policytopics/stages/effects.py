"""DVC stage `effects`: passage themes + document covariates -> effects, marginal shares, panel."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from policytopics.analysis.composition import build_units
from policytopics.analysis.effects import Replicates, estimate_effects
from policytopics.analysis.panel import panel_table, year_confounding
from policytopics.analysis.prevalence import theme_matrix
from policytopics.config import load_params
from policytopics.errors import UserError
from policytopics.io import read_table, write_csv_atomic, write_json_atomic
from policytopics.stages._runner import run_stage

COVARIATES: tuple[str, ...] = (
    "locality",
    "province",
    "city",
    "admin_level",
    "year",
    "doc_type",
    "language",
)
_PASSAGE_NEEDS = ("passage_id", "doc_id", "locality", "year", "n_chars", "n_sentences")
NESTED_LOCALITIES = 10  # auto: resample localities when this many hold 2+ documents each
CLUSTER_RULE = (
    "auto: resample localities (each with all its documents) when at least "
    f"{NESTED_LOCALITIES} localities hold two or more documents each, else documents"
)
SIGNIFICANT = 10  # digits written for floats: same inputs, same bytes
CONFOUNDING_RULE = (
    "year is confounded with doc_type (or language) when both vary among the documents and "
    "Cramér's V of their year x doc_type table of document counts is at least "
    "prevalence.panel.max_cramers_v"
)


def bootstrap_unit(documents: pd.DataFrame, setting: str) -> str:
    """The cluster the bootstrap resamples: `setting`, or for auto the CLUSTER_RULE's choice."""
    if setting != "auto":
        return setting
    sizes = documents.groupby("locality").size()
    return "locality" if int((sizes >= 2).sum()) >= NESTED_LOCALITIES else "document"


def aligned(passages: pd.DataFrame, themes: pd.DataFrame) -> pd.DataFrame:
    """passage_themes row for row like `passages`; every passage exactly once."""
    if themes["passage_id"].duplicated().any():
        raise UserError("passage_themes: duplicate passage_id values; re-run classify")
    indexed = themes.set_index("passage_id")
    missing = passages.index.difference(indexed.index)
    if len(missing) or len(indexed) != len(passages):
        raise UserError(
            f"passage_themes: {len(missing)} passages of passages.parquet missing and "
            f"{len(indexed) - len(passages) + len(missing)} unknown; re-run classify"
        )
    return indexed.loc[passages.index]


def significant(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """`columns` rounded to SIGNIFICANT significant digits (infinities and NaN kept)."""

    def one(value: float) -> float:
        return value if not math.isfinite(value) else float(f"{value:.{SIGNIFICANT}g}")

    return frame.assign(**{c: frame[c].astype(float).map(one) for c in columns})


def main(
    documents_path: Path,
    passages_path: Path,
    passage_themes_path: Path,
    effects_path: Path,
    marginal_path: Path,
    panel_path: Path,
    metrics_path: Path,
) -> None:
    params = load_params()
    settings = params.prevalence
    documents = read_table(documents_path, "ingest", ["doc_id", *COVARIATES])
    documents = documents[["doc_id", *COVARIATES]].reset_index(drop=True)
    passages = read_table(passages_path, "segment", _PASSAGE_NEEDS).set_index(
        "passage_id", drop=False
    )
    themes_table = aligned(passages, read_table(passage_themes_path, "classify", ["passage_id"]))
    theme_keys, probs = theme_matrix(themes_table)
    documents = documents[documents["doc_id"].isin(passages["doc_id"])].reset_index(drop=True)
    units = build_units(
        passages,
        probs,
        documents["doc_id"].tolist(),
        equal_weights=settings.weight == "equal",
        sentence_pieces=params.classify.unit == "sentence",
    )
    doc_weights: np.ndarray = np.ones(len(documents))  # weight: equal
    if settings.weight == "n_chars":
        doc_weights = np.bincount(units.doc, weights=units.weight, minlength=len(documents))
    cluster = bootstrap_unit(documents, settings.effects.cluster)
    clusters: np.ndarray = np.arange(len(documents))  # cluster: document
    if cluster == "locality":
        clusters = pd.factorize(documents["locality"].astype(str))[0]
    replicates = Replicates(settings.n_bootstrap, settings.confidence, params.seed)
    result = estimate_effects(
        documents[list(COVARIATES)],
        units,
        theme_keys,
        settings.effects.formulas,
        doc_weights=doc_weights,
        clusters=clusters,
        replicates=replicates,
    )
    panel = panel_table(
        passages.reset_index(drop=True),
        units,
        theme_keys,
        documents,
        min_years=settings.panel.min_years,
        max_cramers_v=settings.panel.max_cramers_v,
        n_bootstrap=settings.n_bootstrap,
        confidence=settings.confidence,
        seed=params.seed,
    )
    corpus_confounding = year_confounding(documents, "corpus", settings.panel.max_cramers_v)
    write_csv_atomic(significant(result.effects, ["estimate", "ci_low", "ci_high"]), effects_path)
    write_csv_atomic(significant(result.marginal, ["share", "ci_low", "ci_high"]), marginal_path)
    write_csv_atomic(significant(panel.table, ["share", "ci_low", "ci_high"]), panel_path)
    fitted: list[dict[str, Any]] = []
    for entry in result.fitted:
        caveats = [c.describe() for c in corpus_confounding] if "year" in entry["formula"] else []
        fitted.append({**entry, "caveats": caveats})
    metrics: dict[str, Any] = {
        "n_documents": len(documents),
        "n_localities": int(documents["locality"].nunique()),
        "n_passages": len(passages),
        "n_bootstrap": settings.n_bootstrap,
        "confidence": settings.confidence,
        "seed": params.seed,
        "weight": settings.weight,
        "cluster": cluster,
        "cluster_setting": settings.effects.cluster,
        "cluster_rule": CLUSTER_RULE,
        "composition": "per sentence" if params.classify.unit == "sentence" else "per passage",
        "formulas": fitted,
        "skipped": [{"formula": s.formula, "reason": s.reason} for s in result.skipped],
        "panel": {
            "localities": panel.localities,
            "n_cells": int(len(panel.table) // max(1, len(theme_keys))),
            "min_years": settings.panel.min_years,
        },
        "confounding_rule": CONFOUNDING_RULE,
        "confounding": [c.as_dict() for c in corpus_confounding + panel.confounding],
    }
    write_json_atomic(metrics, metrics_path)
    print(
        f"effects: {len(result.fitted)} formulas fitted, {len(result.skipped)} skipped, "
        f"{len(theme_keys)} themes, {len(documents)} documents; panel: "
        f"{len(panel.localities)} localities with several years"
    )


def cli() -> None:
    parser = argparse.ArgumentParser(prog="policytopics.stages.effects", description=__doc__)
    for name in ("documents", "passages", "passage-themes"):
        parser.add_argument(f"--{name}", type=Path, required=True)
    for name in ("effects", "marginal-shares", "panel", "metrics"):
        parser.add_argument(f"--{name}", type=Path, required=True)
    args = parser.parse_args()
    run_stage(
        "effects",
        lambda: main(
            args.documents,
            args.passages,
            args.passage_themes,
            args.effects,
            args.marginal_shares,
            args.panel,
            args.metrics,
        ),
    )


if __name__ == "__main__":
    cli()
