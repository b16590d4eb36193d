"""Theme shares from sentence scores by the chosen estimator: exact shares, abstained text,
flagged documents, intervals, and passage probabilities consistent with the estimator."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from policytopics.analysis.prevalence import Bootstrap, prevalence_table
from policytopics.analysis.quantify import Calibration, soft_shares
from policytopics.analysis.sentence_shares import (
    Estimation,
    SentenceUnits,
    calibration_of,
    estimator_passage_probs,
    passage_draws,
    sentence_units,
    share_tables,
    tilt_to_shares,
    units_of_passages,
)
from policytopics.errors import UserError

# 江阳区: document A, passages A/p0 (two sentences) and A/p1 (one); 渝北区: document B, one
# passage of two sentences, both abstained; B/p1 has no scored sentence (passage row used)
PASSAGES = pd.DataFrame(
    {
        "passage_id": ["A/p0", "A/p1", "B/p0", "B/p1"],
        "doc_id": ["A", "A", "B", "B"],
        "locality": ["江阳区", "江阳区", "渝北区", "渝北区"],
        "year": pd.array([2021, 2021, 2022, 2022], dtype="Int64"),
        "n_chars": [40, 20, 50, 10],
    }
)
SENTENCES = pd.DataFrame(
    {
        "sentence_id": ["A/p0/s0", "A/p0/s1", "A/p1/s0", "B/p0/s0", "B/p0/s1"],
        "passage_id": ["A/p0", "A/p0", "A/p1", "B/p0", "B/p0"],
        "p_liquor_industry": [0.9, 0.4, 0.8, 0.3, 0.45],
        "p_ecology": [0.1, 0.6, 0.2, 0.7, 0.55],
        "n_chars": [10, 30, 20, 40, 10],
        "ood": [0.2, 0.995, 0.4, 0.999, 0.6],
        "abstain": [False, True, False, True, True],
    }
)
PASSAGE_THEMES = pd.DataFrame(
    {
        "passage_id": ["A/p0", "A/p1", "B/p0", "B/p1"],
        "p_liquor_industry": [0.525, 0.8, 0.33, 1.0],
        "p_ecology": [0.475, 0.2, 0.67, 0.0],
    }
)
BOOT = Bootstrap(n_bootstrap=400, confidence=0.9, seed=3)


def units(equal: bool = False) -> SentenceUnits:
    return sentence_units(PASSAGES, SENTENCES, PASSAGE_THEMES, equal_weights=equal)


def test_units_are_the_sentences_plus_passages_without_one() -> None:
    found = units()
    assert found.keys == ["liquor_industry", "ecology"]
    assert found.passage.tolist() == [0, 0, 1, 2, 2, 3]
    assert found.weight.tolist() == [10, 30, 20, 40, 10, 10]
    assert found.probs[-1].tolist() == [1.0, 0.0]  # B/p1's passage row
    assert found.abstain.tolist() == [False, True, False, True, True, False]
    assert np.isnan(found.ood[-1])
    # equal weights: each passage weighs 1 in all
    assert units(equal=True).weight.tolist() == [0.5, 0.5, 1.0, 0.5, 0.5, 1.0]


def test_drawn_passages_bring_all_their_sentences() -> None:
    rows = units_of_passages(units(), 4)
    assert rows(np.array([2, 0, 0, 3])).tolist() == [3, 4, 0, 1, 0, 1, 5]


def test_hard_shares_abstained_share_and_a_flagged_document() -> None:
    estimation = Estimation("hard", None, BOOT, max_abstained=0.6)
    groups = {"locality": "locality", "doc_id": "doc_id"}
    tables = share_tables(PASSAGES, units(), groups, estimation)
    by_doc = tables["doc_id"].set_index(["doc_id", "theme"])
    # A: liquor 10 + 20 of 60 characters; B: ecology 50, liquor (B/p1) 10 of 60
    assert by_doc.loc[("A", "liquor_industry"), "prevalence"] == pytest.approx(0.5)
    assert by_doc.loc[("B", "ecology"), "prevalence"] == pytest.approx(50 / 60)
    assert by_doc.loc[("A", "ecology"), "prevalence_soft"] == pytest.approx(23 / 60)
    assert by_doc.loc[("A", "ecology"), "low_confidence_share"] == pytest.approx(0.5)
    assert by_doc.loc[("B", "ecology"), "low_confidence_share"] == pytest.approx(50 / 60)
    assert by_doc.loc[("A", "ecology"), "median_ood"] == pytest.approx(0.4)
    assert by_doc.loc[("B", "ecology"), "median_ood"] == pytest.approx(0.7995)
    assert by_doc["flagged"].tolist() == [False, False, True, True]
    # B abstained on 5/6 of its text: its interval reaches at least that far from its share
    assert by_doc.loc[("B", "ecology"), "ci_low"] == pytest.approx(0.0)
    assert by_doc.loc[("B", "liquor_industry"), "ci_high"] == pytest.approx(1.0)
    assert by_doc["ci_high"].to_numpy(dtype=float)[1] < 1.0  # A, ecology
    assert tables["locality"]["n_sentences"].tolist() == [3, 3, 3, 3]
    assert tables["locality"]["n_passages"].tolist() == [2, 2, 2, 2]


def test_one_sentence_per_passage_soft_reproduces_the_passage_bootstrap() -> None:
    single = SENTENCES.drop_duplicates("passage_id").assign(abstain=False)
    single = single.assign(n_chars=[40, 20, 50])
    found = sentence_units(PASSAGES, single, PASSAGE_THEMES)
    table = share_tables(
        PASSAGES, found, {"locality": "locality"}, Estimation("soft", None, BOOT, 1.0)
    )["locality"]
    reference = prevalence_table(
        PASSAGES,
        found.probs[np.argsort(found.passage)],
        found.keys,
        group="locality",
        label_name="theme",
        bootstrap=BOOT,
    )
    for column in ("prevalence", "ci_low", "ci_high", "lift"):
        assert table[column].to_numpy() == pytest.approx(reference[column].to_numpy())


def test_passage_draws_stay_inside_their_document() -> None:
    draws = passage_draws(np.array([0, 0, 1, 1, 1]), 50, 1)
    assert set(draws[:, :2].ravel()) <= {0, 1} and set(draws[:, 2:].ravel()) <= {2, 3, 4}


def test_tilted_probabilities_average_to_the_target_shares() -> None:
    probs = np.array([[0.8, 0.2], [0.5, 0.5], [0.1, 0.9]])
    weights, groups = np.array([1.0, 2.0, 1.0]), np.array([0, 0, 1])
    targets = np.array([[0.25, 0.75], [1.0, 0.0]])
    tilted = tilt_to_shares(probs, weights, groups, targets)
    assert soft_shares(tilted, weights, groups, 2) == pytest.approx(targets, abs=1e-9)
    assert tilted[2].tolist() == [1.0, 0.0]
    same = tilt_to_shares(probs, weights, groups, soft_shares(probs, weights, groups, 2))
    assert same == pytest.approx(probs)


def test_passage_probabilities_follow_the_estimator_per_document() -> None:
    found = units()
    docs = np.array([0, 0, 1, 1])
    soft = estimator_passage_probs(found, docs, 2, "soft", None)
    assert soft[0] == pytest.approx([0.525, 0.475])  # (10 * 0.9 + 30 * 0.4) / 40
    hard = estimator_passage_probs(found, docs, 2, "hard", None)
    lengths = PASSAGES["n_chars"].to_numpy(dtype=float)
    # B's target needs no liquor at all in B/p0 (B/p1 holds all 10/60): λ only tends to 0
    assert soft_shares(hard, lengths, docs, 2) == pytest.approx(
        np.array([[0.5, 0.5], [10 / 60, 50 / 60]]), abs=1e-4
    )


def test_an_adjusting_estimator_without_a_calibration_is_an_error() -> None:
    keys = ["liquor_industry", "ecology"]
    assert calibration_of(None, keys, "hard") is None
    with pytest.raises(UserError, match="needs the classifier's calibration"):
        calibration_of(None, keys, "pacc")
    record = Calibration(soft_rates=np.eye(2)).to_record(keys)
    assert calibration_of(record, keys, "pacc") is not None
    with pytest.raises(UserError, match="differ"):
        calibration_of(record, keys[::-1], "pacc")
