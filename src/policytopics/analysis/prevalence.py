"""Prevalence of themes and topics per group, with bootstrap intervals (pure functions).

Estimator: the share of group g's text devoted to label k is the length-weighted ratio
    share_gk = sum_i w_i p_ik / sum_i w_i        (i over the passages of g, w_i = n_chars)
Intervals: percentile bootstrap, resampling passages with replacement within each document
(documents are strata, so every document keeps its passage count in every replicate).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from policytopics.errors import UserError

PREVALENCE_COLUMNS: tuple[str, ...] = (
    "prevalence",
    "ci_low",
    "ci_high",
    "lift",
    "n_passages",
)

UNKNOWN_GROUP = "unknown"  # the group of a passage whose locality, year, doc_type... is blank

# Keeps one bootstrap chunk (replicates x passages x labels float64) near 64 MB.
_CHUNK_BYTES = 64 * 2**20


@dataclass(frozen=True)
class Bootstrap:
    """How to draw the intervals."""

    n_bootstrap: int
    confidence: float
    seed: int


def ratio_shares(
    weights: np.ndarray, probs: np.ndarray, groups: np.ndarray, n_groups: int
) -> np.ndarray:
    """Length-weighted share of each label per group: (n_groups, n_labels)."""
    onehot = _onehot(groups, n_groups)
    numerator = onehot.T @ (weights[:, None] * probs)
    denominator = onehot.T @ weights
    return np.asarray(numerator / denominator[:, None])


def bootstrap_shares(
    weights: np.ndarray,
    probs: np.ndarray,
    groups: np.ndarray,
    strata: np.ndarray,
    n_groups: int,
    n_bootstrap: int,
    seed: int,
) -> np.ndarray:
    """Shares recomputed on `n_bootstrap` stratified resamples: (n_bootstrap, n_groups, n_labels).

    Each stratum (document) must lie inside one group; passages are resampled with replacement
    within their stratum, so group sizes in passages stay fixed.
    """
    order = np.argsort(strata, kind="stable")
    weights, probs, groups, strata = weights[order], probs[order], groups[order], strata[order]
    _, starts, sizes = np.unique(strata, return_index=True, return_counts=True)
    stratum_index = np.repeat(np.arange(len(starts)), sizes)
    start_of = starts[stratum_index]
    size_of = sizes[stratum_index]
    weighted = weights[:, None] * probs
    onehot_t = _onehot(groups, n_groups).T
    rng = np.random.default_rng(seed)
    n_rows, n_labels = probs.shape
    chunk = max(1, _CHUNK_BYTES // (8 * max(1, n_rows * n_labels)))
    out = np.empty((n_bootstrap, n_groups, n_labels))
    for begin in range(0, n_bootstrap, chunk):
        stop = min(n_bootstrap, begin + chunk)
        index = start_of + rng.integers(0, size_of, size=(stop - begin, n_rows))
        numerator = onehot_t @ weighted[index]  # (b, groups, labels)
        denominator = weights[index] @ onehot_t.T  # (b, groups)
        out[begin:stop] = numerator / denominator[:, :, None]
    return out


def prevalence_table(
    passages: pd.DataFrame,
    probs: np.ndarray,
    labels: list[str],
    *,
    group: str,
    label_name: str,
    bootstrap: Bootstrap,
    stratum: str = "doc_id",
    weight: str = "n_chars",
) -> pd.DataFrame:
    """One row per (group value, label): prevalence, percentile interval, lift, n_passages.

    `passages` holds one row per passage with the `group`, `stratum` and `weight` columns;
    `probs` holds its label distributions row for row. Lift is the group's share over the
    share in all of `passages`. A blank or missing group value is `UNKNOWN_GROUP`.
    """
    _check_inputs(passages, probs, labels, [group, stratum, weight])
    weights = passages[weight].to_numpy(dtype=float)
    group_values = passages[group].astype("string").str.strip().fillna("")
    group_values = group_values.where(group_values != "", UNKNOWN_GROUP)
    names = sorted(group_values.unique())
    codes = pd.Categorical(group_values, categories=names).codes.astype(np.int64)
    strata = pd.factorize(passages[stratum])[0]
    _check_nested(codes, strata, stratum, group)

    shares = ratio_shares(weights, probs, codes, len(names))
    overall = ratio_shares(weights, probs, np.zeros(len(codes), dtype=np.int64), 1)[0]
    replicates = bootstrap_shares(
        weights, probs, codes, strata, len(names), bootstrap.n_bootstrap, bootstrap.seed
    )
    alpha = 1.0 - bootstrap.confidence
    low, high = np.quantile(replicates, [alpha / 2, 1 - alpha / 2], axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        lift = np.where(overall > 0, shares / overall, np.nan)
    counts = np.bincount(codes, minlength=len(names))
    return pd.DataFrame(
        {
            group: np.repeat(names, len(labels)),
            label_name: np.tile(labels, len(names)),
            "prevalence": shares.ravel(),
            "ci_low": low.ravel(),
            "ci_high": high.ravel(),
            "lift": lift.ravel(),
            "n_passages": np.repeat(counts, len(labels)),
        }
    )


def normalise_rows(probs: np.ndarray) -> np.ndarray:
    """Scale each row to sum to 1 (a passage's text is divided among the labels)."""
    totals = probs.sum(axis=1, keepdims=True)
    if np.any(totals <= 0):
        raise UserError("a passage has no probability mass on any label; re-run the stage")
    return np.asarray(probs / totals)


def theme_matrix(passage_themes: pd.DataFrame) -> tuple[list[str], np.ndarray]:
    """Theme keys and the row-normalised probability matrix from the `p_<theme>` columns."""
    columns = [c for c in passage_themes.columns if c.startswith("p_")]
    if not columns:
        raise UserError("passage_themes.parquet has no p_<theme> columns; re-run classify")
    probs = passage_themes[columns].to_numpy(dtype=float)
    return [c[2:] for c in columns], normalise_rows(probs)


def lda_matrix(doc_topics: pd.DataFrame) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Topic labels, row-normalised distributions and a mask of rows with any topic mass."""
    columns = sorted(
        (c for c in doc_topics.columns if c.startswith("topic_")), key=lambda c: int(c[6:])
    )
    if not columns:
        raise UserError("lda_doc_topics.parquet has no topic_<k> columns; re-run lda")
    probs = doc_topics[columns].to_numpy(dtype=float, copy=True)
    keep = probs.sum(axis=1) > 0
    probs[keep] = normalise_rows(probs[keep])
    return [c[6:] for c in columns], probs, keep


def bertopic_matrix(assignments: pd.Series) -> tuple[list[str], np.ndarray]:
    """Topic labels (outliers -1 first) and one-hot rows from hard BERTopic assignments."""
    topics = sorted(int(t) for t in assignments.unique())
    index = {t: i for i, t in enumerate(topics)}
    probs = np.zeros((len(assignments), len(topics)))
    probs[np.arange(len(assignments)), [index[int(t)] for t in assignments]] = 1.0
    return [str(t) for t in topics], probs


def _onehot(codes: np.ndarray, n_groups: int) -> np.ndarray:
    onehot = np.zeros((len(codes), n_groups))
    onehot[np.arange(len(codes)), codes] = 1.0
    return onehot


def _check_inputs(
    passages: pd.DataFrame, probs: np.ndarray, labels: list[str], columns: list[str]
) -> None:
    missing = [c for c in columns if c not in passages.columns]
    if missing:
        raise UserError(f"passages: missing columns {missing}")
    if probs.shape != (len(passages), len(labels)):
        raise UserError(
            f"probabilities have shape {probs.shape}, expected ({len(passages)}, {len(labels)})"
        )
    if len(passages) == 0:
        raise UserError("no passages to estimate prevalence from")


def _check_nested(codes: np.ndarray, strata: np.ndarray, stratum: str, group: str) -> None:
    per_stratum = pd.DataFrame({"s": strata, "g": codes}).groupby("s")["g"].nunique()
    if (per_stratum > 1).any():
        raise UserError(f"a {stratum} spans more than one {group}; cannot resample within it")
