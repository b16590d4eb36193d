"""Prevalence estimators: theme shares per group from per-sentence probabilities (pure numpy).

Every estimator reads the same structure: `probs` (n, k), one row of classifier probabilities
per sentence (rows sum to 1); `weights` (n,), each sentence's weight (n_chars for a share of
text, 1 for a share of sentences); `groups` (n,), each sentence's group code in
0..n_groups-1 (a document, or a locality); and returns (n_groups, k) shares whose rows sum
to 1 (a group with no sentence gets a row of NaN). See docs/estimators.md for the formulas,
when each one is right, and the measured errors.

- `soft_shares`: weighted mean of the probabilities (the prevalence stage's estimator).
- `hard_shares`: classify and count, each sentence's weight to its most probable theme.
- `acc_shares`: adjusted classify and count: the hard shares q solve q = p R for the true
  shares p, where R[i, j] = P(predicted j | true i) is estimated on held-out labelled data
  (`misclassification_rates`).
- `pacc_shares`: the same with soft shares and R[i, :] = mean probability vector of the
  held-out sentences of true theme i (`misclassification_rates(..., soft=True)`).
- `em_shares`: the EM prior-shift re-estimation of Saerens, Latinne and Decaestecker (2002),
  per group, from the classifier's training priors.

`estimate_shares(method, ...)` picks one by name (with a `Calibration`), and
`bootstrap_estimates` resamples sentences within documents for intervals of any of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy.optimize import nnls

Solver = Literal["clip", "simplex"]
# the weight of the sum-to-one row when `adjust_shares` solves on the simplex by NNLS
_SIMPLEX_PENALTY = 1e3


def _group_sums(values: np.ndarray, weights: np.ndarray, groups: np.ndarray, n: int) -> np.ndarray:
    """sum_i w_i values_i per group: (n_groups, k).

    One `np.bincount` over the (group, column) cells: each cell adds its terms in row order in
    float64, as `np.add.at` does, so the sums are bitwise the same; bincount is the faster of
    the two (the prevalence bootstrap calls this thousands of times; docs/scaling.md)."""
    k = values.shape[1]
    cells = (groups.astype(np.int64)[:, None] * k + np.arange(k)).ravel()
    terms = (weights[:, None] * values).astype(np.float64, copy=False).ravel()
    return np.bincount(cells, weights=terms, minlength=n * k).reshape(n, k)


def _normalise(totals: np.ndarray) -> np.ndarray:
    """Rows scaled to sum to 1; all-zero rows become NaN (a group with no text)."""
    sums = totals.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(np.where(sums > 0, totals / sums, np.nan))


def _check(probs: np.ndarray, weights: np.ndarray, groups: np.ndarray, n_groups: int) -> None:
    if probs.ndim != 2 or weights.shape != (len(probs),) or groups.shape != (len(probs),):
        raise ValueError(
            f"shapes disagree: probs {probs.shape}, weights {weights.shape}, groups {groups.shape}"
        )
    if len(groups) and (groups.min() < 0 or groups.max() >= n_groups):
        raise ValueError(f"group codes must lie in 0..{n_groups - 1}")
    if np.any(weights < 0):
        raise ValueError("weights must be non-negative")


def soft_shares(
    probs: np.ndarray, weights: np.ndarray, groups: np.ndarray, n_groups: int
) -> np.ndarray:
    """share_gk = sum_i w_i p_ik / sum_i w_i over the sentences i of group g."""
    _check(probs, weights, groups, n_groups)
    return _normalise(_group_sums(probs, weights, groups, n_groups))


def hard_predictions(probs: np.ndarray) -> np.ndarray:
    """One-hot rows of each sentence's most probable theme (ties: the first theme)."""
    out = np.zeros(probs.shape)
    if len(probs):
        out[np.arange(len(probs)), probs.argmax(axis=1)] = 1.0
    return out


def hard_shares(
    probs: np.ndarray, weights: np.ndarray, groups: np.ndarray, n_groups: int
) -> np.ndarray:
    """Classify and count: share_gk = weight of g's sentences whose argmax is k / weight of g.

    Counted straight from the argmax (one `np.bincount` over the (group, theme) cells), which
    adds the same weights in the same order as summing `hard_predictions` rows: the same bits."""
    _check(probs, weights, groups, n_groups)
    k = probs.shape[1]
    predicted = probs.argmax(axis=1) if len(probs) else np.zeros(0, dtype=np.int64)
    cells = groups.astype(np.int64) * k + predicted
    totals = np.bincount(cells, weights=weights.astype(np.float64), minlength=n_groups * k)
    return _normalise(totals.reshape(n_groups, k))


def misclassification_rates(
    true: np.ndarray,
    probs: np.ndarray,
    *,
    soft: bool = False,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """R[i, j] = P(predicted j | true i), estimated from held-out sentences: (k, k).

    `true` holds each held-out sentence's labelled theme as a column index of `probs` (the
    classifier's probabilities for it, from a model that did not train on it). Hard: the
    (weighted) share of true-i sentences whose argmax is j; soft (for PACC): their mean
    probability of j. A theme with no held-out sentence gets the identity row (assumed
    recognised without error), so the adjustment leaves it as observed.
    """
    k = probs.shape[1]
    w = np.ones(len(true)) if weights is None else np.asarray(weights, dtype=float)
    if true.shape != (len(probs),) or w.shape != (len(probs),):
        raise ValueError("true, probs and weights need one entry per held-out sentence")
    if len(true) and (true.min() < 0 or true.max() >= k):
        raise ValueError(f"true labels must be column indices 0..{k - 1}")
    predicted = probs if soft else hard_predictions(probs)
    totals = _group_sums(predicted, w, true.astype(np.int64), k)
    rates = _normalise(totals)
    missing = np.isnan(rates).any(axis=1)
    rates[missing] = np.eye(k)[missing]
    return rates


def adjust_shares(observed: np.ndarray, rates: np.ndarray, solver: Solver = "clip") -> np.ndarray:
    """True shares p from observed shares q = p R, one row per group: (n_groups, k).

    clip: p = least-squares solution of R^T p = q (exact when R is invertible), negative
    entries set to 0, then rescaled to sum to 1 (Forman's ACC). simplex: the least-squares p
    constrained to the simplex (non-negative least squares with a heavily weighted
    sum-to-one row, then rescaled). A group whose adjusted shares are all <= 0, or NaN
    observed shares, keeps its observed row.
    """
    observed = np.atleast_2d(np.asarray(observed, dtype=float))
    k = rates.shape[0]
    if rates.shape != (k, k) or observed.shape[1] != k:
        raise ValueError(f"rates {rates.shape} and observed {observed.shape} disagree")
    out = observed.copy()
    for g, q in enumerate(observed):
        if np.isnan(q).any():
            continue
        if solver == "clip":
            p = np.linalg.lstsq(rates.T, q, rcond=None)[0]
            p = np.clip(p, 0.0, None)
        elif solver == "simplex":
            system = np.vstack([rates.T, _SIMPLEX_PENALTY * np.ones((1, k))])
            target = np.concatenate([q, [_SIMPLEX_PENALTY]])
            p = nnls(system, target)[0]
        else:
            raise ValueError(f"solver must be 'clip' or 'simplex', got {solver!r}")
        total = p.sum()
        if total > 0:
            out[g] = p / total
    return out


def acc_shares(
    probs: np.ndarray,
    weights: np.ndarray,
    groups: np.ndarray,
    n_groups: int,
    rates: np.ndarray,
    solver: Solver = "clip",
) -> np.ndarray:
    """Adjusted classify and count: `hard_shares` corrected by the hard `rates`."""
    return adjust_shares(hard_shares(probs, weights, groups, n_groups), rates, solver)


def pacc_shares(
    probs: np.ndarray,
    weights: np.ndarray,
    groups: np.ndarray,
    n_groups: int,
    soft_rates: np.ndarray,
    solver: Solver = "clip",
) -> np.ndarray:
    """Probabilistic ACC: `soft_shares` corrected by the soft rates (mean probabilities)."""
    return adjust_shares(soft_shares(probs, weights, groups, n_groups), soft_rates, solver)


def em_priors(
    probs: np.ndarray,
    train_priors: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    pseudo_count: float = 0.0,
    tol: float = 1e-8,
    max_iter: int = 1000,
) -> tuple[np.ndarray, np.ndarray, int]:
    """EM re-estimation of one group's theme priors under prior shift (Saerens et al. 2002).

    Starting from prior = `train_priors` (the theme distribution the classifier was fit on),
    repeat: posterior_ik proportional to probs_ik * prior_k / train_prior_k (rows rescaled to
    1); prior = weighted mean posterior; until no prior moves by more than `tol` or after
    `max_iter` rounds. With `pseudo_count` a > 0 the update is
    prior = (sum_i v_i posterior_i + a * soft) / (n + a), where v_i are the weights rescaled
    to sum to n (the number of sentences) and soft is the group's soft mean: a Dirichlet
    prior worth `a` sentences that holds a short group near the soft mean.

    Returns (priors (k,), adjusted posteriors (n, k), rounds run).
    """
    k = probs.shape[1]
    train = np.asarray(train_priors, dtype=float)
    if train.shape != (k,) or np.any(train < 0) or train.sum() <= 0:
        raise ValueError(f"train_priors must be {k} non-negative numbers, not all 0")
    train = train / train.sum()
    n = len(probs)
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    if n == 0 or w.sum() <= 0:
        return np.full(k, np.nan), probs.copy(), 0
    v = w * (n / w.sum())
    soft = v @ probs / n
    with np.errstate(divide="ignore", invalid="ignore"):
        inverse_train = np.where(train > 0, 1.0 / train, 0.0)
    prior = train.copy()
    posterior = probs.copy()
    rounds, moved = 0, np.inf
    while rounds < max_iter and moved > tol:
        scaled = probs * (prior * inverse_train)
        totals = scaled.sum(axis=1, keepdims=True)
        posterior = np.where(totals > 0, scaled / np.where(totals > 0, totals, 1.0), probs)
        updated = (v @ posterior + pseudo_count * soft) / (n + pseudo_count)
        moved = float(np.max(np.abs(updated - prior)))
        prior = updated
        rounds += 1
    return prior, posterior, rounds


def em_shares(
    probs: np.ndarray,
    weights: np.ndarray,
    groups: np.ndarray,
    n_groups: int,
    train_priors: np.ndarray,
    *,
    pseudo_count: float = 5.0,
    min_sentences: int = 1,
    tol: float = 1e-8,
    max_iter: int = 1000,
) -> np.ndarray:
    """EM prior-shift shares per group (`em_priors` on each group's sentences).

    EM on a handful of sentences chases the most confident one (one sentence at 0.9 gives a
    share of 1), so `pseudo_count` (default 5) shrinks every group towards its soft mean by
    that many sentences' worth (see `em_priors`), and a group with fewer than
    `min_sentences` sentences keeps its soft mean. The default 5 narrowed the per-document
    error intervals on the dev corpora (docs/estimators.md).
    """
    _check(probs, weights, groups, n_groups)
    out = soft_shares(probs, weights, groups, n_groups)
    order = np.argsort(groups, kind="stable")
    present, starts = np.unique(groups[order], return_index=True)
    for g, rows in zip(present, np.split(order, starts[1:]) if len(order) else [], strict=True):
        if len(rows) < max(1, min_sentences) or weights[rows].sum() <= 0:
            continue
        out[g] = em_priors(
            probs[rows],
            train_priors,
            weights[rows],
            pseudo_count=pseudo_count,
            tol=tol,
            max_iter=max_iter,
        )[0]
    return out


Method = Literal["soft", "hard", "acc", "pacc", "em"]
METHODS: tuple[Method, ...] = ("soft", "hard", "acc", "pacc", "em")


@dataclass(frozen=True)
class Calibration:
    """What the adjusted estimators need from the classifier's training and held-out data:
    hard and soft misclassification rates (ACC, PACC) and the training priors (EM)."""

    rates: np.ndarray | None = None  # (k, k) misclassification_rates(true, probs)
    soft_rates: np.ndarray | None = None  # (k, k) misclassification_rates(..., soft=True)
    train_priors: np.ndarray | None = None  # (k,) theme distribution the model was fit on

    def to_record(self, keys: Sequence[str]) -> dict[str, Any]:
        """As JSON: the theme keys (rows and columns) and the arrays (None where missing)."""

        def listed(values: np.ndarray | None) -> Any:
            return None if values is None else np.round(values, 9).tolist()

        return {
            "themes": list(keys),
            "rates": listed(self.rates),
            "soft_rates": listed(self.soft_rates),
            "train_priors": listed(self.train_priors),
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any], keys: Sequence[str]) -> Calibration:
        """`to_record`'s JSON back; its themes must be `keys`, in order."""
        if list(record.get("themes", [])) != list(keys):
            raise ValueError(
                f"calibration themes {record.get('themes')} differ from the scores' {list(keys)}"
            )

        def array(name: str) -> np.ndarray | None:
            value = record.get(name)
            return None if value is None else np.asarray(value, dtype=float)

        return cls(array("rates"), array("soft_rates"), array("train_priors"))


def estimate_shares(
    method: Method,
    probs: np.ndarray,
    weights: np.ndarray,
    groups: np.ndarray,
    n_groups: int,
    calibration: Calibration | None = None,
) -> np.ndarray:
    """Shares per group by `method` (one of METHODS); a missing calibration part is an error."""
    calibration = calibration or Calibration()
    if method == "soft":
        return soft_shares(probs, weights, groups, n_groups)
    if method == "hard":
        return hard_shares(probs, weights, groups, n_groups)
    needed = {"acc": "rates", "pacc": "soft_rates", "em": "train_priors"}.get(method)
    if needed is None:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    value = getattr(calibration, needed)
    if value is None:
        raise ValueError(f"method {method!r} needs calibration.{needed}")
    if method == "acc":
        return acc_shares(probs, weights, groups, n_groups, value)
    if method == "pacc":
        return pacc_shares(probs, weights, groups, n_groups, value)
    return em_shares(probs, weights, groups, n_groups, value)


def bootstrap_estimates(
    estimate: Callable[[np.ndarray, np.ndarray, np.ndarray, int], np.ndarray],
    probs: np.ndarray,
    weights: np.ndarray,
    groups: np.ndarray,
    strata: np.ndarray,
    n_groups: int,
    n_bootstrap: int,
    seed: int,
) -> np.ndarray:
    """`estimate` on `n_bootstrap` stratified resamples: (n_bootstrap, n_groups, k).

    Sentences are drawn with replacement within their stratum (document), so each document
    keeps its sentence count; each stratum must lie inside one group. The draws are those of
    `analysis.prevalence.bootstrap_shares` for the same seed, so with the soft mean the two
    agree.
    """
    order = np.argsort(strata, kind="stable")
    probs, weights, groups, strata = probs[order], weights[order], groups[order], strata[order]
    _, starts, sizes = np.unique(strata, return_index=True, return_counts=True)
    stratum_index = np.repeat(np.arange(len(starts)), sizes)
    start_of, size_of = starts[stratum_index], sizes[stratum_index]
    rng = np.random.default_rng(seed)
    out = np.empty((n_bootstrap, n_groups, probs.shape[1]))
    for b in range(n_bootstrap):
        index = start_of + rng.integers(0, size_of, size=(1, len(probs)))[0]
        out[b] = estimate(probs[index], weights[index], groups[index], n_groups)
    return out
