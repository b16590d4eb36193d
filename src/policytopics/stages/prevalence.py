"""DVC stage `prevalence`: passage themes and topics -> shares per locality, year, doc_type."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from policytopics.analysis.key_figures import prevalence_metrics
from policytopics.analysis.prevalence import (
    Bootstrap,
    bertopic_matrix,
    lda_matrix,
    prevalence_table,
    theme_matrix,
)
from policytopics.config import PrevalenceParams, load_params
from policytopics.errors import UserError
from policytopics.io import write_csv_atomic, write_json_atomic
from policytopics.schemas import require_columns
from policytopics.stages._runner import run_stage

_DIGITS = 9  # written precision; removes float noise such as 0.02999999999999999
_PASSAGE_NEEDS = ("passage_id", "doc_id", "locality", "province", "year", "doc_type", "n_chars")


def align(passages: pd.DataFrame, table: pd.DataFrame, name: str, stage: str) -> pd.DataFrame:
    """`table` re-ordered row for row like `passages`; every passage must appear exactly once."""
    require_columns(table, ["passage_id"], name)
    if table["passage_id"].duplicated().any():
        raise UserError(f"{name}: duplicate passage_id values; re-run {stage}")
    indexed = table.set_index("passage_id")
    missing = passages.index.difference(indexed.index)
    extra = indexed.index.difference(passages.index)
    if len(missing) or len(extra):
        raise UserError(
            f"{name}: {len(missing)} passages of passages.parquet missing and {len(extra)} "
            f"unknown passages (e.g. {[*missing[:1], *extra[:1]][0]}); re-run {stage}"
        )
    return indexed.loc[passages.index]


def rounded(table: pd.DataFrame) -> pd.DataFrame:
    """The table as written: shares, bounds and lift to `_DIGITS` decimals."""
    return table.round({c: _DIGITS for c in ("prevalence", "ci_low", "ci_high", "lift")})


def weighted(passages: pd.DataFrame, params: PrevalenceParams) -> pd.DataFrame:
    """Passages with the weight column the estimator uses."""
    if params.weight == "equal":
        return passages.assign(n_chars=1)
    return passages


def main(args: argparse.Namespace) -> None:
    params = load_params()
    settings = params.prevalence
    boot = Bootstrap(settings.n_bootstrap, settings.confidence, params.seed)
    passages = pd.read_parquet(args.passages)
    require_columns(passages, _PASSAGE_NEEDS, str(args.passages))
    passages = weighted(passages.set_index("passage_id", drop=False), settings)

    themes = align(passages, pd.read_parquet(args.passage_themes), "passage_themes", "classify")
    theme_keys, theme_probs = theme_matrix(themes)
    tables = {
        "locality": args.themes_by_locality,
        "year": args.themes_by_year,
        "doc_type": args.themes_by_doc_type,
    }
    by_locality = pd.DataFrame()
    for group, path in tables.items():
        table = prevalence_table(
            passages, theme_probs, theme_keys, group=group, label_name="theme", bootstrap=boot
        )
        write_csv_atomic(rounded(table), path)
        if group == "locality":
            by_locality = table
    corpus = prevalence_table(
        passages.assign(corpus="all"),
        theme_probs,
        theme_keys,
        group="corpus",
        label_name="theme",
        bootstrap=boot,
    )

    lda = align(passages, pd.read_parquet(args.lda_doc_topics), "lda_doc_topics", "lda")
    lda_labels, lda_probs, keep = lda_matrix(lda.reset_index())
    if "status" in lda.columns:  # passages LDA did not model carry its prior: leave them out
        keep &= (lda["status"] == "modelled").to_numpy()
    lda_table = prevalence_table(
        passages[keep],
        lda_probs[keep],
        lda_labels,
        group="locality",
        label_name="topic",
        bootstrap=boot,
    )
    write_csv_atomic(rounded(lda_table), args.topics_lda)

    bert = align(passages, pd.read_parquet(args.bertopic_topics), "bertopic_topics", "bertopic")
    require_columns(bert, ["topic"], "bertopic_topics")
    bert_labels, bert_probs = bertopic_matrix(bert["topic"])
    bert_table = prevalence_table(
        passages, bert_probs, bert_labels, group="locality", label_name="topic", bootstrap=boot
    )
    write_csv_atomic(rounded(bert_table), args.topics_bertopic)

    pairs = passages[["locality", "province"]].drop_duplicates("locality")
    provinces = {str(loc): str(prov) for loc, prov in pairs.itertuples(index=False)}
    counts: dict[str, float] = {
        "n_passages": len(passages),
        "n_documents": int(passages["doc_id"].nunique()),
        "n_localities": int(passages["locality"].nunique()),
        "n_years": int(passages["year"].nunique(dropna=False)),
        "n_doc_types": int(passages["doc_type"].nunique(dropna=False)),
        "n_bootstrap": settings.n_bootstrap,
        "confidence": settings.confidence,
        "seed": params.seed,
        "lda_passages_not_modelled": int((~keep).sum()),
        "bertopic_outlier_share": round(float(np.mean(bert["topic"].to_numpy() == -1)), 6),
    }
    metrics: dict[str, object] = prevalence_metrics(
        by_locality, corpus, settings.contrasts, provinces, counts
    )
    metrics["weight"] = settings.weight
    write_json_atomic(metrics, args.metrics)
    print(
        f"prevalence: {counts['n_passages']} passages, {counts['n_localities']} localities, "
        f"{len(theme_keys)} themes, {settings.n_bootstrap} bootstrap replicates"
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="policytopics.stages.prevalence", description=__doc__)
    for name in ("passages", "passage-themes", "lda-doc-topics", "bertopic-topics"):
        parser.add_argument(f"--{name}", type=Path, required=True)
    for name in (
        "themes-by-locality",
        "themes-by-year",
        "themes-by-doc-type",
        "topics-lda",
        "topics-bertopic",
        "metrics",
    ):
        parser.add_argument(f"--{name}", type=Path, required=True)
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse_args()
    run_stage("prevalence", lambda: main(arguments))
