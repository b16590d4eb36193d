"""The estimators' calibration from out-of-fold probabilities, and their per-document error."""

from __future__ import annotations

import numpy as np
import pytest

from policytopics.analysis.quantify import Calibration
from policytopics.themes.calibration import (
    calibration_from,
    effective_priors,
    estimator_errors,
    per_document_errors,
)

# document X: one sentence of each theme; document Y: two sentences of theme 0
TRUE = np.array([0, 1, 0, 0])
PROBS = np.array([[0.8, 0.2], [0.3, 0.7], [0.6, 0.4], [0.4, 0.6]])
WEIGHTS = np.ones(4)
DOCUMENTS = ["X", "X", "Y", "Y"]
PRIORS = np.array([0.5, 0.5])


def test_priors_are_the_fit_weight_per_theme_after_balancing() -> None:
    themes, weights = ["a", "a", "b"], np.array([10.0, 1.0, 1.0])
    plain = effective_priors(themes, weights, ["a", "b", "c"], balanced=False)
    assert plain == pytest.approx([11 / 12, 1 / 12, 0.0])
    # balanced: n / (themes * count) = 3/4 for a, 3/2 for b
    balanced = effective_priors(themes, weights, ["a", "b", "c"], balanced=True)
    assert balanced == pytest.approx([8.25 / 9.75, 1.5 / 9.75, 0.0])


def test_calibration_holds_hard_and_soft_rates_and_survives_json() -> None:
    calibration = calibration_from(TRUE, PROBS, PRIORS)
    assert calibration.rates is not None and calibration.soft_rates is not None
    assert calibration.rates.tolist() == [[2 / 3, 1 / 3], [0.0, 1.0]]
    assert calibration.soft_rates == pytest.approx(np.array([[0.6, 0.4], [0.3, 0.7]]))
    back = Calibration.from_record(calibration.to_record(["a", "b"]), ["a", "b"])
    assert back.soft_rates == pytest.approx(calibration.soft_rates)
    with pytest.raises(ValueError, match="differ"):
        Calibration.from_record(calibration.to_record(["a", "b"]), ["b", "a"])


def test_each_document_is_corrected_by_the_other_documents_rates_only() -> None:
    names, errors = per_document_errors(TRUE, PROBS, WEIGHTS, DOCUMENTS, PRIORS)
    assert names == ["X", "Y"]
    # X: soft [0.55, 0.45] against [0.5, 0.5]; hard [0.5, 0.5] exact
    # Y: soft and hard [0.5, 0.5] against [1, 0]
    assert errors["soft"] == pytest.approx([0.05, 0.5])
    assert errors["hard"] == pytest.approx([0.0, 0.5])
    # ACC on X with Y's rates: R = [[0.5, 0.5], [0, 1]] (theme 1 unseen: identity row), so
    # q = [0.5, 0.5] solves to p = [1, 0]; on Y with X's rates (the identity) p = q
    assert errors["acc"] == pytest.approx([0.5, 0.5])


def test_estimator_errors_report_means_intervals_and_the_best() -> None:
    report = estimator_errors(
        TRUE, PROBS, WEIGHTS, DOCUMENTS, ["c1", "c1", "c2", "c2"], PRIORS, 200, 0.9, 0
    )
    assert report["documents"] == 2 and report["sentences"] == 4
    assert report["mae"]["soft"]["mae"] == pytest.approx(0.275)
    assert report["mae"]["hard"]["mae"] == pytest.approx(0.25)
    assert report["mae"]["hard"]["vs_soft"]["difference"] == pytest.approx(-0.025)
    low, high = report["mae"]["soft"]["low"], report["mae"]["soft"]["high"]
    assert 0.05 <= low <= 0.275 <= high <= 0.5
    assert report["by_corpus"]["c1"]["soft"] == pytest.approx(0.05)
    assert report["by_corpus"]["c2"]["documents"] == 1
    assert report["best"] == "hard"
    # c1 pooled (= X) with c2's rates: as X with Y's above
    assert report["pooled_by_corpus"]["c1"]["acc"] == pytest.approx(0.5)
    assert report["pooled_by_corpus"]["c2"]["soft"] == pytest.approx(0.5)
