"""Confidence and an out-of-distribution signal for theme predictions (pure numpy).

Confidence reads a prediction's probabilities: the top probability and the margin over the
runner-up. The OOD score reads the text's (language-aligned) e5 embedding: its mean cosine
distance to the k nearest training embeddings, calibrated as the fraction of training
texts whose own leave-one-out distance (to their k nearest *other* training texts) is at
most that large. A score of 0.5 is a typical training text; above 0.99 the text is farther
from the training data than 99% of the training texts are from each other. See
docs/estimators.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEFAULT_K = 10
_BLOCK_BYTES = 64 * 2**20  # one block of query x training distances (float64) stays near this


@dataclass(frozen=True)
class OodModel:
    """Training embeddings (L2-normalised) and their sorted leave-one-out k-NN distances."""

    reference: np.ndarray  # (n, dim) float32
    k: int
    loo_distances: np.ndarray  # (n,) ascending


def unit_rows(matrix: np.ndarray, dtype: type[np.floating] = np.float32) -> np.ndarray:
    """The rows of `matrix` scaled to length 1 in `dtype` (a zero row stays zero)."""
    matrix = np.asarray(matrix, dtype=dtype)
    if matrix.ndim != 2:
        raise ValueError(f"embeddings must be a 2-d array, got shape {matrix.shape}")
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.asarray(matrix / np.where(norms == 0, 1, norms), dtype=dtype)


def knn_distances(
    reference: np.ndarray, queries: np.ndarray, k: int, *, leave_one_out: bool = False
) -> np.ndarray:
    """Mean cosine distance (1 - cosine) of each query row to its k nearest reference rows.

    With `leave_one_out` the queries are the reference rows themselves and each row's own
    entry is left out. Rows are L2-normalised here; a zero row is at distance 1 from all.
    """
    ref, query = unit_rows(reference), unit_rows(queries)
    if query.shape[1] != ref.shape[1] and len(query):
        raise ValueError(f"queries have {query.shape[1]} dimensions, the reference {ref.shape[1]}")
    available = len(ref) - (1 if leave_one_out else 0)
    if not 1 <= k <= available:
        raise ValueError(f"k must lie in 1..{available} for {len(ref)} reference rows, got {k}")
    out = np.empty(len(query))
    ref64 = ref.astype(np.float64)
    chunk = max(1, _BLOCK_BYTES // (8 * len(ref)))
    for begin in range(0, len(query), chunk):
        stop = min(len(query), begin + chunk)
        distance = 1.0 - query[begin:stop].astype(np.float64) @ ref64.T
        if leave_one_out:
            rows = np.arange(stop - begin)
            distance[rows, begin + rows] = np.inf
        nearest = np.partition(distance, k - 1, axis=1)[:, :k]
        out[begin:stop] = np.sort(nearest, axis=1).mean(axis=1)
    return np.clip(out, 0.0, 2.0)


def fit_ood(train_embeddings: np.ndarray, k: int = DEFAULT_K) -> OodModel:
    """The OOD reference: training embeddings and their leave-one-out k-NN distances.

    k is lowered to n - 1 when the training set has no more than k texts.
    """
    reference = unit_rows(train_embeddings)
    if len(reference) < 2:
        raise ValueError("fit_ood needs at least two training embeddings")
    k = min(k, len(reference) - 1)
    loo = knn_distances(reference, reference, k, leave_one_out=True)
    return OodModel(reference=reference, k=k, loo_distances=np.sort(loo))


def ood_percentiles(model: OodModel, distances: np.ndarray) -> np.ndarray:
    """Fraction of training texts whose leave-one-out distance is <= each distance, in [0, 1]."""
    ranks = np.searchsorted(model.loo_distances, np.asarray(distances), side="right")
    return np.asarray(ranks / len(model.loo_distances), dtype=np.float64)


def ood_scores(model: OodModel, embeddings: np.ndarray) -> np.ndarray:
    """Each text's k-NN distance to the training data as a training percentile, in [0, 1]."""
    return ood_percentiles(model, knn_distances(model.reference, embeddings, model.k))


def confidence(probabilities: np.ndarray) -> np.ndarray:
    """The top probability of each row."""
    return np.asarray(np.max(probabilities, axis=1), dtype=np.float64)


def margin(probabilities: np.ndarray) -> np.ndarray:
    """Top probability minus the runner-up's, per row (1 for a single column)."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.shape[1] < 2:
        return np.ones(len(probabilities))
    top2 = -np.partition(-probabilities, 1, axis=1)[:, :2]
    return np.asarray(top2[:, 0] - top2[:, 1])


def abstain(
    probabilities: np.ndarray, ood: np.ndarray, min_confidence: float, max_ood: float
) -> np.ndarray:
    """True where a prediction should not be trusted: top probability below `min_confidence`
    or OOD score above `max_ood` (e.g. 0.5 and 0.99)."""
    ood = np.asarray(ood, dtype=np.float64)
    if ood.shape != (len(probabilities),):
        raise ValueError(f"{len(ood)} OOD scores for {len(probabilities)} predictions")
    return np.asarray((confidence(probabilities) < min_confidence) | (ood > max_ood))


def low_confidence_share(
    mask: np.ndarray, weights: np.ndarray, groups: np.ndarray, n_groups: int
) -> np.ndarray:
    """Per group, the weighted share of its text flagged in `mask` (NaN for an empty group)."""
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != weights.shape or mask.shape != groups.shape:
        raise ValueError("mask, weights and groups need one entry per text")
    flagged = np.bincount(groups, weights=weights * mask, minlength=n_groups)
    total = np.bincount(groups, weights=weights, minlength=n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(np.where(total > 0, flagged / total, np.nan))


def median_ood(ood: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group, the median OOD score of its texts (NaN for an empty group): how unfamiliar
    the document is as a whole."""
    ood = np.asarray(ood, dtype=np.float64)
    if ood.shape != groups.shape:
        raise ValueError("ood and groups need one entry per text")
    out = np.full(n_groups, np.nan)
    order = np.argsort(groups, kind="stable")
    present, starts = np.unique(groups[order], return_index=True)
    chunks = np.split(ood[order], starts[1:]) if len(ood) else []
    for group, chunk in zip(present, chunks, strict=True):
        out[group] = float(np.median(chunk))
    return out
