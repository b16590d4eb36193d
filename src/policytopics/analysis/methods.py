"""Three methods side by side: the classifier's theme shares beside LDA's and BERTopic's
topic shares mapped to themes, and how well they agree (pure functions, no I/O).

A topic model's share of a theme in a locality is the sum of the shares of the topics mapped
to that theme (`reports/themes/topic_themes.csv`). BERTopic's outliers (topic -1) and topics
mapped to no theme belong to no theme, so a topic model's theme shares need not sum to 1.
A locality a model did not model (LDA leaves out languages outside `lda.fit_languages`) has
no share (NaN), never 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

METHODS = ("classifier", "lda", "bertopic")
PAIRS = (("classifier", "lda"), ("classifier", "bertopic"), ("lda", "bertopic"))


def mapped_theme_shares(
    topic_shares: pd.DataFrame, mapping: pd.DataFrame, model: str
) -> pd.DataFrame:
    """Per locality and theme, the summed share of `model`'s topics mapped to the theme.

    `topic_shares` has locality, topic, prevalence (one model's by-locality table);
    `mapping` has model, topic, theme. Columns: locality, theme, share, topics (how many).
    """
    mine = mapping[mapping["model"].astype(str) == model]
    theme_of = {int(str(t)): str(k) for t, k in zip(mine["topic"], mine["theme"], strict=True)}
    rows = topic_shares.assign(topic=topic_shares["topic"].map(lambda t: int(str(t))))
    rows = rows.assign(theme=rows["topic"].map(theme_of))
    rows = rows[rows["theme"].notna()]
    out = (
        rows.groupby(["locality", "theme"], sort=True)
        .agg(share=("prevalence", "sum"), topics=("topic", "nunique"))
        .reset_index()
    )
    return out.astype({"locality": str, "theme": str})


def side_by_side(
    theme_shares: pd.DataFrame,
    topic_shares: Mapping[str, pd.DataFrame],
    mapping: pd.DataFrame,
) -> pd.DataFrame:
    """One row per theme and locality: classifier, lda and bertopic shares (NaN: not modelled).

    `theme_shares` is the classifier's by-locality table (locality, theme, prevalence);
    a theme no topic maps to has share 0 in a locality the model did model.
    """
    base = theme_shares[["theme", "locality", "prevalence"]].astype({"theme": str, "locality": str})
    table = base.rename(columns={"prevalence": "classifier"})
    for model in ("lda", "bertopic"):
        shares = topic_shares.get(model)
        modelled = set() if shares is None else set(shares["locality"].astype(str))
        mapped = (
            pd.DataFrame(columns=["locality", "theme", "share"])
            if shares is None
            else mapped_theme_shares(shares, mapping, model)
        )
        table = table.merge(
            mapped[["locality", "theme", "share"]].rename(columns={"share": model}),
            on=["locality", "theme"],
            how="left",
        )
        filled = table[model].astype(float).fillna(0.0)
        table[model] = filled.where(table["locality"].isin(modelled), np.nan)
    return table.sort_values(["theme", "locality"]).reset_index(drop=True)


def _spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman's rank correlation; NaN with fewer than 3 pairs or a constant side."""
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = ~(np.isnan(a) | np.isnan(b))
    a, b = a[keep], b[keep]
    if len(a) < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(spearmanr(a, b).statistic)


def agreement(table: pd.DataFrame) -> pd.DataFrame:
    """Rank agreement of the methods: per theme across localities, then `overall` across
    every theme x locality cell. Columns: theme, pair ("classifier~lda"), spearman,
    n_localities (localities both methods cover)."""
    rows = []
    groups: list[tuple[str, pd.DataFrame]] = [
        (str(theme), part) for theme, part in table.groupby("theme", sort=True)
    ]
    groups.append(("overall", table))
    for theme, part in groups:
        for left, right in PAIRS:
            both = part[[left, right]].astype(float).dropna()
            rows.append(
                {
                    "theme": theme,
                    "pair": f"{left}~{right}",
                    "spearman": _spearman(both[left].tolist(), both[right].tolist()),
                    "n_localities": int(part.loc[both.index, "locality"].nunique()),
                }
            )
    return pd.DataFrame(rows, columns=["theme", "pair", "spearman", "n_localities"])


def agreement_wide(agree: pd.DataFrame) -> pd.DataFrame:
    """`agreement` with one row per theme and one column per pair (overall last)."""
    wide = agree.pivot(index="theme", columns="pair", values="spearman")
    order = [t for t in wide.index if t != "overall"] + ["overall"]
    return wide.loc[[t for t in order if t in wide.index], [f"{a}~{b}" for a, b in PAIRS]]


def disagreeing_themes(agree: pd.DataFrame, threshold: float) -> list[str]:
    """Themes (not `overall`) where the classifier's ranking of localities agrees with
    neither topic model's at `threshold` or above (both correlations below, or undefined)."""
    part = agree[(agree["theme"] != "overall") & agree["pair"].str.startswith("classifier~")]
    out = []
    for theme, rows in part.groupby("theme", sort=True):
        values = rows["spearman"].astype(float)
        if not (values >= threshold).any():
            out.append(str(theme))
    return out
