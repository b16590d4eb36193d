"""Bootstrap draws shared by effects and the panel: resampled clusters, composed theme shares.

Two sources of uncertainty, drawn together in every replicate (pure numpy, seeded):
- sampling: documents (or localities, each bringing all its documents) resampled with
  replacement, expressed as a count per document (a document drawn twice counts twice);
- classification, by the method of composition: each unit (passage) is cut into `pieces`
  (its sentences), each piece takes one theme drawn from the unit's probability vector, and
  document shares are recomputed from the drawn themes.
Replicates come in fixed chunks, each with its own child seed, so results never depend on how
the work is split or where it runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from policytopics.errors import UserError

CHUNK = 50  # replicates per chunk; fixed so that the draws never depend on the machine
MAX_CELLS = 8_000_000  # replicates x units x themes drawn at once (about 64 MB of int64)


@dataclass(frozen=True)
class Units:
    """Scored text units (passages), each inside one document (`doc`: 0..n_docs-1)."""

    doc: np.ndarray  # (n_units,) int document code
    weight: np.ndarray  # (n_units,) float: n_chars, or 1 for equal weights
    probs: np.ndarray  # (n_units, n_themes) rows summing to 1
    pieces: np.ndarray  # (n_units,) int >= 1: draws per unit (sentences, or 1)

    def __post_init__(self) -> None:
        n = len(self.doc)
        if self.probs.ndim != 2 or self.probs.shape[0] != n:
            raise UserError(f"probabilities have shape {self.probs.shape}, expected ({n}, k)")
        if len(self.weight) != n or len(self.pieces) != n:
            raise UserError("units: doc, weight, probs and pieces differ in length")
        if n == 0:
            raise UserError("no passages to estimate effects from")
        if np.any(self.pieces < 1):
            raise UserError("units: every passage needs at least one piece (sentence)")

    @property
    def n_themes(self) -> int:
        return int(self.probs.shape[1])


def build_units(
    passages: pd.DataFrame,
    probs: np.ndarray,
    doc_ids: list[str],
    *,
    equal_weights: bool,
    sentence_pieces: bool,
) -> Units:
    """Units from passages (doc_id, n_chars, n_sentences) whose documents are `doc_ids`, in order.

    `equal_weights`: every passage weighs 1 (else its n_chars); `sentence_pieces`: a passage's
    themes are drawn once per sentence (the classifier scored sentences), else once.
    """
    codes = pd.Categorical(passages["doc_id"], categories=doc_ids).codes.astype(np.int64)
    if np.any(codes < 0):
        unknown = passages["doc_id"][codes < 0].iloc[0]
        raise UserError(f"passage of document {unknown} not in documents.parquet; re-run segment")
    weight = np.ones(len(passages)) if equal_weights else passages["n_chars"].to_numpy(dtype=float)
    pieces = (
        passages["n_sentences"].to_numpy(dtype=np.int64).clip(min=1)
        if sentence_pieces
        else np.ones(len(passages), dtype=np.int64)
    )
    return Units(doc=codes, weight=weight, probs=probs, pieces=pieces)


def document_totals(units: Units, n_docs: int) -> np.ndarray:
    """Sum of unit weights per document: (n_docs,)."""
    return np.bincount(units.doc, weights=units.weight, minlength=n_docs)


def document_shares(units: Units, n_docs: int) -> np.ndarray:
    """Weighted theme shares per document from the probabilities: (n_docs, n_themes)."""
    totals = document_totals(units, n_docs)
    if np.any(totals <= 0):
        raise UserError("a document has no text (no passages or zero weight)")
    sums = np.zeros((n_docs, units.n_themes))
    np.add.at(sums, units.doc, units.weight[:, None] * units.probs)
    return np.asarray(sums / totals[:, None])


def composed_unit_shares(units: Units, n_rep: int, rng: np.random.Generator) -> np.ndarray:
    """Each unit's drawn theme distribution (counts / pieces): (n_rep, n_units, n_themes)."""
    counts = rng.multinomial(units.pieces, units.probs, size=(n_rep, len(units.doc)))
    return np.asarray(counts / units.pieces[None, :, None])


def composed_shares(units: Units, n_docs: int, n_rep: int, rng: np.random.Generator) -> np.ndarray:
    """Document shares recomputed from drawn themes: (n_rep, n_docs, n_themes)."""
    order = np.argsort(units.doc, kind="stable")
    starts = np.searchsorted(units.doc[order], np.arange(n_docs))
    if len(np.unique(units.doc)) != n_docs:
        raise UserError("a document has no passages")
    totals = document_totals(units, n_docs)
    out = np.empty((n_rep, n_docs, units.n_themes))
    step = max(1, MAX_CELLS // max(1, len(units.doc) * units.n_themes))
    for begin in range(0, n_rep, step):
        stop = min(n_rep, begin + step)
        drawn = composed_unit_shares(units, stop - begin, rng) * units.weight[None, :, None]
        out[begin:stop] = np.add.reduceat(drawn[:, order], starts, axis=1)
    return np.asarray(out / totals[None, :, None])


def cluster_counts(
    clusters: np.ndarray,
    n_rep: int,
    rng: np.random.Generator,
    strata: np.ndarray | None = None,
    *,
    within: bool = False,
) -> np.ndarray:
    """How often each row (document or passage) is drawn in each replicate: (n_rep, n_rows).

    The clusters (`clusters`, a code per row, e.g. locality) are resampled with replacement
    and a drawn cluster brings all its rows; one row per cluster is plain row resampling.
    `within=True` also resamples rows inside each drawn copy (two-stage), which counts the
    within-cluster variance twice and widens intervals (benchmarks/bench_effects_coverage.py).
    With `strata` (a code per row; a cluster must lie inside one stratum) clusters are
    resampled within their stratum, so each stratum keeps its number of clusters.
    """
    n_rows = len(clusters)
    strata = np.zeros(n_rows, dtype=np.int64) if strata is None else np.asarray(strata)
    _, cluster_of_row = np.unique(clusters, return_inverse=True)
    pairs = np.unique(np.column_stack([cluster_of_row, strata]), axis=0)
    if len(pairs) != cluster_of_row.max() + 1:
        raise UserError("a cluster spans more than one stratum; cannot resample within strata")
    stratum_of_cluster = pairs[:, 1]  # pairs are sorted by cluster code
    cluster_draws = np.zeros((n_rep, len(pairs)), dtype=np.int64)
    for stratum in np.unique(stratum_of_cluster):
        members = np.flatnonzero(stratum_of_cluster == stratum)
        uniform = np.full(len(members), 1.0 / len(members))
        cluster_draws[:, members] = rng.multinomial(len(members), uniform, size=n_rep)
    counts = np.zeros((n_rep, n_rows), dtype=np.int64)
    for cluster in range(len(pairs)):
        rows = np.flatnonzero(cluster_of_row == cluster)
        if not within:
            counts[:, rows] = cluster_draws[:, cluster][:, None]
            continue
        uniform = np.full(len(rows), 1.0 / len(rows))
        counts[:, rows] = rng.multinomial(cluster_draws[:, cluster] * len(rows), uniform)
    return counts


def chunk_seeds(seed: int, n_rep: int) -> list[tuple[int, int, np.random.SeedSequence]]:
    """(begin, stop, child seed) of each fixed chunk of replicates: tasks for an executor."""
    n_chunks = -(-n_rep // CHUNK)
    children = np.random.SeedSequence(seed).spawn(n_chunks)
    return [
        (index * CHUNK, min(n_rep, (index + 1) * CHUNK), child)
        for index, child in enumerate(children)
    ]
