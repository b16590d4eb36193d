"""Year x locality panel of theme shares, with composed bootstrap intervals and a confounding check.

Share of theme k in locality l and year t: the length-weighted ratio over the cell's passages,
    share_ltk = sum_i w_i p_ik / sum_i w_i
(the estimator of `prevalence`). Intervals: percentile bootstrap, documents resampled within
their cell (a cell of one document resamples its passages instead), with each passage's themes
drawn from its probabilities per sentence (method of composition).

Confounding rule: over a set of documents (the corpus, or one panel locality), year is
confounded with doc_type (or language) when both vary and Cramér's V between them, computed on
the document counts of the year x doc_type table, is at least `max_cramers_v`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2_contingency

from policytopics.analysis.composition import (
    MAX_CELLS,
    Units,
    chunk_seeds,
    cluster_counts,
    composed_unit_shares,
)
from policytopics.compute import Executor, SerialExecutor, Shared
from policytopics.errors import UserError

PANEL_COLUMNS: tuple[str, ...] = (
    "locality",
    "year",
    "theme",
    "share",
    "ci_low",
    "ci_high",
    "n_documents",
    "n_passages",
    "caveat",
)
CONFOUNDERS: tuple[str, ...] = ("doc_type", "language")


@dataclass(frozen=True)
class Confounding:
    """Year entangled with another document covariate in `scope` (the corpus or a locality)."""

    scope: str
    covariate: str
    cramers_v: float
    by_year: dict[str, list[str]]  # year -> the covariate's values among its documents

    def describe(self) -> str:
        years = "; ".join(f"{y}: {', '.join(v)}" for y, v in self.by_year.items())
        return (
            f"year is confounded with {self.covariate} (Cramér's V {self.cramers_v:.2f}; "
            f"{years}): a change between years may be a change of {self.covariate}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "covariate": self.covariate,
            "cramers_v": round(self.cramers_v, 6),
            "by_year": self.by_year,
        }


def cramers_v(first: pd.Series, second: pd.Series) -> float:
    """Cramér's V of two categorical series (0 when either has a single value)."""
    table = pd.crosstab(first.astype(str), second.astype(str)).to_numpy()
    if min(table.shape) < 2:
        return 0.0
    chi2 = float(chi2_contingency(table, correction=False)[0])
    return float(np.sqrt(chi2 / (table.sum() * (min(table.shape) - 1))))


def year_confounding(
    documents: pd.DataFrame, scope: str, max_cramers_v: float
) -> list[Confounding]:
    """Covariates (doc_type, language) confounded with year among `documents`, by the rule."""
    found = []
    known = documents[documents["year"].notna()]
    for covariate in CONFOUNDERS:
        if covariate not in known.columns:
            continue
        value = cramers_v(known["year"], known[covariate])
        if value >= max_cramers_v and value > 0:
            by_year = {
                str(year): sorted(str(v) for v in group[covariate].unique())
                for year, group in known.groupby("year", sort=True)
            }
            found.append(Confounding(scope, covariate, value, by_year))
    return found


def panel_localities(documents: pd.DataFrame, min_years: int) -> list[str]:
    """Localities whose documents span at least `min_years` distinct years, sorted."""
    years = documents.dropna(subset=["year"]).groupby("locality")["year"].nunique()
    return sorted(str(loc) for loc in years[years >= min_years].index)


@dataclass(frozen=True)
class PanelResult:
    table: pd.DataFrame  # PANEL_COLUMNS
    localities: list[str]
    confounding: list[Confounding]


@dataclass(frozen=True)
class PanelInputs:
    """What every chunk of panel replicates needs (sent once per worker, as `Shared`)."""

    units: Units  # the panel's passages
    clusters: np.ndarray  # resampled units: documents, or passages of one-document cells
    cell: np.ndarray  # (locality, year) cell of each passage
    order: np.ndarray  # passages grouped by cell
    starts: np.ndarray  # first position of each cell in `order`


def panel_chunk(
    inputs: Shared[PanelInputs], chunk: tuple[int, int, np.random.SeedSequence]
) -> np.ndarray:
    """Cell shares of one chunk of replicates: (stop - begin, cells, themes)."""
    data = inputs.get()
    begin, stop, seed = chunk
    rng = np.random.default_rng(seed)
    units = data.units
    counts = cluster_counts(data.clusters, stop - begin, rng, strata=data.cell) * units.weight
    step = max(1, MAX_CELLS // max(1, len(units.doc) * units.n_themes))  # bounded memory
    parts = []
    for first in range(0, stop - begin, step):
        part = counts[first : first + step]
        drawn = composed_unit_shares(units, len(part), rng) * part[:, :, None]
        numerator = np.add.reduceat(drawn[:, data.order], data.starts, axis=1)
        total = np.add.reduceat(part[:, data.order], data.starts, axis=1)
        parts.append(numerator / total[..., None])
    return np.concatenate(parts)


def panel_table(
    passages: pd.DataFrame,
    units: Units,
    themes: list[str],
    documents: pd.DataFrame,
    *,
    min_years: int,
    max_cramers_v: float,
    n_bootstrap: int,
    confidence: float,
    seed: int,
    executor: Executor | None = None,
) -> PanelResult:
    """Shares per (locality, year, theme) for the localities with several years.

    `passages` (locality, year, doc_id) matches `units` row for row; `documents` (doc_id,
    locality, year, doc_type, language) gives the documents for the confounding check. The
    replicates are fixed chunks with a seed each (`panel_chunk`), run on `executor` (default:
    in this process).
    """
    if len(passages) != len(units.doc):
        raise UserError("panel: passages and their probabilities differ in length")
    localities = panel_localities(documents, min_years)
    confounding = [
        found
        for locality in localities
        for found in year_confounding(
            documents[documents["locality"] == locality], locality, max_cramers_v
        )
    ]
    if not localities:
        return PanelResult(pd.DataFrame(columns=list(PANEL_COLUMNS)), [], confounding)
    keep = (passages["locality"].isin(localities) & passages["year"].notna()).to_numpy()
    rows = passages[keep]
    cell_keys = pd.MultiIndex.from_arrays([rows["locality"].astype(str), rows["year"].astype(int)])
    cells = cell_keys.unique().sort_values()
    cell = cells.get_indexer(cell_keys)
    docs = pd.factorize(rows["doc_id"])[0]
    # resampled: the documents of a cell with several, the passages of a one-document cell
    docs_in_cell = pd.Series(docs).groupby(cell).nunique().to_numpy()[cell]
    clusters = np.where(docs_in_cell > 1, docs, docs.max() + 1 + np.arange(len(rows)))
    subset = Units(
        doc=docs,
        weight=units.weight[keep],
        probs=units.probs[keep],
        pieces=units.pieces[keep],
    )
    order = np.argsort(cell, kind="stable")  # passages grouped by cell for reduceat
    starts = np.searchsorted(cell[order], np.arange(len(cells)))
    weighted = subset.weight[:, None] * subset.probs
    share = (
        np.add.reduceat(weighted[order], starts)
        / np.add.reduceat(subset.weight[order], starts)[:, None]
    )
    draws = np.empty((n_bootstrap, len(cells), len(themes)))
    inputs = PanelInputs(subset, clusters, cell, order, starts)
    chunks = chunk_seeds(seed, n_bootstrap)
    runner = executor if executor is not None else SerialExecutor()
    for (begin, stop, _), drawn in zip(
        chunks, runner.map(partial(panel_chunk, Shared(inputs)), chunks), strict=True
    ):
        draws[begin:stop] = drawn
    alpha = 1.0 - confidence
    low, high = np.quantile(draws, [alpha / 2, 1 - alpha / 2], axis=0)
    caveats = {
        locality: " | ".join(c.describe() for c in confounding if c.scope == locality)
        for locality in localities
    }
    n_docs = np.bincount(cell[np.unique(docs, return_index=True)[1]], minlength=len(cells))
    n_passages = np.bincount(cell, minlength=len(cells))
    table = pd.DataFrame(
        {
            "locality": np.repeat(cells.get_level_values(0), len(themes)),
            "year": np.repeat(cells.get_level_values(1), len(themes)),
            "theme": np.tile(themes, len(cells)),
            "share": share.ravel(),
            "ci_low": low.ravel(),
            "ci_high": high.ravel(),
            "n_documents": np.repeat(n_docs, len(themes)),
            "n_passages": np.repeat(n_passages, len(themes)),
        }
    )
    table["caveat"] = table["locality"].map(caveats).fillna("")
    return PanelResult(table[list(PANEL_COLUMNS)], localities, confounding)
