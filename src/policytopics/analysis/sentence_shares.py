"""Theme shares from sentence probabilities by a chosen estimator, with bootstrap intervals
and the share of each group's text the classifier abstained on (pure functions).

The estimator (`analysis.quantify.estimate_shares`: soft, hard, acc, pacc, em) reads every
scored sentence of a group, weighted by its length. Intervals: percentile bootstrap,
resampling passages with replacement within each document (each drawn passage brings all
its sentences), the draws of `analysis.prevalence.bootstrap_shares`. A group with more
abstained text than `max_abstained` is flagged and its interval widened to at least
share ± its abstained share: reassigning that much text moves a share by at most as much.
See docs/estimators.md.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from policytopics.analysis.prevalence import UNKNOWN_GROUP, Bootstrap
from policytopics.analysis.quantify import Calibration, Method, estimate_shares, soft_shares
from policytopics.errors import UserError
from policytopics.themes.ood import low_confidence_share, median_ood

SENTENCE_COLUMNS: tuple[str, ...] = (
    "prevalence",
    "ci_low",
    "ci_high",
    "lift",
    "n_passages",
    "n_sentences",
    "prevalence_soft",
    "low_confidence_share",
    "median_ood",
    "flagged",
)


def calibration_of(record: Any, keys: Sequence[str], method: Method) -> Calibration | None:
    """classify's calibration.json (null when it had too few labels) as a Calibration for
    `method`: an error when the method needs one and there is none, or its themes differ."""
    calibration = None
    if isinstance(record, dict):
        try:
            calibration = Calibration.from_record(record, keys)
        except ValueError as error:
            raise UserError(f"calibration.json: {error}; re-run classify") from None
    if method in ("acc", "pacc", "em") and calibration is None:
        raise UserError(
            f"prevalence.estimator {method} needs the classifier's calibration "
            "(reports/classify/calibration.json is null: too few hand labels); "
            "set prevalence.estimator to hard or soft"
        )
    return calibration


@dataclass(frozen=True)
class SentenceUnits:
    """Scored text units: sentences (and passages no sentence of which was scored)."""

    probs: np.ndarray  # (n, k) rows summing to 1
    weight: np.ndarray  # (n,) n_chars, or 1 / sentences of the passage for equal weights
    passage: np.ndarray  # (n,) row of the unit's passage in the passages table
    abstain: np.ndarray  # (n,) bool: the classifier abstained (low confidence or OOD)
    ood: np.ndarray  # (n,) OOD score, NaN where unknown
    keys: list[str]


def sentence_units(
    passages: pd.DataFrame,
    sentence_themes: pd.DataFrame,
    passage_themes: pd.DataFrame,
    *,
    equal_weights: bool = False,
) -> SentenceUnits:
    """Units from the classify stage's sentence scores, row-aligned with nothing in particular.

    `passages` (passage_id, n_chars) is the table the groups come from; `sentence_themes`
    (passage_id, n_chars, abstain, ood, p_<key>...) its scored sentences; `passage_themes`
    (passage_id, p_<key>...) gives the one unit of a passage with no scored sentence text
    (never abstained, OOD unknown). Equal weights make every passage weigh 1 in total.
    """
    keys = [c[2:] for c in sentence_themes.columns if c.startswith("p_")]
    if not keys:
        raise UserError("sentence_themes.parquet has no p_<theme> columns; re-run classify")
    needed = {"passage_id", "n_chars", "abstain", "ood"} - set(sentence_themes.columns)
    if needed:
        raise UserError(f"sentence_themes.parquet lacks {sorted(needed)}; re-run classify")
    row_of = pd.Series(np.arange(len(passages)), index=passages["passage_id"].to_numpy())
    scored = sentence_themes[sentence_themes["passage_id"].isin(row_of.index)]
    scored = scored[scored["n_chars"].to_numpy() > 0]
    covered = np.zeros(len(passages), dtype=bool)
    covered[row_of.loc[scored["passage_id"]].to_numpy()] = True
    missing = passages[~covered]
    fallback = passage_themes.set_index("passage_id").reindex(missing["passage_id"])
    if fallback[[f"p_{k}" for k in keys]].isna().any(axis=None):
        raise UserError("passage_themes.parquet misses passages of passages.parquet; re-run")
    probs = np.vstack(
        [
            scored[[f"p_{k}" for k in keys]].to_numpy(dtype=float),
            fallback[[f"p_{k}" for k in keys]].to_numpy(dtype=float),
        ]
    )
    totals = probs.sum(axis=1, keepdims=True)
    if np.any(totals <= 0):
        raise UserError("a sentence has no probability mass on any theme; re-run classify")
    passage = np.concatenate(
        [row_of.loc[scored["passage_id"]].to_numpy(), np.flatnonzero(~covered)]
    ).astype(np.int64)
    weight = np.concatenate(
        [scored["n_chars"].to_numpy(dtype=float), missing["n_chars"].to_numpy(dtype=float)]
    )
    if equal_weights:
        per_passage = np.bincount(passage, minlength=len(passages))
        weight = 1.0 / per_passage[passage]
    return SentenceUnits(
        probs=probs / totals,
        weight=weight,
        passage=passage,
        abstain=np.concatenate(
            [scored["abstain"].to_numpy(dtype=bool), np.zeros(len(missing), dtype=bool)]
        ),
        ood=np.concatenate([scored["ood"].to_numpy(dtype=float), np.full(len(missing), np.nan)]),
        keys=keys,
    )


def group_codes(passages: pd.DataFrame, column: str) -> tuple[list[str], np.ndarray]:
    """Sorted group names and each passage's code; a blank value is `UNKNOWN_GROUP`."""
    values = passages[column].astype("string").str.strip().fillna("")
    values = values.where(values != "", UNKNOWN_GROUP)
    names = sorted(values.unique())
    return names, pd.Categorical(values, categories=names).codes.astype(np.int64)


def passage_draws(strata: np.ndarray, n_bootstrap: int, seed: int) -> np.ndarray:
    """(n_bootstrap, n_passages) passage rows drawn with replacement within each stratum
    (document), the draws `analysis.prevalence.bootstrap_shares` makes for the same seed."""
    order = np.argsort(strata, kind="stable")
    _, starts, sizes = np.unique(strata[order], return_index=True, return_counts=True)
    stratum_index = np.repeat(np.arange(len(starts)), sizes)
    start_of, size_of = starts[stratum_index], sizes[stratum_index]
    rng = np.random.default_rng(seed)
    positions = start_of + rng.integers(0, size_of, size=(n_bootstrap, len(strata)))
    return np.asarray(order[positions])


def units_of_passages(units: SentenceUnits, n_passages: int) -> Callable[[np.ndarray], np.ndarray]:
    """A function from drawn passage rows to the unit rows they bring (all their sentences)."""
    order = np.argsort(units.passage, kind="stable")
    counts = np.bincount(units.passage, minlength=n_passages)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])

    def rows(drawn: np.ndarray) -> np.ndarray:
        sizes = counts[drawn]
        first = np.repeat(starts[drawn] - np.concatenate([[0], np.cumsum(sizes)[:-1]]), sizes)
        return np.asarray(order[first + np.arange(int(sizes.sum()))])

    return rows


def _check_nested(unit_groups: np.ndarray, strata: np.ndarray, name: str) -> None:
    per_stratum = pd.DataFrame({"s": strata, "g": unit_groups}).groupby("s")["g"].nunique()
    if (per_stratum > 1).any():
        raise UserError(f"a document spans more than one {name}; cannot resample within it")


@dataclass(frozen=True)
class Estimation:
    """How shares are estimated: the method, its calibration, the interval and flag rules."""

    method: Method
    calibration: Calibration | None
    bootstrap: Bootstrap
    max_abstained: float


def share_tables(
    passages: pd.DataFrame,
    units: SentenceUnits,
    groups: dict[str, str],
    estimation: Estimation,
) -> dict[str, pd.DataFrame]:
    """One table per grouping (name -> passages column): a row per (group value, theme).

    Columns: the group, theme, then SENTENCE_COLUMNS. `prevalence` is the estimator's share,
    `ci_low`/`ci_high` its percentile bootstrap interval (passages resampled within
    documents, one set of draws shared by every table), widened for flagged groups;
    `prevalence_soft` the soft mean for comparison; lift the share over the whole corpus's
    (estimated alike); `flagged` when the abstained share exceeds `max_abstained`.
    """
    if len(units.probs) == 0:
        raise UserError("no scored sentences to estimate prevalence from")
    method, calibration = estimation.method, estimation.calibration

    def estimate(probs: np.ndarray, weight: np.ndarray, codes: np.ndarray, n: int) -> np.ndarray:
        return estimate_shares(method, probs, weight, codes, n, calibration)

    strata = pd.factorize(passages["doc_id"])[0]
    coded = {name: group_codes(passages, column) for name, column in groups.items()}
    for name, (_, codes) in coded.items():
        _check_nested(codes, strata, name)
    zeros = np.zeros(len(units.probs), dtype=np.int64)
    overall = estimate(units.probs, units.weight, zeros, 1)[0]
    draws = passage_draws(strata, estimation.bootstrap.n_bootstrap, estimation.bootstrap.seed)
    rows_of = units_of_passages(units, len(passages))
    k = len(units.keys)
    replicates = {name: np.empty((len(draws), len(names), k)) for name, (names, _) in coded.items()}
    for b, drawn in enumerate(draws):
        rows = rows_of(drawn)
        probs, weight, passage = units.probs[rows], units.weight[rows], units.passage[rows]
        for name, (names, codes) in coded.items():
            replicates[name][b] = estimate(probs, weight, codes[passage], len(names))
    alpha = 1.0 - estimation.bootstrap.confidence
    known = np.isfinite(units.ood)  # fallback passages have no OOD score
    out = {}
    for name, (names, codes) in coded.items():
        unit_codes = codes[units.passage]
        n = len(names)
        shares = estimate(units.probs, units.weight, unit_codes, n)
        low, high = np.nanquantile(replicates[name], [alpha / 2, 1 - alpha / 2], axis=0)
        abstained = low_confidence_share(units.abstain, units.weight, unit_codes, n)
        flagged = abstained > estimation.max_abstained
        reach = np.where(flagged, abstained, 0.0)[:, None]
        low = np.minimum(low, np.clip(shares - reach, 0.0, 1.0))
        high = np.maximum(high, np.clip(shares + reach, 0.0, 1.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            lift = np.where(overall > 0, shares / overall, np.nan)
        out[name] = pd.DataFrame(
            {
                name: np.repeat(names, k),
                "theme": np.tile(units.keys, n),
                "prevalence": shares.ravel(),
                "ci_low": low.ravel(),
                "ci_high": high.ravel(),
                "lift": lift.ravel(),
                "n_passages": np.repeat(np.bincount(codes, minlength=n), k),
                "n_sentences": np.repeat(np.bincount(unit_codes, minlength=n), k),
                "prevalence_soft": soft_shares(units.probs, units.weight, unit_codes, n).ravel(),
                "low_confidence_share": np.repeat(abstained, k),
                "median_ood": np.repeat(median_ood(units.ood[known], unit_codes[known], n), k),
                "flagged": np.repeat(flagged, k),
            }
        )
    return out


def tilt_to_shares(
    probs: np.ndarray,
    weights: np.ndarray,
    groups: np.ndarray,
    targets: np.ndarray,
    *,
    tol: float = 1e-10,
    max_iter: int = 2000,
) -> np.ndarray:
    """Per-unit theme distributions whose weighted mean per group equals `targets`.

    Each group's probabilities are reweighted by one factor per theme,
    posterior_ik ∝ p_ik · λ_gk (rows rescaled to 1), the posterior of Saerens et al. (2002)
    for new priors, with λ_g found by iterative scaling (λ_gk ← λ_gk · target_gk / mean_gk)
    until no group mean is more than `tol` off. A target theme of 0 gets λ 0; a group
    whose target is NaN keeps its probabilities. Returns (n, k) rows summing to 1.
    """
    n_groups, k = targets.shape
    ok = np.isfinite(targets).all(axis=1)
    goal = np.where(ok[:, None], targets, 0.0)
    factor = np.where(goal > 0, 1.0, 0.0)
    factor[~ok] = 1.0
    totals = np.bincount(groups, weights=weights, minlength=n_groups)
    posterior = probs
    for _ in range(max_iter):
        scaled = probs * factor[groups]
        sums = scaled.sum(axis=1, keepdims=True)
        posterior = np.where(sums > 0, scaled / np.where(sums > 0, sums, 1.0), probs)
        mean = np.zeros((n_groups, k))
        np.add.at(mean, groups, weights[:, None] * posterior)
        mean /= np.where(totals > 0, totals, 1.0)[:, None]
        gap = np.abs(mean - goal)[ok]
        if not gap.size or gap.max() <= tol:
            break
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(mean > 0, goal / mean, 0.0)
        factor = np.where(ok[:, None], factor * step, factor)
    return np.asarray(posterior)


def estimator_passage_probs(
    units: SentenceUnits,
    passage_docs: np.ndarray,
    n_docs: int,
    method: Method,
    calibration: Calibration | None,
) -> np.ndarray:
    """Each passage's theme distribution consistent with the estimator's document shares:
    (n_passages, k). The units of each document are tilted (`tilt_to_shares`) so that their
    weighted mean is the estimator's share of the document; a passage is the weighted mean
    of its units. With the soft mean this is the passage's mean probability."""
    docs = passage_docs[units.passage]
    targets = estimate_shares(method, units.probs, units.weight, docs, n_docs, calibration)
    tilted = tilt_to_shares(units.probs, units.weight, docs, targets)
    n_passages = len(passage_docs)
    sums = np.zeros((n_passages, tilted.shape[1]))
    np.add.at(sums, units.passage, units.weight[:, None] * tilted)
    totals = np.bincount(units.passage, weights=units.weight, minlength=n_passages)
    return np.asarray(sums / np.where(totals > 0, totals, 1.0)[:, None])
