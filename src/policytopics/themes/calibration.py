"""What the prevalence estimators need from the classifier, and how well each one does.

From out-of-fold probabilities of every hand label (cross-validation grouped by document):
the misclassification rates (ACC, PACC) and the training priors (EM) as a
`analysis.quantify.Calibration`, and the measured per-document error of every estimator on
the labelled documents, with leave-one-document-out rates so no document corrects itself.
Pure numpy; docs/estimators.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from policytopics.analysis.quantify import (
    METHODS,
    Calibration,
    Method,
    estimate_shares,
    hard_predictions,
    misclassification_rates,
)

DIGITS = 6


def effective_priors(
    themes: Sequence[str], sample_weight: np.ndarray, keys: Sequence[str], balanced: bool
) -> np.ndarray:
    """The theme distribution a fit saw: each theme's total sample weight, times
    scikit-learn's balanced class weight n / (n_themes * count) when `balanced`: (k,)."""
    column = {k: i for i, k in enumerate(keys)}
    codes = np.array([column[t] for t in themes], dtype=np.int64)
    weight = np.asarray(sample_weight, dtype=float)
    mass: np.ndarray = np.bincount(codes, weights=weight, minlength=len(keys)).astype(float)
    if balanced:
        counts: np.ndarray = np.bincount(codes, minlength=len(keys)).astype(float)
        present = counts > 0
        factor = np.zeros(len(keys))
        factor[present] = len(codes) / (present.sum() * counts[present])
        mass = mass * factor
    total = mass.sum()
    if total <= 0:
        raise ValueError("no training weight to take priors from")
    return np.asarray(mass / total)


def calibration_from(true: np.ndarray, proba: np.ndarray, train_priors: np.ndarray) -> Calibration:
    """Hard and soft misclassification rates of held-out `proba` (rows: labelled themes as
    column codes in `true`) and the training priors."""
    return Calibration(
        rates=misclassification_rates(true, proba),
        soft_rates=misclassification_rates(true, proba, soft=True),
        train_priors=np.asarray(train_priors, dtype=float),
    )


def _rates_without(totals: np.ndarray, part: np.ndarray) -> np.ndarray:
    """Row-normalised (totals - part); a theme left with no sentence gets the identity row."""
    left = totals - part
    sums = left.sum(axis=1, keepdims=True)
    k = len(left)
    with np.errstate(divide="ignore", invalid="ignore"):
        rates = np.where(sums > 0, left / np.where(sums > 0, sums, 1.0), np.eye(k))
    return np.asarray(rates)


def per_document_errors(
    true: np.ndarray,
    proba: np.ndarray,
    weights: np.ndarray,
    documents: Sequence[str],
    train_priors: np.ndarray,
    methods: Sequence[Method] = METHODS,
) -> tuple[list[str], dict[str, np.ndarray]]:
    """Each labelled document's mean absolute error of theme shares, per estimator.

    `true` (labelled theme codes), `proba` (out-of-fold probabilities), `weights` (n_chars)
    and `documents` are row-aligned. A document's true shares are the weighted shares of its
    labels; each estimator reads its sentences' probabilities, ACC and PACC with rates from
    every other document's sentences. Returns the documents (sorted) and, per method, the
    (n_documents,) errors (mean over the k themes).
    """
    k = proba.shape[1]
    names = sorted(set(documents))
    code = {d: i for i, d in enumerate(names)}
    doc = np.array([code[d] for d in documents], dtype=np.int64)
    truth = np.zeros((len(names), k))
    np.add.at(truth, (doc, true), weights)
    truth /= truth.sum(axis=1, keepdims=True)
    hard, soft = hard_predictions(proba), np.asarray(proba, dtype=float)
    totals = {"hard": np.zeros((k, k)), "soft": np.zeros((k, k))}
    np.add.at(totals["hard"], true, hard)
    np.add.at(totals["soft"], true, soft)
    errors: dict[str, np.ndarray] = {m: np.zeros(len(names)) for m in methods}
    for d in range(len(names)):
        rows = doc == d
        parts = {
            name: np.zeros((k, k)) for name in ("hard", "soft")
        }  # this document's sentences, taken out of the rates
        np.add.at(parts["hard"], true[rows], hard[rows])
        np.add.at(parts["soft"], true[rows], soft[rows])
        calibration = Calibration(
            rates=_rates_without(totals["hard"], parts["hard"]),
            soft_rates=_rates_without(totals["soft"], parts["soft"]),
            train_priors=train_priors,
        )
        groups = np.zeros(int(rows.sum()), dtype=np.int64)
        for method in methods:
            shares = estimate_shares(method, proba[rows], weights[rows], groups, 1, calibration)
            errors[method][d] = float(np.abs(shares[0] - truth[d]).mean())
    return names, errors


def estimator_errors(
    true: np.ndarray,
    proba: np.ndarray,
    weights: np.ndarray,
    documents: Sequence[str],
    corpora: Sequence[str],
    train_priors: np.ndarray,
    n_bootstrap: int,
    confidence: float,
    seed: int,
) -> dict[str, Any]:
    """Per-document share error (MAE) of every estimator on the labelled documents, overall
    and per corpus, with percentile bootstrap intervals over documents and each estimator's
    paired difference from the soft mean; `best` is the lowest MAE overall. Also each
    corpus pooled as one document (`pooled_by_corpus`, rates from the other corpora)."""
    names, errors = per_document_errors(true, proba, weights, documents, train_priors)
    corpus_of = {d: c for d, c in zip(documents, corpora, strict=True)}
    doc_corpus = np.array([corpus_of[d] for d in names])
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(names), size=(n_bootstrap, len(names)))
    tail = (1 - confidence) / 2 * 100

    def interval(values: np.ndarray) -> dict[str, float]:
        low, high = np.percentile(values[draws].mean(axis=1), [tail, 100 - tail])
        return {"low": round(float(low), DIGITS), "high": round(float(high), DIGITS)}

    overall: dict[str, Any] = {}
    for method, values in errors.items():
        overall[method] = {"mae": round(float(values.mean()), DIGITS), **interval(values)}
        if method != "soft":
            diff = values - errors["soft"]
            overall[method]["vs_soft"] = {
                "difference": round(float(diff.mean()), DIGITS),
                **interval(diff),
            }
    by_corpus = {
        str(c): {
            "documents": int((doc_corpus == c).sum()),
            **{m: round(float(v[doc_corpus == c].mean()), DIGITS) for m, v in errors.items()},
        }
        for c in sorted(set(doc_corpus.tolist()))
    }
    # each corpus's labelled sentences as one group, corrected by the other corpora's rates:
    # the error of a long document of an unfamiliar genre
    corpus_names, pooled = per_document_errors(true, proba, weights, corpora, train_priors)
    best = min(errors, key=lambda m: (float(errors[m].mean()), METHODS.index(m)))
    return {
        "documents": len(names),
        "sentences": len(true),
        "confidence": confidence,
        "mae": overall,
        "by_corpus": by_corpus,
        "pooled_by_corpus": {
            str(c): {m: round(float(v[i]), DIGITS) for m, v in pooled.items()}
            for i, c in enumerate(corpus_names)
        },
        "best": best,
    }
