"""Figures for effects, marginal shares and the panel: matplotlib to SVG strings (pure functions).

Each function takes a table as the effects stage writes it (effects.csv, marginal_shares.csv,
panel.csv) and returns a standalone SVG. Call `policytopics.report.fonts.configure_matplotlib`
with `report.font_family` first so that Chinese labels render. An unbounded interval end
(separation: a theme absent from a level in some replicates) is drawn as an arrow to the edge.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from policytopics.report.figures import to_svg

_POINT = "#3b6ea5"
_CAVEAT = "#b5651d"


def _label(labels: Mapping[str, str], key: str) -> str:
    return labels.get(key, key)


def effect_plot(
    effects: pd.DataFrame, formula: str, name: str, labels: Mapping[str, str] | None = None
) -> str:
    """Coefficients (log-odds) of one formula with their intervals: a row per theme and term."""
    labels = labels or {}
    rows = effects[effects["formula"] == formula].reset_index(drop=True)
    names = [
        f"{_label(labels, str(t))} · {term}"
        for t, term in zip(rows["theme"], rows["term"], strict=True)
    ]
    height = 0.28 * len(rows) + 1.2
    fig, ax = plt.subplots(figsize=(7.0, height))
    y = np.arange(len(rows))[::-1]
    estimate = rows["estimate"].to_numpy(dtype=float)
    low = rows["ci_low"].to_numpy(dtype=float)
    high = rows["ci_high"].to_numpy(dtype=float)
    finite = np.concatenate([estimate, low, high])
    finite = finite[np.isfinite(finite)]
    span = (finite.min(), finite.max()) if finite.size else (-1.0, 1.0)
    pad = 0.05 * (span[1] - span[0] or 1.0)
    left, right = span[0] - pad, span[1] + pad
    ax.hlines(y, np.clip(low, left, right), np.clip(high, left, right), color=_POINT, lw=1.5)
    ax.plot(estimate, y, "o", color=_POINT, ms=4)
    for yy, lo, hi in zip(y, low, high, strict=True):
        if lo == -np.inf:
            ax.annotate("", (left, yy), (left + 2 * pad, yy), arrowprops={"arrowstyle": "->"})
        if hi == np.inf:
            ax.annotate("", (right, yy), (right - 2 * pad, yy), arrowprops={"arrowstyle": "->"})
    ax.axvline(0.0, color="grey", lw=0.8, ls="--")
    ax.set_xlim(left, right)
    ax.set_yticks(y, names, fontsize=7)
    ax.set_xlabel("effect on the log-odds of the theme's share 对数几率效应 (95% interval)")
    ax.set_title(formula, fontsize=9)
    return to_svg(fig, name)


def marginal_plot(
    marginal: pd.DataFrame,
    formula: str,
    covariate: str,
    themes: list[str],
    name: str,
    labels: Mapping[str, str] | None = None,
) -> str:
    """Predicted share at each value of `covariate` (others as observed), with intervals."""
    labels = labels or {}
    rows = marginal[(marginal["formula"] == formula) & (marginal["covariate"] == covariate)]
    values = list(dict.fromkeys(rows["value"].tolist()))
    numeric = pd.api.types.is_numeric_dtype(rows["value"].dtype)
    fig, ax = plt.subplots(figsize=(6.5, 3.4))
    positions = np.asarray(values, dtype=float) if numeric else np.arange(len(values))
    offsets = (
        np.linspace(-0.15, 0.15, max(1, len(themes))) if not numeric else np.zeros(len(themes))
    )
    for offset, theme in zip(offsets, themes, strict=True):
        part = rows[rows["theme"] == theme].set_index("value").loc[values]
        share = part["share"].to_numpy(dtype=float)
        errors = [
            share - part["ci_low"].to_numpy(dtype=float),
            part["ci_high"].to_numpy(dtype=float) - share,
        ]
        ax.errorbar(
            positions + offset,
            share,
            yerr=errors,
            fmt="o-" if numeric else "o",
            ms=4,
            capsize=2,
            label=_label(labels, theme),
        )
    if numeric:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        ax.set_xticks(
            positions,
            [textwrap.fill(str(v), 14, break_long_words=False) for v in values],
            fontsize=8,
        )
    ax.set_xlabel(covariate)
    ax.set_ylabel("predicted share 预测占比")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=7, frameon=False)
    ax.set_title(formula, fontsize=9)
    return to_svg(fig, name)


def trend_plot(
    panel: pd.DataFrame,
    locality: str,
    themes: list[str],
    name: str,
    labels: Mapping[str, str] | None = None,
) -> str:
    """Share by year in one locality for `themes`, with interval bands and its caveat if any."""
    labels = labels or {}
    rows = panel[panel["locality"] == locality].sort_values("year")
    fig, ax = plt.subplots(figsize=(6.5, 3.4))
    for theme in themes:
        part = rows[rows["theme"] == theme]
        year = part["year"].to_numpy(dtype=float)
        (line,) = ax.plot(year, part["share"], "o-", ms=3, label=_label(labels, theme))
        ax.fill_between(year, part["ci_low"], part["ci_high"], color=line.get_color(), alpha=0.2)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("year 年份")
    ax.set_ylabel("share of text 文本占比")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=7, frameon=False)
    ax.set_title(locality, fontsize=9)
    caveat = str(rows["caveat"].iloc[0]) if len(rows) and "caveat" in rows else ""
    if caveat and caveat != "nan":
        fig.text(0.01, -0.02, textwrap.fill(caveat, 110), fontsize=7, color=_CAVEAT, va="top")
    return to_svg(fig, name)
