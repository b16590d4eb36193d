"""Figures for the findings: matplotlib drawn to SVG with the CJK font as paths (pure functions).

Every function takes tables and labels and returns an SVG document as a string; ids inside
the SVG are salted with the figure's name, so output is identical run to run.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Mapping, Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

_BAR = "#3b6ea5"
_CORPUS = "#d1495b"


def to_svg(fig: Figure, name: str) -> str:
    """Serialise and close `fig`: a standalone SVG without a creation date."""
    buffer = io.StringIO()
    with mpl.rc_context({"svg.hashsalt": name}):
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    return buffer.getvalue()


def heatmap(
    table: pd.DataFrame,
    row: str,
    column: str,
    column_labels: Mapping[str, str],
    name: str,
    transpose: bool = False,
    row_order: Sequence[str] | None = None,
    row_labels: Mapping[str, str] | None = None,
    colour_by_lift: bool = False,
) -> str:
    """Shares as a heatmap, each cell annotated in percent; `transpose` puts `column` on rows.

    With `colour_by_lift` the colour is log2 of the `lift` column (blue below the corpus
    share, red above, clipped at 1/8x and 8x), so no large catch-all theme drowns the rest.

    `column_labels` gives the order and the label of the `column` values; `row_order` the
    order of the `row` values (default: sorted), `row_labels` their labels (default: the
    value). A missing cell stays blank.
    """
    grid = table.pivot(index=row, columns=column, values="prevalence")
    lifts = table.pivot(index=row, columns=column, values="lift") if colour_by_lift else grid
    if row_order is not None:
        grid = grid.loc[[r for r in row_order if r in grid.index]]
    order = [c for c in column_labels if c in grid.columns]
    grid = grid[order + [c for c in grid.columns if c not in order]]
    lifts = lifts.loc[grid.index, grid.columns]
    labels = [column_labels.get(str(c), str(c)) for c in grid.columns]
    names = [(row_labels or {}).get(str(i), str(i)) for i in grid.index]
    if transpose:
        grid = grid.T
        lifts = lifts.T
        x_labels, y_labels = names, labels
    else:
        x_labels, y_labels = labels, names
    y_labels = [textwrap.fill(label, 28, break_long_words=False) for label in y_labels]
    values = grid.to_numpy(dtype=float)
    longest = max((len(label) for label in x_labels), default=1)
    widest = max((len(line) for label in y_labels for line in label.splitlines()), default=1)
    width = max(5.0, 0.42 * len(x_labels) + 0.075 * widest + 1.6)
    lines = max(label.count("\n") + 1 for label in y_labels) if y_labels else 1
    row_height = (0.3 if len(y_labels) <= 20 else 0.22) * (1 + 0.45 * (lines - 1))
    height = row_height * len(y_labels) + 1.0 + min(2.0, 0.08 * longest)
    fig, ax = plt.subplots(figsize=(width, height))
    if colour_by_lift:
        with np.errstate(divide="ignore"):
            shade = np.clip(np.log2(lifts.to_numpy(dtype=float)), -3, 3)
        image = ax.imshow(shade, cmap="RdBu_r", aspect="auto", vmin=-3, vmax=3)
    else:
        image = ax.imshow(values, cmap="YlGnBu", aspect="auto", vmin=0)
    ax.set_xticks(range(len(x_labels)), x_labels)
    ax.set_yticks(range(len(y_labels)), y_labels, fontsize=8)
    ax.tick_params(axis="x", top=True, labeltop=True, bottom=False, labelbottom=False)
    plt.setp(ax.get_xticklabels(), rotation=45, ha="left", rotation_mode="anchor", fontsize=8)
    top = np.nanmax(values) if values.size else 0.0
    for (i, j), value in np.ndenumerate(values):
        if np.isnan(value):
            continue
        strong = abs(shade[i, j]) > 2 if colour_by_lift else value > 0.6 * top
        colour = "white" if strong else "black"
        ax.text(j, i, f"{100 * value:.0f}", ha="center", va="center", fontsize=7, color=colour)
    if colour_by_lift:
        bar = fig.colorbar(image, ax=ax, fraction=0.03, pad=0.02, label="lift 倍数 (cell: share %)")
        ticks = [-3, -2, -1, 0, 1, 2, 3]
        bar.set_ticks(ticks, labels=["1/8×", "1/4×", "1/2×", "1×", "2×", "4×", "8×"])
    else:
        fig.colorbar(image, ax=ax, fraction=0.03, pad=0.02, label="share of text 文本占比")
    return to_svg(fig, name)


def profile_bars(
    rows: pd.DataFrame, corpus: Mapping[str, float], labels: Mapping[str, str], name: str
) -> str:
    """One locality's theme shares as bars with 95% intervals, the corpus share as a tick."""
    order = [t for t in labels if t in set(rows["theme"])]
    data = rows.set_index("theme").loc[order]
    y = np.arange(len(order))[::-1]
    share = data["prevalence"].to_numpy(dtype=float)
    errors = np.vstack(
        [
            share - data["ci_low"].to_numpy(dtype=float),
            data["ci_high"].to_numpy(dtype=float) - share,
        ]
    ).clip(min=0)
    fig, ax = plt.subplots(figsize=(7.2, 0.34 * len(order) + 1.2))
    ax.barh(y, share, color=_BAR, xerr=errors, error_kw={"elinewidth": 1, "capsize": 2})
    ax.scatter(
        [corpus.get(t, np.nan) for t in order],
        y,
        marker="|",
        s=160,
        color=_CORPUS,
        zorder=3,
        label="corpus share 全语料占比",
    )
    ax.set_yticks(y, [labels[t] for t in order], fontsize=8)
    ax.set_xlabel("share of text 文本占比 (95% interval)")
    ax.xaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
    ax.legend(loc="upper right", fontsize=7, frameon=False, bbox_to_anchor=(1.0, -0.12))
    ax.spines[["top", "right"]].set_visible(False)
    return to_svg(fig, name)


def contrast_plot(rows: pd.DataFrame, highlight: set[str], title: str, name: str) -> str:
    """One theme's share per locality with intervals, highest first; `highlight` in colour."""
    data = rows.sort_values("prevalence")
    y = np.arange(len(data))
    share = data["prevalence"].to_numpy(dtype=float)
    low = share - data["ci_low"].to_numpy(dtype=float)
    high = data["ci_high"].to_numpy(dtype=float) - share
    colours = [_CORPUS if loc in highlight else _BAR for loc in data["locality"]]
    fig, ax = plt.subplots(figsize=(6.8, 0.32 * len(data) + 1.1))
    ax.errorbar(share, y, xerr=np.vstack([low, high]).clip(min=0), fmt="none", ecolor="#555555")
    ax.scatter(share, y, color=colours, zorder=3)
    ax.set_yticks(y, [str(loc) for loc in data["locality"]], fontsize=8)
    ax.xaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
    ax.set_xlabel("share of text 文本占比 (95% interval)")
    ax.set_title(title, fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    return to_svg(fig, name)


def coherence_plot(coherence: pd.DataFrame, chosen: int | None, name: str) -> str:
    """LDA coherence and topic diversity against the number of topics, one panel (and one
    y axis) per measure, since c_v, c_npmi and diversity live on different scales."""
    data = coherence.sort_values("num_topics")
    measures = [
        (c, title)
        for c, title in (
            ("c_v", "c_v coherence"),
            ("c_npmi", "c_npmi coherence"),
            ("diversity", "topic diversity 多样性"),
        )
        if c in data
    ]
    fig, axes = plt.subplots(1, max(1, len(measures)), figsize=(7.6, 2.8), squeeze=False)
    for ax, (column, title) in zip(axes[0], measures, strict=False):
        ax.plot(data["num_topics"], data[column], marker="o", color=_BAR)
        if chosen is not None:
            ax.axvline(
                chosen, color=_CORPUS, linestyle="--", linewidth=1, label=f"chosen K={chosen}"
            )
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("topics K 主题数", fontsize=8)
        ax.set_ylabel(column, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
    if chosen is not None and measures:
        axes[0][0].legend(fontsize=7, frameon=False)
    fig.tight_layout()
    return to_svg(fig, name)


def methods_plot(table: pd.DataFrame, labels: Mapping[str, str], name: str) -> str:
    """Per theme (rows), each locality's share by the three methods: classifier (dot), LDA
    (triangle) and BERTopic (square), so a reader sees where they part ways."""
    themes = [t for t in labels if t in set(table["theme"])]
    fig, ax = plt.subplots(figsize=(7.2, 0.42 * len(themes) + 1.4))
    styles = (
        ("classifier", "o", _BAR, 0.0),
        ("lda", "^", "#e09f3e", -0.22),
        ("bertopic", "s", _CORPUS, 0.22),
    )
    for column, marker, colour, offset in styles:
        xs, ys = [], []
        for i, theme in enumerate(themes):
            values = table.loc[table["theme"] == theme, column].astype(float).dropna()
            xs.extend(values.tolist())
            ys.extend([len(themes) - 1 - i + offset] * len(values))
        ax.scatter(xs, ys, marker=marker, s=14, color=colour, alpha=0.7, label=column)
    ax.set_yticks(range(len(themes))[::-1], [labels[t] for t in themes], fontsize=8)
    ax.xaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
    ax.set_xlabel("share of a locality's text 文本占比 (one mark per locality)")
    ax.legend(
        fontsize=7,
        frameon=False,
        ncols=3,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.1 - 1 / (len(themes) + 3)),
    )
    ax.grid(axis="x", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    return to_svg(fig, name)


def calibration_plot(
    shares: Mapping[str, Mapping[str, float]],
    labels: Mapping[str, str],
    ece: float | None,
    name: str,
) -> str:
    """Per theme, the classifier's mean probability against the observed share of test items
    with that label; on the diagonal the soft shares are unbiased for such text."""
    keys = [k for k in labels if k in shares] + [k for k in shares if k not in labels]
    predicted = [float(shares[k]["predicted"]) for k in keys]
    observed = [float(shares[k]["observed"]) for k in keys]
    top = max([*predicted, *observed, 0.01]) * 1.1
    fig, ax = plt.subplots(figsize=(4.8, 4.2))
    ax.plot([0, top], [0, top], color="#999999", linestyle="--", linewidth=1)
    ax.scatter(observed, predicted, color=_BAR, zorder=3)
    for key, x, y in zip(keys, observed, predicted, strict=True):
        ax.annotate(
            labels.get(key, key).split(" ")[0],
            (x, y),
            fontsize=7,
            xytext=(3, 2),
            textcoords="offset points",
        )
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.xaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
    ax.set_xlabel("observed share of test items 实际占比")
    ax.set_ylabel("mean predicted probability 平均预测概率")
    if ece is not None:
        ax.set_title(f"top-label ECE {ece:.3f}", fontsize=9)
    ax.grid(alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    return to_svg(fig, name)
