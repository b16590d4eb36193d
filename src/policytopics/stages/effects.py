"""DVC stage `effects`: passage themes + document covariates -> effects, marginal shares, panel.

With the sentence scores and classify's calibration, each document's theme shares are the
prevalence estimator's (prevalence.estimator), carried to its passages by
`analysis.sentence_shares.estimator_passage_probs`."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from policytopics.analysis.composition import CHUNK, build_units
from policytopics.analysis.effects import Replicates, estimate_effects
from policytopics.analysis.panel import panel_table, year_confounding
from policytopics.analysis.prevalence import theme_matrix
from policytopics.analysis.sentence_shares import (
    calibration_of,
    estimator_passage_probs,
    sentence_units,
)
from policytopics.compute import build_executor
from policytopics.config import load_params
from policytopics.errors import UserError
from policytopics.io import read_json, read_table, write_csv_atomic, write_json_atomic
from policytopics.stages._runner import path_parser, run_stage

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
    documents: Path,
    passages: Path,
    passage_themes: Path,
    effects: Path,
    marginal_shares: Path,
    panel: Path,
    metrics: Path,
    sentence_themes: Path | None = None,
    calibration: Path | None = None,
) -> None:
    params = load_params()
    settings = params.prevalence
    units_table = read_table(passages, "segment", _PASSAGE_NEEDS).set_index(
        "passage_id", drop=False
    )
    themes_table = aligned(units_table, read_table(passage_themes, "classify", ["passage_id"]))
    theme_keys, probs = theme_matrix(themes_table)
    docs = read_table(documents, "ingest", ["doc_id", *COVARIATES])[["doc_id", *COVARIATES]]
    docs = docs[docs["doc_id"].isin(units_table["doc_id"])].reset_index(drop=True)
    if sentence_themes is not None:  # the prevalence estimator's document shares
        record = read_json(calibration, "classify") if calibration is not None else None
        calibrated = calibration_of(record, theme_keys, settings.estimator)
        sentence_scores = sentence_units(
            units_table.reset_index(drop=True),
            read_table(sentence_themes, "classify"),
            themes_table.reset_index(),
            equal_weights=settings.weight == "equal",
        )
        passage_docs = pd.Categorical(units_table["doc_id"], categories=docs["doc_id"]).codes
        probs = estimator_passage_probs(
            sentence_scores,
            np.asarray(passage_docs, dtype=np.int64),
            len(docs),
            settings.estimator,
            calibrated,
        )
    units = build_units(
        units_table,
        probs,
        docs["doc_id"].tolist(),
        equal_weights=settings.weight == "equal",
        sentence_pieces=params.classify.unit == "sentence",
    )
    doc_weights: np.ndarray = np.ones(len(docs))  # weight: equal
    if settings.weight == "n_chars":
        doc_weights = np.bincount(units.doc, weights=units.weight, minlength=len(docs))
    cluster = bootstrap_unit(docs, settings.effects.cluster)
    clusters: np.ndarray = np.arange(len(docs))  # cluster: document
    if cluster == "locality":
        clusters = pd.factorize(docs["locality"].astype(str))[0]
    # replicate chunks of IRLS fits: in this process below compute.min_fit_workers local
    # workers, as classify's fits (2 workers gained nothing on 2 cores: docs/scaling.md)
    with build_executor(
        params.compute,
        n_tasks=-(-settings.n_bootstrap // CHUNK),
        min_workers=params.compute.min_fit_workers,
    ) as executor:
        result = estimate_effects(
            docs[list(COVARIATES)],
            units,
            theme_keys,
            settings.effects.formulas,
            doc_weights=doc_weights,
            clusters=clusters,
            replicates=Replicates(settings.n_bootstrap, settings.confidence, params.seed),
            executor=executor,
            progress=True,
        )
        years = panel_table(
            units_table.reset_index(drop=True),
            units,
            theme_keys,
            docs,
            min_years=settings.panel.min_years,
            max_cramers_v=settings.panel.max_cramers_v,
            n_bootstrap=settings.n_bootstrap,
            confidence=settings.confidence,
            seed=params.seed,
            executor=executor,
        )
    corpus_confounding = year_confounding(docs, "corpus", settings.panel.max_cramers_v)
    write_csv_atomic(significant(result.effects, ["estimate", "ci_low", "ci_high"]), effects)
    write_csv_atomic(significant(result.marginal, ["share", "ci_low", "ci_high"]), marginal_shares)
    write_csv_atomic(significant(years.table, ["share", "ci_low", "ci_high"]), panel)
    fitted: list[dict[str, Any]] = []
    for entry in result.fitted:
        caveats = [c.describe() for c in corpus_confounding] if "year" in entry["formula"] else []
        fitted.append({**entry, "caveats": caveats})
    summary: dict[str, Any] = {
        "n_documents": len(docs),
        "n_localities": int(docs["locality"].nunique()),
        "n_passages": len(units_table),
        "n_bootstrap": settings.n_bootstrap,
        "confidence": settings.confidence,
        "seed": params.seed,
        "weight": settings.weight,
        "estimator": settings.estimator if sentence_themes is not None else "soft",
        "cluster": cluster,
        "cluster_setting": settings.effects.cluster,
        "cluster_rule": CLUSTER_RULE,
        "composition": "per sentence" if params.classify.unit == "sentence" else "per passage",
        "formulas": fitted,
        "skipped": [{"formula": s.formula, "reason": s.reason} for s in result.skipped],
        "panel": {
            "localities": years.localities,
            "n_cells": int(len(years.table) // max(1, len(theme_keys))),
            "min_years": settings.panel.min_years,
        },
        "confounding_rule": CONFOUNDING_RULE,
        "confounding": [c.as_dict() for c in corpus_confounding + years.confounding],
    }
    write_json_atomic(summary, metrics)
    print(
        f"effects: {len(result.fitted)} formulas fitted, {len(result.skipped)} skipped, "
        f"{len(theme_keys)} themes, {len(docs)} documents; panel: "
        f"{len(years.localities)} localities with several years"
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    inputs = ("documents", "passages", "passage-themes")
    outputs = ("effects", "marginal-shares", "panel", "metrics")
    optional = ("sentence-themes", "calibration")
    return path_parser("effects", __doc__, (*inputs, *outputs), optional).parse_args(argv)


def cli(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    run_stage("effects", lambda: main(**vars(args)))


if __name__ == "__main__":
    cli()
