"""The classifier bundle's OOD reference: fitted at training, scored per text; bundles
saved before it existed still load (their records carry "ood": null)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from _theme_fixtures import SENTENCES, FakeEmbedder, save_pre_ood_bundle
from _theme_fixtures import fitted_bundle as shared_fitted_bundle

from policytopics.themes.bundle import (
    ClassifierBundle,
    classify_texts,
    load_bundle,
    save_bundle,
    training_ood,
)

DIGITAL = "建设大数据中心，发展数字经济。"


def fitted_bundle(with_ood: bool = True) -> ClassifierBundle:
    return shared_fitted_bundle(FakeEmbedder(), with_ood)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("classifier")
    save_bundle(fitted_bundle(), directory)
    return directory


@pytest.fixture(scope="module")
def old_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bundle pickled before ClassifierBundle had an `ood` field."""
    return save_pre_ood_bundle(FakeEmbedder(), tmp_path_factory.mktemp("old_classifier"))


def test_training_ood_needs_two_rows_and_stacks_its_parts() -> None:
    rows = np.eye(3, dtype=np.float32)
    assert training_ood(rows[:1], rows[:0]) is None
    model = training_ood(rows[:2], rows[2:])
    assert model is not None and model.reference.shape == (3, 3) and model.k == 2


def test_a_bundle_saved_before_ood_existed_loads_and_scores_null(old_model_dir: Path) -> None:
    bundle = load_bundle(old_model_dir)
    assert bundle.ood is None and bundle.spec()["ood"] is None
    (record,) = classify_texts([DIGITAL], bundle, embedder=FakeEmbedder())
    assert record["ood"] is None and record["theme"] == "digital_economy"


def test_records_carry_confidence_margin_and_ood(model_dir: Path) -> None:
    bundle = load_bundle(model_dir)
    assert bundle.spec()["ood"] == {"k": 10, "reference_texts": len(SENTENCES)}
    (record,) = classify_texts([DIGITAL], bundle, embedder=FakeEmbedder())
    scores = record["scores"]
    assert isinstance(scores, dict)
    top, second = sorted(scores.values(), reverse=True)[:2]
    assert record["confidence"] == top
    assert record["margin"] == pytest.approx(top - second, abs=2e-4)
    assert isinstance(record["ood"], float) and 0.0 <= record["ood"] <= 1.0
    assert record["known_words"] == 2  # its tokens: 数据中心, 数字经济 (both seen in training)


def test_the_trained_bundle_keeps_the_fit_rows_as_its_ood_reference() -> None:
    from test_classifier import train_fixture

    _, result = train_fixture()
    bundle = result.bundle  # type: ignore[attr-defined]
    assert bundle.ood is not None
    # 16 hand items (final_fit: all) and the weak passages that hold none of them
    assert len(bundle.ood.reference) == 16 + len(result.weak_labels)  # type: ignore[attr-defined]
