"""Findings sections from the later stages, each shown only when its files exist: covariate
effects and the year x locality panel (stage `effects`), topic stability (stage `stability`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from policytopics.analysis.effects_plots import effect_plot, marginal_plot, trend_plot

TREND_LOCALITIES = 3  # panel localities drawn (most documents first); panel.csv has all
TREND_THEMES = 4  # themes per trend plot: the locality's largest, catch-all themes left out
MARGINAL_THEMES = 4  # themes per marginal plot: those whose predicted share moves most


def effects_context(
    tables: Mapping[str, pd.DataFrame] | None,
    metrics: Mapping[str, Any] | None,
    labels: Mapping[str, str],
    catch_all: Sequence[str],
) -> dict[str, Any]:
    """One effect plot per fitted formula (with its caveats), skipped formulas with reasons,
    and trend plots for the panel localities; empty when the effects stage did not run."""
    if not tables or metrics is None or "effects" not in tables:
        return {"effects_section": None}
    effects = tables["effects"]
    formulas = []
    for n, entry in enumerate(metrics.get("formulas", [])):
        formula = str(entry.get("formula", ""))
        if not (effects["formula"] == formula).any():
            continue
        formulas.append(
            {
                "formula": formula,
                "n_documents": entry.get("n_documents"),
                "caveats": [str(c) for c in entry.get("caveats", [])],
                "figure": effect_plot(effects, formula, f"effects-{n}", labels),
                "marginals": _marginals(tables.get("marginal"), formula, n, labels, catch_all),
            }
        )
    trends = []
    panel = tables.get("panel")
    if panel is not None and len(panel):
        docs = panel.groupby("locality")["n_documents"].sum().sort_values(ascending=False)
        for n, locality in enumerate(list(docs.index)[:TREND_LOCALITIES]):
            mine = panel[(panel["locality"] == locality) & ~panel["theme"].isin(list(catch_all))]
            themes = mine.groupby("theme")["share"].mean().sort_values(ascending=False)
            chosen = [str(t) for t in list(themes.index)[:TREND_THEMES]]
            trends.append(
                {
                    "locality": str(locality),
                    "figure": trend_plot(panel, str(locality), chosen, f"trend-{n}", labels),
                }
            )
    return {
        "effects_section": {
            "formulas": formulas,
            "skipped": [
                f"{s.get('formula', '')}: {s.get('reason', '')}" for s in metrics.get("skipped", [])
            ],
            "cluster": metrics.get("cluster", ""),
            "n_bootstrap": metrics.get("n_bootstrap", ""),
            "trends": trends,
            "n_panel": int(panel["locality"].nunique()) if panel is not None and len(panel) else 0,
        }
    }


def _marginals(
    marginal: pd.DataFrame | None,
    formula: str,
    n: int,
    labels: Mapping[str, str],
    catch_all: Sequence[str],
) -> list[str]:
    """Predicted-share plots of `formula`, one per covariate, for the non-catch-all themes
    whose predicted share moves most across the covariate's values."""
    if marginal is None or marginal.empty:
        return []
    # a percentile interval can miss its point estimate (a skewed bootstrap); matplotlib's
    # error bars cannot draw that, so the bars are widened to reach the point
    marginal = marginal.assign(
        ci_low=marginal[["ci_low", "share"]].min(axis=1),
        ci_high=marginal[["ci_high", "share"]].max(axis=1),
    )
    rows = marginal[(marginal["formula"] == formula) & ~marginal["theme"].isin(list(catch_all))]
    out = []
    for k, covariate in enumerate(sorted(set(rows["covariate"].astype(str)))):
        mine = rows[rows["covariate"].astype(str) == covariate]
        spread = mine.groupby("theme")["share"].agg(lambda v: float(v.max() - v.min()))
        themes = [str(t) for t in spread.sort_values(ascending=False).index[:MARGINAL_THEMES]]
        out.append(marginal_plot(marginal, formula, covariate, themes, f"marginal-{n}-{k}", labels))
    return out


def stability_context(metrics: Mapping[str, Any] | None) -> dict[str, Any]:
    """Per topic model: topics, mean reappearance across seeds, unstable topics, K and c_v
    ranges over the seeds; None when the stability stage did not run."""
    if metrics is None:
        return {"stability_section": None}
    rows = []
    for engine, name in (("lda", "LDA"), ("bertopic", "BERTopic")):
        m = metrics.get(engine)
        if isinstance(m, Mapping):
            rows.append({"model": name, **{str(k): v for k, v in m.items()}})
    return {
        "stability_section": {
            "seeds": list(metrics.get("seeds", [])),
            "similarity": metrics.get("similarity", ""),
            "note": str(metrics.get("note", "")),
            "rows": rows,
        }
    }
