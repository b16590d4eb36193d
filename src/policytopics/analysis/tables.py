"""The prevalence stage's work as one call: every share table and the key figures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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
from policytopics.analysis.quantify import Calibration
from policytopics.analysis.sentence_shares import (
    Estimation,
    SentenceUnits,
    sentence_units,
    share_tables,
)
from policytopics.config import PrevalenceParams
from policytopics.errors import UserError
from policytopics.models.stability import widen_interval
from policytopics.schemas import require_columns

DIGITS = 9  # written precision; removes float noise such as 0.02999999999999999
PASSAGE_COLUMNS = ("passage_id", "doc_id", "locality", "province", "year", "doc_type", "n_chars")
THEME_GROUPS = ("locality", "year", "doc_type")
# the steps `prevalence_outputs` reports to its `on_step` callback, in order
PREVALENCE_STEPS = ("theme shares", "LDA topic shares", "BERTopic topic shares")


def _no_step(name: str) -> None:
    """The default `on_step`: report nothing."""


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


ROUNDED: tuple[str, ...] = ("prevalence", "ci_low", "ci_high", "lift", "prevalence_soft")
ROUNDED += ("low_confidence_share", "median_ood")
DOCUMENT_COLUMNS = ("locality", "year", "doc_type")  # beside doc_id in themes_by_document


def rounded(table: pd.DataFrame) -> pd.DataFrame:
    """The table as written: shares, bounds, lift and the trust columns to `DIGITS` decimals."""
    return table.round({c: DIGITS for c in ROUNDED if c in table.columns})


def weighted(passages: pd.DataFrame, params: PrevalenceParams) -> pd.DataFrame:
    """Passages with the weight column the estimator uses."""
    if params.weight == "equal":
        return passages.assign(n_chars=1)
    return passages


@dataclass(frozen=True)
class PrevalenceOutputs:
    themes_by: dict[str, pd.DataFrame]  # group -> theme shares (written precision)
    themes_by_document: pd.DataFrame  # doc_id, locality, year, doc_type, theme, shares...
    topics_lda: pd.DataFrame
    topics_bertopic: pd.DataFrame
    metrics: dict[str, object]
    n_themes: int

    def summary(self) -> str:
        """The stage's one-line report."""
        m = self.metrics
        flagged = m.get("flagged_documents")
        contrasts = m.get("contrasts", {})
        skipped = [
            f"{theme} ({c['skipped']})"
            for theme, c in (contrasts.items() if isinstance(contrasts, dict) else [])
            if "skipped" in c
        ]
        return (
            f"prevalence: {m['n_passages']} passages, {m['n_localities']} localities, "
            f"{self.n_themes} themes, "
            f"{m['n_bootstrap']} bootstrap replicates; estimator {m.get('estimator')}, "
            f"{len(flagged) if isinstance(flagged, list) else 0} documents flagged"
            + (f"; contrasts skipped: {'; '.join(skipped)}" if skipped else "")
        )


def passage_units(passages: pd.DataFrame, passage_themes: pd.DataFrame) -> pd.DataFrame:
    """Passage scores in the shape of sentence_themes: one unit per passage, never
    abstained, OOD unknown (for a pipeline without sentence scores)."""
    lengths = dict(zip(passages["passage_id"], passages["n_chars"], strict=True))
    return passage_themes.assign(
        n_chars=passage_themes["passage_id"].map(lengths),
        abstain=False,
        ood=np.nan,
    )


def document_table(table: pd.DataFrame, passages: pd.DataFrame) -> pd.DataFrame:
    """Per-document shares with the document's locality, year and doc_type beside doc_id."""
    meta = passages.drop_duplicates("doc_id").set_index("doc_id")[list(DOCUMENT_COLUMNS)]
    out = table.join(meta, on="doc_id")
    return out[["doc_id", *DOCUMENT_COLUMNS, *[c for c in table.columns if c != "doc_id"]]]


def trust_metrics(
    by_document: pd.DataFrame,
    units: SentenceUnits,
    params: PrevalenceParams,
    estimator_error: dict[str, Any] | None,
    n_themes: int,
) -> dict[str, Any]:
    """The estimator, its measured per-document error, and the documents the classifier
    does not know (more abstained text than max_abstained_share)."""
    documents = by_document.iloc[::n_themes]
    flagged = documents[documents["flagged"]].sort_values(
        ["low_confidence_share", "doc_id"], ascending=[False, True]
    )
    error: dict[str, Any] | None = None
    if estimator_error:
        mae = estimator_error.get("mae", {})
        error = {
            "documents": estimator_error.get("documents"),
            "sample": estimator_error.get("sample"),
            "chosen": mae.get(params.estimator),
            "soft": mae.get("soft"),
            "mae": {k: v.get("mae") for k, v in mae.items()},
            "best": estimator_error.get("best"),
        }
    total = float(units.weight.sum())
    return {
        "estimator": params.estimator,
        "estimator_error": error,
        "abstained_share": round(float(units.weight[units.abstain].sum() / total), 6),
        "max_abstained_share": params.max_abstained_share,
        "flagged_documents": [
            {
                "doc_id": str(doc_id),
                "low_confidence_share": round(float(share), 6),
                "median_ood": None if pd.isna(ood) else round(float(ood), 6),
            }
            for doc_id, share, ood in zip(
                flagged["doc_id"],
                flagged["low_confidence_share"].astype(float),
                flagged["median_ood"].astype(float),
                strict=True,
            )
        ],
    }


def with_seed_spread(
    table: pd.DataFrame, spread: pd.DataFrame | None, engine: str, method: str
) -> pd.DataFrame:
    """Topic shares per locality whose intervals also cover the topic's spread across seeds.

    `spread` is the stability stage's topic_spread table (engine, locality, topic, seed_min,
    seed_max, seed_sd). The bootstrap bounds are kept as ci_low_sampling / ci_high_sampling;
    ci_low / ci_high become the widened interval (models.stability.widen_interval). A topic
    without seed figures (outliers, a topic no refit matched, method "none") keeps its interval.
    """
    out = table.copy()
    out["ci_low_sampling"] = out["ci_low"]
    out["ci_high_sampling"] = out["ci_high"]
    if spread is None or method == "none" or spread.empty or table.empty:
        return out
    require_columns(
        spread, ["engine", "locality", "topic", "seed_min", "seed_max", "seed_sd"], "topic_spread"
    )
    mine = spread[spread["engine"] == engine]
    keys = ["locality", "topic"]
    seeds = mine.assign(locality=mine["locality"].astype(str), topic=mine["topic"].astype(str))[
        [*keys, "seed_min", "seed_max", "seed_sd"]
    ]
    joined = out.assign(
        _locality=out["locality"].astype(str), _topic=out["topic"].astype(str)
    ).merge(
        seeds.rename(columns={"locality": "_locality", "topic": "_topic"}),
        on=["_locality", "_topic"],
        how="left",
    )
    low, high = widen_interval(
        joined["prevalence"].to_numpy(float),
        joined["ci_low"].to_numpy(float),
        joined["ci_high"].to_numpy(float),
        joined["seed_min"].to_numpy(float),
        joined["seed_max"].to_numpy(float),
        joined["seed_sd"].to_numpy(float),
        method="variance" if method == "variance" else "union",
    )
    out["ci_low"] = low
    out["ci_high"] = high
    return out


def prevalence_outputs(
    passages: pd.DataFrame,
    passage_themes: pd.DataFrame,
    lda_doc_topics: pd.DataFrame,
    bertopic_topics: pd.DataFrame,
    params: PrevalenceParams,
    seed: int,
    topic_spread: pd.DataFrame | None = None,
    sentence_themes: pd.DataFrame | None = None,
    calibration: Calibration | None = None,
    estimator_error: dict[str, Any] | None = None,
    on_step: Callable[[str], None] = _no_step,
) -> PrevalenceOutputs:
    """Theme shares per locality, year, doc_type and document, topic shares per locality,
    key figures.

    Theme shares come from `sentence_themes` by `params.estimator` (with `calibration` for
    acc, pacc and em; `estimator_error` is classify's measured error, copied into the
    metrics); without `sentence_themes` every passage is one unit. With `topic_spread` (the
    stability stage's), topic intervals also cover the seed spread. `on_step(name)` is called
    as each of `PREVALENCE_STEPS` begins (a stage's progress bar).
    """
    on_step(PREVALENCE_STEPS[0])
    if sentence_themes is None:
        sentence_themes = passage_units(passages, passage_themes)
    boot = Bootstrap(params.n_bootstrap, params.confidence, seed)
    require_columns(passages, PASSAGE_COLUMNS, "passages.parquet")
    passages = weighted(passages.set_index("passage_id", drop=False), params)

    themes = align(passages, passage_themes, "passage_themes", "classify")
    theme_keys, _ = theme_matrix(themes)
    units = sentence_units(
        passages.reset_index(drop=True),
        sentence_themes,
        themes.reset_index(),
        equal_weights=params.weight == "equal",
    )
    if units.keys != theme_keys:
        raise UserError("sentence_themes and passage_themes disagree on the themes; re-run")
    estimation = Estimation(
        params.estimator, calibration, boot, max_abstained=params.max_abstained_share
    )
    groups = {g: g for g in (*THEME_GROUPS, "doc_id", "corpus")}
    tables = share_tables(
        passages.assign(corpus="all").reset_index(drop=True), units, groups, estimation
    )
    by_group = {group: tables[group] for group in THEME_GROUPS}
    corpus = tables["corpus"]
    by_document = document_table(tables["doc_id"], passages)

    on_step(PREVALENCE_STEPS[1])
    lda = align(passages, lda_doc_topics, "lda_doc_topics", "lda")
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

    on_step(PREVALENCE_STEPS[2])
    bert = align(passages, bertopic_topics, "bertopic_topics", "bertopic")
    require_columns(bert, ["topic"], "bertopic_topics")
    bert_labels, bert_probs = bertopic_matrix(bert["topic"])
    bert_table = prevalence_table(
        passages, bert_probs, bert_labels, group="locality", label_name="topic", bootstrap=boot
    )

    pairs = passages[["locality", "province"]].drop_duplicates("locality")
    provinces = {str(loc): str(prov) for loc, prov in pairs.itertuples(index=False)}
    counts: dict[str, float] = {
        "n_passages": len(passages),
        "n_documents": int(passages["doc_id"].nunique()),
        "n_localities": int(passages["locality"].nunique()),
        "n_years": int(passages["year"].nunique(dropna=False)),
        "n_doc_types": int(passages["doc_type"].nunique(dropna=False)),
        "n_bootstrap": params.n_bootstrap,
        "confidence": params.confidence,
        "seed": seed,
        "lda_passages_not_modelled": int((~keep).sum()),
        "bertopic_outlier_share": round(float(np.mean(bert["topic"].to_numpy() == -1)), 6),
    }
    metrics: dict[str, object] = prevalence_metrics(
        by_group["locality"], corpus, params.contrasts, provinces, counts
    )
    metrics["weight"] = params.weight
    metrics.update(trust_metrics(by_document, units, params, estimator_error, len(theme_keys)))
    metrics["topic_seed_spread"] = params.topic_seed_spread if topic_spread is not None else "none"
    return PrevalenceOutputs(
        themes_by={group: rounded(table) for group, table in by_group.items()},
        themes_by_document=rounded(by_document),
        topics_lda=rounded(
            with_seed_spread(lda_table, topic_spread, "lda", params.topic_seed_spread)
        ),
        topics_bertopic=rounded(
            with_seed_spread(bert_table, topic_spread, "bertopic", params.topic_seed_spread)
        ),
        metrics=metrics,
        n_themes=len(theme_keys),
    )
