"""Key figures from prevalence tables, for DVC metrics and the findings (pure functions)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from policytopics.config import PrevalenceContrast

Row = dict[str, Any]


def _figure(row: Row) -> dict[str, float]:
    return {
        "share": round(float(row["prevalence"]), 6),
        "ci_low": round(float(row["ci_low"]), 6),
        "ci_high": round(float(row["ci_high"]), 6),
    }


def _rows(table: pd.DataFrame) -> list[Row]:
    return [{str(k): v for k, v in row.items()} for row in table.to_dict("records")]


def top_theme_by_locality(themes: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Per locality, the theme with the largest share (and its interval)."""
    best: dict[str, Row] = {}
    for row in _rows(themes):
        locality = str(row["locality"])
        if locality not in best or row["prevalence"] > best[locality]["prevalence"]:
            best[locality] = row
    return {loc: {"theme": str(row["theme"]), **_figure(row)} for loc, row in sorted(best.items())}


def contrast_figures(
    themes: pd.DataFrame, contrast: PrevalenceContrast, provinces: Mapping[str, str]
) -> dict[str, Any]:
    """Focus localities' share of a theme against the largest share in a province's localities.

    `focus_excludes_versus_shares`: every focus interval lies above every versus locality's
    share (lowest focus ci_low > highest versus share). `focus_excludes_versus_intervals`, the
    stricter test: above every versus interval (lowest focus ci_low > highest versus ci_high).
    A contrast this corpus cannot make (its theme, every focus locality or every locality of
    the province absent) says why in `skipped` instead of the comparison.
    """
    rows = {str(r["locality"]): r for r in _rows(themes) if r["theme"] == contrast.theme}
    focus = [loc for loc in contrast.focus if loc in rows]
    versus = sorted(
        loc
        for loc, province in provinces.items()
        if province == contrast.versus_province and loc in rows and loc not in focus
    )
    result: dict[str, Any] = {
        "focus": {loc: _figure(rows[loc]) for loc in focus},
        "missing_focus": [loc for loc in contrast.focus if loc not in rows],
        "versus_province": contrast.versus_province,
        "n_versus": len(versus),
    }
    if not rows:
        result["skipped"] = f"theme {contrast.theme} is not among the classifier's themes"
    elif not focus:
        result["skipped"] = f"none of {'、'.join(contrast.focus)} is in this corpus"
    elif not versus:
        result["skipped"] = f"no other locality of {contrast.versus_province} is in this corpus"
    else:
        top = max(versus, key=lambda loc: float(rows[loc]["prevalence"]))
        lowest = min(float(rows[loc]["ci_low"]) for loc in focus)
        highest_ci = max(float(rows[loc]["ci_high"]) for loc in versus)
        result["versus_max"] = {"locality": top, **_figure(rows[top])}
        result["focus_min_ci_low"] = round(lowest, 6)
        result["versus_max_ci_high"] = round(highest_ci, 6)
        result["focus_excludes_versus_shares"] = lowest > float(rows[top]["prevalence"])
        result["focus_excludes_versus_intervals"] = lowest > highest_ci
    return result


def prevalence_metrics(
    themes: pd.DataFrame,
    corpus: pd.DataFrame,
    contrasts: Sequence[PrevalenceContrast],
    provinces: Mapping[str, str],
    counts: Mapping[str, float],
) -> dict[str, Any]:
    """The metrics JSON: counts, corpus-wide shares, top theme per locality, contrasts."""
    return {
        **counts,
        "corpus_share": {str(row["theme"]): _figure(row) for row in _rows(corpus)},
        "top_theme_by_locality": top_theme_by_locality(themes),
        "contrasts": {c.theme: contrast_figures(themes, c, provinces) for c in contrasts},
    }
