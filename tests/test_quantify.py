"""Prevalence estimators on tiny hand-made matrices with exact expectations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from policytopics.analysis.prevalence import bootstrap_shares
from policytopics.analysis.quantify import (
    METHODS,
    Calibration,
    _group_sums,
    acc_shares,
    adjust_shares,
    bootstrap_estimates,
    em_priors,
    em_shares,
    estimate_shares,
    hard_shares,
    misclassification_rates,
    pacc_shares,
    soft_shares,
)

# 3 sentences x 2 themes; sentences 0 and 1 in group 0, sentence 2 in group 1
PROBS = np.array([[0.9, 0.1], [0.4, 0.6], [0.7, 0.3]])
WEIGHTS = np.array([1.0, 2.0, 1.0])
GROUPS = np.array([0, 0, 1])


def test_soft_shares_are_the_weighted_mean_probability() -> None:
    shares = soft_shares(PROBS, WEIGHTS, GROUPS, 2)
    assert shares == pytest.approx(np.array([[1.7 / 3, 1.3 / 3], [0.7, 0.3]]))


def test_hard_shares_count_each_sentence_weight_for_its_argmax() -> None:
    shares = hard_shares(PROBS, WEIGHTS, GROUPS, 2)
    assert shares.tolist() == [[1 / 3, 2 / 3], [1.0, 0.0]]


def test_counting_by_cells_gives_the_bits_of_summing_rows_in_order() -> None:
    """`_group_sums` and `hard_shares` count with one bincount; the sums must be bitwise those
    of adding each sentence's row in order (np.add.at), the committed figures' arithmetic."""
    rng = np.random.default_rng(3)
    probs = rng.random((500, 4))
    probs[:50] = 0.25  # ties: the first theme, as argmax
    weights = rng.random(500) * 300
    groups = rng.integers(0, 7, 500)
    rows = np.zeros((7, 4))
    np.add.at(rows, groups, weights[:, None] * probs)
    assert _group_sums(probs, weights, groups, 7).tobytes() == rows.tobytes()
    onehot = np.zeros((7, 4))
    np.add.at(onehot, groups, weights[:, None] * np.eye(4)[probs.argmax(axis=1)])
    expected = onehot / onehot.sum(axis=1, keepdims=True)
    assert hard_shares(probs, weights, groups, 7).tobytes() == expected.tobytes()


def test_a_group_without_sentences_gets_nan() -> None:
    shares = hard_shares(PROBS, WEIGHTS, GROUPS, 3)
    assert np.isnan(shares[2]).all()
    assert shares[1].tolist() == [1.0, 0.0]


def test_group_codes_outside_the_range_are_an_error() -> None:
    with pytest.raises(ValueError, match="group codes"):
        soft_shares(PROBS, WEIGHTS, np.array([0, 0, 2]), 2)


def test_misclassification_rates_hard_and_soft() -> None:
    true = np.array([0, 0, 0, 0, 1, 1])
    probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.6, 0.4], [0.3, 0.7], [0.2, 0.8], [0.5, 0.5]])
    hard = misclassification_rates(true, probs)
    assert hard.tolist() == [[0.75, 0.25], [0.5, 0.5]]  # a tie goes to the first theme
    soft = misclassification_rates(true, probs, soft=True)
    assert soft == pytest.approx(np.array([[0.65, 0.35], [0.35, 0.65]]))


def test_a_theme_without_held_out_sentences_gets_the_identity_row() -> None:
    rates = misclassification_rates(np.array([0, 1]), np.array([[0.9, 0.1, 0], [0.2, 0.8, 0]]))
    assert rates.tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 1]]


def test_adjust_inverts_a_known_misclassification_matrix_exactly() -> None:
    rates = np.array([[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.0, 0.3, 0.7]])
    truth = np.array([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8]])
    observed = truth @ rates
    for solver in ("clip", "simplex"):
        assert adjust_shares(observed, rates, solver) == pytest.approx(truth, abs=1e-6)


def test_adjust_clips_a_negative_solution_to_the_simplex() -> None:
    rates = np.array([[0.8, 0.2], [0.3, 0.7]])
    # 0.85 = 0.8 p + 0.3 (1 - p) gives p = 1.1: clipped to (1, 0)
    assert adjust_shares(np.array([0.85, 0.15]), rates, "clip").tolist() == [[1.0, 0.0]]
    simplex = adjust_shares(np.array([0.85, 0.15]), rates, "simplex")
    assert simplex == pytest.approx(np.array([[1.0, 0.0]]), abs=1e-9)


def test_acc_undoes_the_confusion_of_hard_counts() -> None:
    # theme 0 is predicted right 3 times in 4, theme 1 always: a document that is 50/50
    # in truth is counted 3/8 : 5/8, and ACC gives back 1/2 : 1/2
    rates = np.array([[0.75, 0.25], [0.0, 1.0]])
    probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.1, 0.9], [0.2, 0.8], [0.4, 0.6]])
    weights = np.array([1.0, 2.0, 1.0, 1.0, 2.0, 1.0])
    groups = np.zeros(6, dtype=np.int64)
    assert hard_shares(probs, weights, groups, 1).tolist() == [[3 / 8, 5 / 8]]
    assert acc_shares(probs, weights, groups, 1, rates) == pytest.approx(np.array([[0.5, 0.5]]))


def test_pacc_undoes_the_spread_of_soft_probabilities() -> None:
    soft_rates = np.array([[0.7, 0.3], [0.2, 0.8]])  # truth (0.6, 0.4) -> soft (0.5, 0.5)
    probs = np.array([[0.5, 0.5], [0.5, 0.5]])
    shares = pacc_shares(probs, np.ones(2), np.zeros(2, dtype=np.int64), 1, soft_rates)
    assert shares == pytest.approx(np.array([[0.6, 0.4]]))


# A discrete feature x in {0, 1, 2} with known class-conditional distributions
LIKELIHOOD = np.array([[0.6, 0.3, 0.1], [0.1, 0.3, 0.6]])  # P(x | theme), rows: themes


def _posteriors(priors: np.ndarray) -> np.ndarray:
    """P(theme | x) for each x under `priors` (Bayes): rows x, columns themes."""
    joint = (priors[:, None] * LIKELIHOOD).T
    return np.asarray(joint / joint.sum(axis=1, keepdims=True))


def test_em_recovers_a_known_prior_shift_exactly() -> None:
    train = np.array([0.5, 0.5])
    shifted = np.array([0.8, 0.2])
    frequency = shifted @ LIKELIHOOD  # each x's share of a large shifted document: .5 .3 .2
    probs = _posteriors(train)  # what a classifier trained at 50/50 says for each x
    priors, posteriors, rounds = em_priors(probs, train, frequency, tol=1e-13, max_iter=10_000)
    assert priors == pytest.approx(shifted, abs=1e-9)
    assert posteriors == pytest.approx(_posteriors(shifted), abs=1e-9)
    assert 1 < rounds < 10_000
    soft = soft_shares(probs, frequency, np.zeros(3, dtype=np.int64), 1)[0]
    assert soft[0] == pytest.approx(0.5 * 6 / 7 + 0.3 * 0.5 + 0.2 / 7)  # 0.607: soft falls short


def test_em_recovers_priors_from_a_sample_of_known_gaussians() -> None:
    rng = np.random.default_rng(7)
    train, shifted = np.array([0.3, 0.7]), np.array([0.8, 0.2])
    themes = rng.choice(2, size=20_000, p=shifted)
    x = rng.normal(np.where(themes == 0, -1.0, 1.0), 1.0)
    density = np.exp(-0.5 * (x[:, None] - np.array([-1.0, 1.0])) ** 2)
    probs = train * density / (train * density).sum(axis=1, keepdims=True)
    groups = np.zeros(len(x), dtype=np.int64)
    priors = em_shares(probs, np.ones(len(x)), groups, 1, train, pseudo_count=0)[0]
    shrunk = em_shares(probs, np.ones(len(x)), groups, 1, train)[0]  # 5 of 20,000: no matter
    assert priors == pytest.approx(shifted, abs=0.015)
    assert shrunk == pytest.approx(priors, abs=1e-3)
    assert probs.mean(axis=0)[0] < 0.65  # the soft mean is far off


def test_em_with_training_priors_equal_to_the_truth_stays_put() -> None:
    train = np.array([0.5, 0.5])
    frequency = train @ LIKELIHOOD
    priors = em_priors(_posteriors(train), train, frequency, tol=1e-13, max_iter=10_000)[0]
    assert priors == pytest.approx(train, abs=1e-9)


def test_em_on_one_confident_sentence_runs_to_certainty_without_a_guard() -> None:
    probs = np.array([[0.9, 0.1]])
    priors = em_priors(probs, np.array([0.5, 0.5]), tol=1e-12)[0]
    assert priors == pytest.approx(np.array([1.0, 0.0]), abs=1e-9)


def test_em_pseudo_count_holds_a_short_group_near_its_soft_mean() -> None:
    # one sentence (0.9, 0.1), training 50/50, pseudo-count 1 sentence: the fixed point p of
    # p = (0.9 p / (0.1 + 0.8 p) + 0.9) / 2, i.e. 1.6 p^2 - 1.42 p - 0.09 = 0
    expected = (1.42 + math.sqrt(1.42**2 + 4 * 1.6 * 0.09)) / (2 * 1.6)
    priors = em_priors(np.array([[0.9, 0.1]]), np.array([0.5, 0.5]), pseudo_count=1, tol=1e-13)[0]
    assert priors == pytest.approx(np.array([expected, 1 - expected]), abs=1e-9)


def test_em_shares_keeps_the_soft_mean_below_min_sentences() -> None:
    train = np.array([0.5, 0.5])
    shares = em_shares(PROBS, WEIGHTS, GROUPS, 2, train, pseudo_count=0, min_sentences=2, tol=1e-12)
    assert shares[1] == pytest.approx(np.array([0.7, 0.3]))  # one sentence: soft mean
    expected = em_priors(PROBS[:2], train, WEIGHTS[:2], tol=1e-12)[0]
    assert shares[0] == pytest.approx(expected)
    assert shares[0][0] != pytest.approx(1.7 / 3)  # group 0 was re-estimated


def test_em_weights_count_as_relative_sentence_weights() -> None:
    train = np.array([0.5, 0.5])
    probs = np.array([[0.9, 0.1], [0.2, 0.8]])
    a = em_priors(probs, train, np.array([1.0, 3.0]), pseudo_count=2, tol=1e-13)[0]
    b = em_priors(probs, train, np.array([100.0, 300.0]), pseudo_count=2, tol=1e-13)[0]
    assert a == pytest.approx(b)


def test_em_shares_default_pseudo_count_shrinks_a_one_sentence_group() -> None:
    probs, one = np.array([[0.9, 0.1]]), np.zeros(1, dtype=np.int64)
    train = np.array([0.5, 0.5])
    shrunk = em_shares(probs, np.ones(1), one, 1, train, tol=1e-13)[0]
    expected = em_priors(probs, train, pseudo_count=5, tol=1e-13)[0]
    assert shrunk == pytest.approx(expected)
    assert 0.9 < shrunk[0] < 0.95  # the raw EM would say 1.0


def test_estimate_shares_dispatches_by_name() -> None:
    rates = np.array([[0.8, 0.2], [0.3, 0.7]])
    calibration = Calibration(rates=rates, soft_rates=rates, train_priors=np.array([0.5, 0.5]))
    expected = {
        "soft": soft_shares(PROBS, WEIGHTS, GROUPS, 2),
        "hard": hard_shares(PROBS, WEIGHTS, GROUPS, 2),
        "acc": acc_shares(PROBS, WEIGHTS, GROUPS, 2, rates),
        "pacc": pacc_shares(PROBS, WEIGHTS, GROUPS, 2, rates),
        "em": em_shares(PROBS, WEIGHTS, GROUPS, 2, np.array([0.5, 0.5])),
    }
    assert set(expected) == set(METHODS)
    for method in METHODS:
        got = estimate_shares(method, PROBS, WEIGHTS, GROUPS, 2, calibration)
        assert got.tolist() == expected[method].tolist()


def test_estimate_shares_says_what_calibration_is_missing() -> None:
    with pytest.raises(ValueError, match=r"calibration\.soft_rates"):
        estimate_shares("pacc", PROBS, WEIGHTS, GROUPS, 2, Calibration(rates=np.eye(2)))
    with pytest.raises(ValueError, match="method must be"):
        estimate_shares("median", PROBS, WEIGHTS, GROUPS, 2)  # type: ignore[arg-type]


def test_bootstrap_estimates_draw_as_the_prevalence_bootstrap_does() -> None:
    probs = np.array([[0.9, 0.1], [0.4, 0.6], [0.7, 0.3], [0.2, 0.8], [0.5, 0.5]])
    weights = np.array([1.0, 2.0, 3.0, 1.0, 2.0])
    strata = np.array([1, 0, 1, 2, 0])  # documents 0 and 1 in group 0, document 2 in group 1
    groups = np.array([0, 0, 0, 1, 0])
    ours = bootstrap_estimates(soft_shares, probs, weights, groups, strata, 2, 30, seed=5)
    theirs = bootstrap_shares(weights, probs, groups, strata, 2, 30, seed=5)
    assert ours.shape == (30, 2, 2)
    assert ours == pytest.approx(theirs, abs=1e-12)
    assert np.all(ours[:, 1] == probs[3])  # a one-sentence document is always itself
    again = bootstrap_estimates(hard_shares, probs, weights, groups, strata, 2, 30, seed=5)
    assert np.array_equal(
        again, bootstrap_estimates(hard_shares, probs, weights, groups, strata, 2, 30, seed=5)
    )


def test_em_shares_of_no_sentences_is_nan() -> None:
    empty = np.zeros((0, 2))
    none = np.zeros(0, dtype=np.int64)
    shares = em_shares(empty, np.zeros(0), none, 2, np.array([0.5, 0.5]))
    assert shares.shape == (2, 2)
    assert np.isnan(shares).all()
