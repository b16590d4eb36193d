"""Scoring the theme classifier: cross-validation, held-out F1, baselines, weak-label agreement.

Every model fit is one task on the executor (`policytopics.compute`): `FitTask` names the rows
it trains on and the rows it scores, `run_fits` sends the training data once as `Shared` and
returns each fit's probabilities in task order. A fit runs with BLAS on one thread wherever it
runs, so the figures are the same in this process, on local processes or on a cluster.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from policytopics.compute import Executor, SerialExecutor, Shared, map_with_progress
from policytopics.precision import single_threaded
from policytopics.themes.classifier import ThemeClassifier, ThemeInputs
from policytopics.themes.lexicon import Lexicon

FALLBACK_THEME = "general"


def f1_report(y_true: Sequence[str], y_pred: Sequence[str]) -> dict[str, object]:
    """Macro-F1 over the themes present in `y_true`, accuracy, and F1 per theme."""
    labels = sorted(set(y_true))
    if not labels:
        return {"n": 0, "macro_f1": None, "accuracy": None, "per_theme_f1": {}}
    per_theme = f1_score(y_true, y_pred, labels=labels, average=None, zero_division=0)
    return {
        "n": len(y_true),
        "macro_f1": round(float(np.mean(per_theme)), 4),
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
        "per_theme_f1": {k: round(float(v), 4) for k, v in zip(labels, per_theme, strict=True)},
    }


def f1_intervals(
    y_true: Sequence[str],
    y_pred: Sequence[str],
    n_bootstrap: int,
    confidence: float,
    seed: int,
) -> dict[str, object]:
    """Percentile bootstrap intervals for macro-F1 and each theme's F1 (items resampled).

    Themes are those of `y_true`. A replicate in which a theme has no true item leaves that
    theme's F1 undefined there (it is skipped, not counted as 0); macro-F1 of a replicate is
    the mean over the themes it defines.
    """
    labels = sorted(set(y_true))
    if not labels or n_bootstrap <= 0:
        return {"macro_f1": None, "per_theme_f1": {}}
    index = {k: i for i, k in enumerate(labels)}
    truth = np.array([index[t] for t in y_true])
    pred = np.array([index.get(p, -1) for p in y_pred])
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(truth), size=(n_bootstrap, len(truth)))
    sampled_truth, sampled_pred = truth[draws], pred[draws]
    f1 = np.full((n_bootstrap, len(labels)), np.nan)
    for k in range(len(labels)):
        t = sampled_truth == k
        p = sampled_pred == k
        n_true = t.sum(axis=1)
        defined = n_true > 0
        tp = (t & p).sum(axis=1)
        f1[defined, k] = 2 * tp[defined] / (n_true + p.sum(axis=1))[defined]
    return f1_percentile_intervals(f1, labels, confidence)


def f1_percentile_intervals(
    f1: np.ndarray, labels: Sequence[str], confidence: float
) -> dict[str, object]:
    """Percentile intervals of bootstrap F1 draws (replicates x themes; NaN where a replicate
    has no item of the theme): the macro mean's and each theme's."""
    tail = (1 - confidence) / 2 * 100

    def interval(values: np.ndarray) -> dict[str, float]:
        low, high = np.nanpercentile(values, [tail, 100 - tail])
        return {"low": round(float(low), 4), "high": round(float(high), 4)}

    return {
        "macro_f1": interval(np.nanmean(f1, axis=1)),
        "per_theme_f1": {k: interval(f1[:, i]) for i, k in enumerate(labels)},
    }


def calibration_report(
    y_true: Sequence[str], proba: np.ndarray, keys: Sequence[str], bins: int = 10
) -> dict[str, object]:
    """How far the probabilities can be taken at face value (they feed the prevalence shares).

    `brier`: mean over items of Σ_k (p_k - [k is true])², 0 is perfect. `ece`: top-label
    expected calibration error, Σ_b (n_b / n) |accuracy_b - mean top probability_b| over
    `bins` equal-width bins of the top probability. `share`: per theme, the mean probability
    (what the soft prevalence estimator would report for these items) beside the observed
    share of items with that label.
    """
    n = len(y_true)
    if n == 0:
        return {"n": 0, "brier": None, "ece": None, "bins": bins, "share": {}}
    column = {k: i for i, k in enumerate(keys)}
    onehot = np.zeros_like(proba, dtype=np.float64)
    onehot[np.arange(n), [column[t] for t in y_true]] = 1.0
    top = proba.max(axis=1)
    correct = (proba.argmax(axis=1) == onehot.argmax(axis=1)).astype(np.float64)
    which = np.minimum((top * bins).astype(int), bins - 1)
    ece = sum(
        (which == b).sum() / n * abs(correct[which == b].mean() - top[which == b].mean())
        for b in range(bins)
        if (which == b).any()
    )
    return {
        "n": n,
        "brier": round(float(((proba - onehot) ** 2).sum(axis=1).mean()), 4),
        "ece": round(float(ece), 4),
        "bins": bins,
        "share": {
            k: {
                "predicted": round(float(proba[:, i].mean()), 4),
                "observed": round(float(onehot[:, i].mean()), 4),
            }
            for i, k in enumerate(keys)
        },
    }


def keyword_baseline(texts: Sequence[str], lexicon: Lexicon) -> list[str]:
    """The theme with the most seed-term hits; no hit (or a tie at zero) -> "general"."""
    out = []
    for text in texts:
        counts = lexicon.count_matches(text)
        best = max(counts, key=lambda k: counts[k])
        out.append(best if counts[best] > 0 else FALLBACK_THEME)
    return out


def description_baseline(
    embeddings: np.ndarray, theme_embeddings: np.ndarray, keys: Sequence[str]
) -> list[str]:
    """The theme whose description embedding is nearest (cosine) to each text."""
    if embeddings.shape[0] == 0:
        return []
    return [keys[i] for i in (embeddings @ theme_embeddings.T).argmax(axis=1)]


@dataclass(frozen=True)
class TrainingData:
    """Hand-labelled items (trusted) and weak-labelled passages, with their features."""

    hand: ThemeInputs
    hand_themes: list[str]
    weak: ThemeInputs
    weak_themes: list[str]
    hand_in_weak: list[set[int]]  # per hand item, weak rows whose passage contains it
    hand_weight: float
    # per hand item, the corpus passage it comes from (None = none known); CV keeps a
    # passage's items in one fold. Empty = every item its own passage.
    hand_passages: list[int | None] = field(default_factory=list)
    # per weak row, the document its passage is from (held-out documents drop their passages)
    weak_documents: list[str] = field(default_factory=list)

    def passage_groups(self, rows: Sequence[int]) -> np.ndarray:
        """A group id per hand item at `rows`: its passage, or a group of its own."""
        known = self.hand_passages or [None] * len(self.hand_themes)
        return np.array([known[i] if known[i] is not None else -1 - i for i in rows])


def fit_on(
    make_model: Callable[[], ThemeClassifier],
    data: TrainingData,
    hand_rows: Sequence[int],
    weak_rows: Sequence[int],
) -> ThemeClassifier:
    """Fit a fresh model on the chosen hand items and weak passages (hand weighted up)."""
    inputs = ThemeInputs.concat([data.hand.subset(hand_rows), data.weak.subset(weak_rows)])
    themes = [data.hand_themes[i] for i in hand_rows] + [data.weak_themes[i] for i in weak_rows]
    weights = np.concatenate([np.full(len(hand_rows), data.hand_weight), np.ones(len(weak_rows))])
    return make_model().fit(inputs, themes, sample_weight=weights)


@dataclass(frozen=True)
class Scoring:
    """Rows a fitted model scores: hand items (or weak passages with `weak`), read in their
    passages or, with `plain_text`, as new text arrives (no heading, no passage)."""

    rows: list[int]
    weak: bool = False
    plain_text: bool = False

    def inputs(self, data: TrainingData) -> ThemeInputs:
        chosen = (data.weak if self.weak else data.hand).subset(self.rows)
        return chosen.without_context() if self.plain_text else chosen


@dataclass(frozen=True)
class FitTask:
    """One model fit: the hand and weak rows it trains on and what it scores afterwards."""

    hand_rows: list[int]
    weak_rows: list[int]
    scorings: tuple[Scoring, ...]


@dataclass(frozen=True)
class FitResult:
    """A fit's probabilities, one (len(rows), len(keys)) matrix per scoring, in order."""

    keys: list[str]
    probabilities: list[np.ndarray]

    def predicted(self, scoring: int = 0) -> list[str]:
        """The most probable theme of each row of that scoring (as `ThemeClassifier.predict`)."""
        return [self.keys[i] for i in self.probabilities[scoring].argmax(axis=1)]


@dataclass(frozen=True)
class FitInputs:
    """What every fit of a run reads (shared by the tasks: sent once per worker)."""

    make_model: Callable[[], ThemeClassifier]
    data: TrainingData


def run_fit(shared: Shared[FitInputs], task: FitTask) -> FitResult:
    """One task: fit a fresh model on the task's rows and score its rows, BLAS on one thread
    (L-BFGS sums its dot products in an order the thread count chooses)."""
    inputs = shared.get()
    with single_threaded():
        model = fit_on(inputs.make_model, inputs.data, task.hand_rows, task.weak_rows)
        probabilities = [model.predict_proba(s.inputs(inputs.data)) for s in task.scorings]
    return FitResult(list(model.keys), probabilities)


def run_fits(
    make_model: Callable[[], ThemeClassifier],
    data: TrainingData,
    tasks: Sequence[FitTask],
    executor: Executor | None = None,
    desc: str = "fits",
    progress: bool = False,
) -> list[FitResult]:
    """`run_fit` for every task on `executor` (default: this process), in task order.

    On an executor of processes `make_model` must pickle (e.g. a `functools.partial` of
    `ThemeClassifier.from_params`, as `training.model_factory` makes; not a lambda).
    """
    executor = executor if executor is not None else SerialExecutor()
    task = partial(run_fit, Shared(FitInputs(make_model, data)))
    return map_with_progress(executor, task, tasks, desc, progress)


def split_by_passage_mates(
    data: TrainingData,
    rows: Sequence[int],
    others: Sequence[int],
    truth: Sequence[str],
    predicted: Sequence[str],
) -> dict[str, dict[str, object]]:
    """F1 reports for the items at `rows` whose passage also holds an item of `others` (e.g.
    a train item: their context was seen in training) and for the rest (as new documents)."""
    seen = set(data.passage_groups(others).tolist())
    mate = [g in seen for g in data.passage_groups(rows).tolist()]
    out = {}
    for name, keep in (("with_train_passage_mate", True), ("without", False)):
        index = [k for k, m in enumerate(mate) if m == keep]
        out[name] = f1_report([truth[k] for k in index], [predicted[k] for k in index])
    return out


def weak_rows_without(data: TrainingData, held_out: Sequence[int]) -> list[int]:
    """Weak rows that contain none of the held-out hand items (so the model never sees them)."""
    banned = set().union(*(data.hand_in_weak[i] for i in held_out)) if held_out else set()
    return [i for i in range(len(data.weak)) if i not in banned]


def cross_validate_hand(
    make_model: Callable[[], ThemeClassifier],
    data: TrainingData,
    rows: Sequence[int],
    folds: int,
    seed: int,
    progress: bool = False,
    executor: Executor | None = None,
) -> list[str]:
    """Out-of-fold predictions for the hand items at `rows` (folds stratified by theme and
    grouped by passage; one fold is one task on `executor`).

    Items from one passage share its heading and passage embedding, so they stay in one fold:
    a held-out item is never scored with a passage-mate in training, as with new documents.
    Each fold's model trains on the other folds' hand items plus every weak passage that does
    not contain one of the held-out items.
    """
    rows = list(rows)
    themes = np.array([data.hand_themes[i] for i in rows])
    smallest = min(np.unique(themes, return_counts=True)[1])
    splitter = StratifiedGroupKFold(
        n_splits=max(2, min(folds, int(smallest))), shuffle=True, random_state=seed
    )
    splits = list(splitter.split(np.zeros(len(rows)), themes, data.passage_groups(rows)))
    tasks = []
    for train_idx, test_idx in splits:
        held = [rows[i] for i in test_idx]
        train = [rows[i] for i in train_idx]
        tasks.append(FitTask(train, weak_rows_without(data, held), (Scoring(held),)))
    fits = run_fits(make_model, data, tasks, executor, "cross-validation (hand)", progress)
    predictions = [""] * len(rows)
    for (_, test_idx), fit in zip(splits, fits, strict=True):
        for i, theme in zip(test_idx, fit.predicted(), strict=True):
            predictions[i] = theme
    return predictions


def cross_validate_weak(
    make_model: Callable[[], ThemeClassifier],
    data: TrainingData,
    hand_rows: Sequence[int],
    weak_rows: Sequence[int],
    folds: int,
    seed: int,
    progress: bool = False,
    executor: Executor | None = None,
) -> list[str]:
    """Out-of-fold predictions for weak passages (hand items always in training; one fold
    is one task on `executor`)."""
    weak_rows = list(weak_rows)
    if len(weak_rows) < folds:
        return []
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    themes = np.array([data.weak_themes[i] for i in weak_rows])
    # stratify only on themes frequent enough; rarer ones fall into folds by position
    counts = dict(zip(*np.unique(themes, return_counts=True), strict=True))
    strata = np.array([t if counts[t] >= folds else "_rare" for t in themes])
    splits = list(splitter.split(np.zeros(len(weak_rows)), strata))
    tasks = [
        FitTask(
            list(hand_rows),
            [weak_rows[i] for i in train_idx],
            (Scoring([weak_rows[i] for i in test_idx], weak=True),),
        )
        for train_idx, test_idx in splits
    ]
    fits = run_fits(make_model, data, tasks, executor, "cross-validation (weak)", progress)
    predictions = [""] * len(weak_rows)
    for (_, test_idx), fit in zip(splits, fits, strict=True):
        for i, theme in zip(test_idx, fit.predicted(), strict=True):
            predictions[i] = theme
    return predictions
