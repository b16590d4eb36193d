"""Scoring the classifier on whole documents it never saw: document-grouped held-out sets,
leave-one-corpus-out, bootstrap intervals that resample documents, grouped cross-validation."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold

from policytopics.compute import Executor
from policytopics.config import EvaluationParams
from policytopics.themes.classifier import ThemeClassifier
from policytopics.themes.documents import corpus_rows, document_rows
from policytopics.themes.evaluate import (
    FitResult,
    FitTask,
    Scoring,
    TrainingData,
    calibration_report,
    f1_percentile_intervals,
    f1_report,
    run_fits,
    weak_rows_without,
)

FOCUS: tuple[str, ...] = ("ecology", "digital_economy", "liquor_industry")


def clustered_f1_intervals(
    y_true: Sequence[str],
    y_pred: Sequence[str],
    groups: Sequence[str],
    n_bootstrap: int,
    confidence: float,
    seed: int,
) -> dict[str, Any]:
    """Percentile bootstrap intervals of macro-F1 and each theme's F1, resampling whole
    `groups` (documents) with replacement; sentences of one document are not independent.

    Themes are those of `y_true`; a replicate where a theme has no true item leaves its F1
    undefined there (skipped); a replicate's macro-F1 is the mean over the themes it defines.
    """
    labels = sorted(set(y_true))
    if not labels or n_bootstrap <= 0:
        return {"macro_f1": None, "per_theme_f1": {}}
    index = {k: i for i, k in enumerate(labels)}
    truth = np.array([index[t] for t in y_true])
    pred = np.array([index.get(p, -1) for p in y_pred])
    names = sorted(set(groups))
    lookup = {g: i for i, g in enumerate(names)}
    group_of = np.array([lookup[g] for g in groups], dtype=int)
    k = len(labels)
    # per document and theme: true count, predicted count, true positives
    t_counts = np.zeros((len(names), k))
    p_counts = np.zeros((len(names), k))
    tp_counts = np.zeros((len(names), k))
    np.add.at(t_counts, (group_of, truth), 1)
    known = pred >= 0
    np.add.at(p_counts, (group_of[known], pred[known]), 1)
    hit = truth == pred
    np.add.at(tp_counts, (group_of[hit], truth[hit]), 1)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(names), size=(n_bootstrap, len(names)))
    weights = np.zeros((n_bootstrap, len(names)))
    np.add.at(weights, (np.repeat(np.arange(n_bootstrap), len(names)), draws.ravel()), 1)
    n_true, n_pred, tp = weights @ t_counts, weights @ p_counts, weights @ tp_counts
    f1 = np.where(n_true > 0, 2 * tp / np.maximum(n_true + n_pred, 1), np.nan)
    return f1_percentile_intervals(f1, labels, confidence)


def held_out_report(
    truth: Sequence[str],
    predicted: Sequence[str],
    documents: Sequence[str],
    corpora: Sequence[str],
    evaluation: EvaluationParams,
    seed: int,
    themes: Sequence[str] = (),
) -> dict[str, Any]:
    """F1 of one held-out set, with document-resampled intervals, overall and per corpus.

    `per_theme` gives each theme's F1, interval and test count; `thin_themes` the themes with
    fewer than `evaluation.min_test_per_theme` test sentences (their F1 is a rough figure);
    `untested_themes` those of `themes` with no test sentence at all.
    """
    report = f1_report(truth, predicted)
    bounds = clustered_f1_intervals(
        truth, predicted, documents, evaluation.f1_bootstrap, evaluation.f1_confidence, seed
    )
    counts = pd.Series(list(truth), dtype=object).value_counts()
    f1s: dict[str, float] = report["per_theme_f1"]  # type: ignore[assignment]
    theme_bounds: dict[str, dict[str, float]] = bounds["per_theme_f1"]
    per_theme = {
        key: {"f1": f1s[key], **theme_bounds.get(key, {}), "n": int(counts[key])} for key in f1s
    }
    out: dict[str, Any] = {
        "n": report["n"],
        "documents": len(set(documents)),
        "macro_f1": report["macro_f1"],
        "interval": bounds["macro_f1"],
        "accuracy": report["accuracy"],
        "per_theme": per_theme,
        "thin_themes": sorted(
            k for k, v in per_theme.items() if v["n"] < evaluation.min_test_per_theme
        ),
        "untested_themes": [k for k in themes if k not in per_theme],
    }
    if len(set(corpora)) > 1:
        out["by_corpus"] = {}
        for corpus in sorted(set(corpora)):
            keep = [i for i, c in enumerate(corpora) if c == corpus]
            part = f1_report([truth[i] for i in keep], [predicted[i] for i in keep])
            part_bounds = clustered_f1_intervals(
                [truth[i] for i in keep],
                [predicted[i] for i in keep],
                [documents[i] for i in keep],
                evaluation.f1_bootstrap,
                evaluation.f1_confidence,
                seed,
            )
            out["by_corpus"][corpus] = {
                "n": part["n"],
                "documents": len({documents[i] for i in keep}),
                "macro_f1": part["macro_f1"],
                "interval": part_bounds["macro_f1"],
                "per_theme_f1": part["per_theme_f1"],
                "per_theme_n": {
                    str(k): int(v)
                    for k, v in pd.Series([truth[i] for i in keep])
                    .value_counts()
                    .sort_index()
                    .items()
                },
            }
    return out


def weak_rows_outside(
    data: TrainingData, test_rows: Sequence[int], banned_documents: set[str]
) -> list[int]:
    """Weak rows from no banned document that contain none of the test items."""
    allowed = weak_rows_without(data, test_rows)
    documents = data.weak_documents
    if not documents:
        return allowed
    return [i for i in allowed if documents[i] not in banned_documents]


def grouped_cross_validate(
    make_model: Callable[[], ThemeClassifier],
    data: TrainingData,
    rows: Sequence[int],
    documents: Sequence[str],
    folds: int,
    seed: int,
    plain_text: bool = True,
    progress: bool = False,
    executor: Executor | None = None,
) -> list[str]:
    """Out-of-fold predictions for the hand items at `rows`, folds grouped by document
    (the most probable theme of `grouped_cross_validate_proba`)."""
    proba, keys = grouped_cross_validate_proba(
        make_model, data, rows, documents, folds, seed, plain_text, progress, executor
    )
    return [keys[i] for i in proba.argmax(axis=1)] if len(proba) else []


def grouped_cross_validate_proba(
    make_model: Callable[[], ThemeClassifier],
    data: TrainingData,
    rows: Sequence[int],
    documents: Sequence[str],
    folds: int,
    seed: int,
    plain_text: bool = True,
    progress: bool = False,
    executor: Executor | None = None,
) -> tuple[np.ndarray, list[str]]:
    """Out-of-fold probabilities (len(rows), n_themes) for the hand items at `rows`, folds
    grouped by document, and the theme keys of their columns.

    `documents` is each row's document (aligned with `rows`). A fold's model trains on the
    other folds' hand items and the weak passages of neither the fold's documents nor holding
    one of its items; with `plain_text` the fold is scored as new text arrives (no heading,
    no passage), as `policytopics classify` sees it. One fold is one task on `executor`.
    """
    rows = list(rows)
    themes = np.array([data.hand_themes[i] for i in rows])
    groups = np.array(list(documents))
    n_splits = max(2, min(folds, len(set(groups.tolist()))))
    splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    splits = list(splitter.split(np.zeros(len(rows)), themes, groups))
    tasks = []
    for train_idx, test_idx in splits:
        held = [rows[i] for i in test_idx]
        banned = {str(groups[i]) for i in test_idx}
        weak = weak_rows_outside(data, held, banned)
        scoring = Scoring(held, plain_text=plain_text)
        tasks.append(FitTask([rows[i] for i in train_idx], weak, (scoring,)))
    fits = run_fits(make_model, data, tasks, executor, "cross-validation (by document)", progress)
    if not fits:
        return np.zeros((0, 0)), []
    keys = fits[0].keys
    proba = np.zeros((len(rows), len(keys)))
    for (_, test_idx), fit in zip(splits, fits, strict=True):
        proba[test_idx] = fit.probabilities[0]
    return proba, keys


def pipeline_corpora(hand: pd.DataFrame, passage_documents: set[str]) -> set[str]:
    """Corpora with a label placed in the pipeline's own documents (where weak labels are from)."""
    placed = hand["document"].isin(passage_documents)
    return set(hand.loc[placed, "corpus"].astype(str))


def evaluate_documents(
    make_model: Callable[[], ThemeClassifier],
    data: TrainingData,
    hand: pd.DataFrame,
    passage_documents: set[str],
    evaluation: EvaluationParams,
    seed: int,
    progress: bool = False,
    executor: Executor | None = None,
) -> dict[str, Any]:
    """The by-document evaluation: held-out documents, then leave-one-corpus-out.

    `hand` is row-aligned with `data.hand` and has corpus, document and doc_split
    (`documents.place_labels`). Test items are scored as plain text (no heading, no
    passage). Document-grouped: train on the hand items of train documents and the weak
    passages of no test document; leave-one-corpus-out: train on every item of the other
    corpora (and the weak passages unless the held-out corpus is the pipeline's own), test on
    every item of the held-out corpus. Each of these fits is one task on `executor`.
    """
    documents = hand["document"].astype(str).tolist()
    corpora = hand["corpus"].astype(str).tolist()
    out: dict[str, Any] = {}
    # (where the report goes: None = document_grouped, else the held-out corpus; the fit)
    planned: list[tuple[str | None, FitTask]] = []

    def plain(train: list[int], test: list[int], weak: list[int]) -> FitTask:
        return FitTask(train, weak, (Scoring(test, plain_text=True),))

    def report_of(fit: FitResult, task: FitTask) -> dict[str, Any]:
        proba, test = fit.probabilities[0], task.scorings[0].rows
        truth = [data.hand_themes[i] for i in test]
        report = held_out_report(
            truth,
            fit.predicted(),
            [documents[i] for i in test],
            [corpora[i] for i in test],
            evaluation,
            seed,
            fit.keys,
        )
        report["train"] = {"hand": len(task.hand_rows), "weak": len(task.weak_rows)}
        # how far the probabilities can be taken at face value on new documents
        report["calibration"] = calibration_report(truth, proba, fit.keys)
        return report

    train, test = document_rows(hand, "train"), document_rows(hand, "test")
    if test and len({data.hand_themes[i] for i in train}) >= 2:
        test_docs = {documents[i] for i in test}
        planned.append((None, plain(train, test, weak_rows_outside(data, test, test_docs))))
    own = pipeline_corpora(hand, passage_documents)
    if len(set(corpora)) > 1:
        for corpus in sorted(set(corpora)):
            others, held = corpus_rows(hand, corpus)
            if len({data.hand_themes[i] for i in others}) < 2:
                continue
            weak = [] if corpus in own else weak_rows_outside(data, held, set())
            planned.append((corpus, plain(others, held, weak)))
    tasks = [t for _, t in planned]
    fits = run_fits(make_model, data, tasks, executor, "held-out documents, corpora", progress)
    for (left_out, planned_task), fit in zip(planned, fits, strict=True):
        if left_out is None:
            out["document_grouped"] = report_of(fit, planned_task)
        else:
            out.setdefault("leave_one_corpus_out", {})[left_out] = report_of(fit, planned_task)
    if len(set(corpora)) > 1:
        out.setdefault("leave_one_corpus_out", {})
    return out


def headline_metrics(evaluation: dict[str, Any]) -> dict[str, Any]:
    """The few figures `dvc metrics show` prints: document-grouped macro-F1 and interval,
    per corpus (with intervals), leave-one-corpus-out, the focus themes' F1 with intervals,
    the sentence-wise figure and the
    prevalence estimators' per-document share error."""
    out: dict[str, Any] = {}
    grouped = evaluation.get("document_grouped")
    if grouped:
        interval = grouped.get("interval") or {}
        out["document_grouped"] = {
            "macro_f1": grouped["macro_f1"],
            "low": interval.get("low"),
            "high": interval.get("high"),
            "n": grouped["n"],
            "documents": grouped["documents"],
        }
        per_theme = grouped["per_theme"]
        # a focus theme without test sentences: F1 null, count 0 (never left out silently)
        out["theme_f1"] = {k: per_theme[k]["f1"] if k in per_theme else None for k in FOCUS}
        for bound in ("low", "high"):  # the documents-resampled bootstrap interval
            out[f"theme_f1_{bound}"] = {k: per_theme.get(k, {}).get(bound) for k in FOCUS}
        out["theme_n"] = {k: per_theme[k]["n"] if k in per_theme else 0 for k in FOCUS}
        by_corpus = grouped.get("by_corpus", {})
        out["by_corpus"] = {k: v["macro_f1"] for k, v in by_corpus.items()}
        for bound in ("low", "high"):
            out[f"by_corpus_{bound}"] = {
                k: (v.get("interval") or {}).get(bound) for k, v in by_corpus.items()
            }
    loco = evaluation.get("leave_one_corpus_out")
    if loco:
        out["leave_one_corpus_out"] = {k: v["macro_f1"] for k, v in loco.items()}
    if "held_out" in evaluation:
        out["sentence_wise"] = {"macro_f1": evaluation["held_out"]["macro_f1"]}
    errors = evaluation.get("estimator_error")
    if errors:  # the prevalence estimators' per-document share error (themes/calibration.py)
        out["estimator_mae"] = {k: v["mae"] for k, v in errors["mae"].items()}
        out["estimator_documents"] = errors["documents"]
    return out
