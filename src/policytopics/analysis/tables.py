"""The prevalence stage's work as one call: every share table and the key figures."""

from __future__ import annotations

from dataclasses import dataclass

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
from policytopics.config import PrevalenceParams
from policytopics.errors import UserError
from policytopics.models.stability import widen_interval
from policytopics.schemas import require_columns

DIGITS = 9  # written precision; removes float noise such as 0.02999999999999999
PASSAGE_COLUMNS = ("passage_id", "doc_id", "locality", "province", "year", "doc_type", "n_chars")
THEME_GROUPS = ("locality", "year", "doc_type")


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
    """The table as written: shares, bounds and lift to `DIGITS` decimals."""
    return table.round({c: DIGITS for c in ("prevalence", "ci_low", "ci_high", "lift")})


def weighted(passages: pd.DataFrame, params: PrevalenceParams) -> pd.DataFrame:
    """Passages with the weight column the estimator uses."""
    if params.weight == "equal":
        return passages.assign(n_chars=1)
    return passages


@dataclass(frozen=True)
class PrevalenceOutputs:
    themes_by: dict[str, pd.DataFrame]  # group -> theme shares (written precision)
    topics_lda: pd.DataFrame
    topics_bertopic: pd.DataFrame
    metrics: dict[str, object]
    n_themes: int

    def summary(self) -> str:
        """The stage's one-line report."""
        m = self.metrics
        contrasts = m.get("contrasts", {})
        skipped = [
            f"{theme} ({c['skipped']})"
            for theme, c in (contrasts.items() if isinstance(contrasts, dict) else [])
            if "skipped" in c
        ]
        return (
            f"prevalence: {m['n_passages']} passages, {m['n_localities']} localities, "
            f"{self.n_themes} themes, "
            f"{m['n_bootstrap']} bootstrap replicates"
            + (f"; contrasts skipped: {'; '.join(skipped)}" if skipped else "")
        )


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
) -> PrevalenceOutputs:
    """Theme shares per locality, year and doc_type, topic shares per locality, key figures.

    With `topic_spread` (the stability stage's), topic intervals also cover the seed spread.
    """
    boot = Bootstrap(params.n_bootstrap, params.confidence, seed)
    require_columns(passages, PASSAGE_COLUMNS, "passages.parquet")
    passages = weighted(passages.set_index("passage_id", drop=False), params)

    themes = align(passages, passage_themes, "passage_themes", "classify")
    theme_keys, theme_probs = theme_matrix(themes)
    by_group = {
        group: prevalence_table(
            passages, theme_probs, theme_keys, group=group, label_name="theme", bootstrap=boot
        )
        for group in THEME_GROUPS
    }
    corpus = prevalence_table(
        passages.assign(corpus="all"),
        theme_probs,
        theme_keys,
        group="corpus",
        label_name="theme",
        bootstrap=boot,
    )

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
    metrics["topic_seed_spread"] = params.topic_seed_spread if topic_spread is not None else "none"
    return PrevalenceOutputs(
        themes_by={group: rounded(table) for group, table in by_group.items()},
        topics_lda=rounded(
            with_seed_spread(lda_table, topic_spread, "lda", params.topic_seed_spread)
        ),
        topics_bertopic=rounded(
            with_seed_spread(bert_table, topic_spread, "bertopic", params.topic_seed_spread)
        ),
        metrics=metrics,
        n_themes=len(theme_keys),
    )
