"""The first screen of the findings: what distinguishes each locality, the strongest contrasts
found in the data, and the caveats that matter (pure functions, no I/O).

Catch-all themes (`report.catch_all_themes`, e.g. `general`, `governance_reform`) fill much of
every locality's text and distinguish none, so they are left out here. A theme "stands out"
in a locality when the lower bound of its interval lies above the theme's corpus share.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from policytopics.report.content import MIN_DISTINCTIVE_SHARE

_COLUMNS = ["locality", "theme", "prevalence", "ci_low", "ci_high", "lift", "corpus", "stands_out"]


def _with_corpus(table: pd.DataFrame, corpus: Mapping[str, float]) -> pd.DataFrame:
    rows = table.astype({"locality": str, "theme": str})
    rows = rows.assign(corpus=rows["theme"].map(lambda t: float(corpus.get(t, float("nan")))))
    return rows.assign(stands_out=rows["ci_low"].astype(float) > rows["corpus"])


def locality_highlights(
    table: pd.DataFrame, corpus: Mapping[str, float], catch_all: Sequence[str], n: int
) -> pd.DataFrame:
    """Per locality, up to `n` distinctive themes: not catch-all, >= 2% of its text, lift > 1;
    those whose interval lies above the corpus share first, then by lift."""
    rows = _with_corpus(table, corpus)
    rows = rows[
        ~rows["theme"].isin(list(catch_all))
        & (rows["prevalence"] >= MIN_DISTINCTIVE_SHARE)
        & (rows["lift"].round(6) > 1)
    ]
    rows = rows.sort_values(
        ["locality", "stands_out", "lift", "theme"], ascending=[True, False, False, True]
    )
    return rows.groupby("locality", sort=True).head(n)[_COLUMNS].reset_index(drop=True)


def strongest_contrasts(
    table: pd.DataFrame, corpus: Mapping[str, float], catch_all: Sequence[str], n: int
) -> pd.DataFrame:
    """The `n` locality x theme cells that stand out most surely: interval above the corpus
    share, ranked by the lower bound over the corpus share (`low_lift`, the lift the interval
    guarantees), catch-all themes left out."""
    rows = _with_corpus(table, corpus)
    rows = rows[~rows["theme"].isin(list(catch_all)) & rows["stands_out"] & (rows["corpus"] > 0)]
    rows = rows.assign(low_lift=rows["ci_low"] / rows["corpus"])
    rows = rows.sort_values(["low_lift", "locality", "theme"], ascending=[False, True, True])
    return rows.head(n)[[*_COLUMNS, "low_lift"]].reset_index(drop=True)


def caveats(
    localities: pd.DataFrame,
    small_passages: int,
    effects_metrics: Mapping[str, Any] | None,
    disagreeing: Sequence[str],
    labels: Mapping[str, str],
    lda_missing: Sequence[str],
) -> list[str]:
    """The caveats a reader needs beside the headline.

    `localities` has locality, n_passages, n_documents; `effects_metrics` is the effects
    stage's metrics (its `confounded` checks), None when that stage did not run;
    `disagreeing` the themes on which the methods do not agree; `lda_missing` the localities
    LDA did not model.
    """
    out = []
    small = localities[localities["n_passages"] < small_passages]
    if len(small):
        names = "、".join(f"{r.locality} ({r.n_passages})" for r in small.itertuples())
        out.append(
            f"Thin evidence: {len(small)} of {len(localities)} localities have fewer than "
            f"{small_passages} passages ({names}); their intervals are wide and one passage "
            "can move a share by several points."
        )
    found = list((effects_metrics or {}).get("confounding", []))
    corpus_wide = [e for e in found if isinstance(e, Mapping) and e.get("scope") == "corpus"]
    out.extend(confounding_caveats({"confounding": corpus_wide}))
    places = sorted({str(e.get("scope")) for e in found if isinstance(e, Mapping)} - {"corpus"})
    if places:
        out.append(
            f"Years are also confounded within {len(places)} "
            f"{'locality' if len(places) == 1 else 'localities'} ({'、'.join(places)}); "
            "their trends carry the caveat (reports/prevalence/panel.csv)."
        )
    if disagreeing:
        names = " / ".join(labels.get(t, t).split(" ")[0] for t in disagreeing)
        out.append(
            f"The methods disagree on {names}: the classifier's ranking of localities agrees "
            "with neither topic model's (Spearman < 0.5; see Methods side by side)."
        )
    if lda_missing:
        out.append(
            f"LDA did not model {'、'.join(lda_missing)} (a language outside lda.fit_languages, "
            "e.g. English): no LDA share there."
        )
    return out


def confounding_caveats(effects_metrics: Mapping[str, Any]) -> list[str]:
    """One line per confounding the effects stage found (`confounding` in its metrics:
    scope, covariate, cramers_v, by_year), e.g. years that are one genre or one language."""
    out = []
    for entry in effects_metrics.get("confounding", []):
        if not isinstance(entry, Mapping):
            continue
        years = _years_by_value(entry.get("by_year", {}))
        scope = str(entry.get("scope", "corpus"))
        where = "the corpus" if scope == "corpus" else scope
        out.append(
            f"Years are confounded in {where}: year goes with {entry.get('covariate', '?')} "
            f"(Cramér's V {float(entry.get('cramers_v', float('nan'))):.2f}; {years}), so a "
            "difference between years may be a difference of genre or language."
        )
    return out


def _years_by_value(by_year: Mapping[str, Sequence[str]]) -> str:
    """{"2021": ["zh"], "2022": ["en"], "2023": ["en"]} -> "2021: zh; 2022–2023 (2): en"."""
    groups: dict[str, list[str]] = {}
    for year, values in by_year.items():
        groups.setdefault(", ".join(str(v) for v in values), []).append(str(year))
    parts = []
    for values, years in groups.items():
        span = years[0] if len(years) == 1 else f"{years[0]}–{years[-1]} ({len(years)} years)"
        parts.append(f"{span}: {values}")
    return "; ".join(parts)
