"""Confidence, k-NN out-of-distribution scores and abstention on tiny hand-made vectors."""

from __future__ import annotations

import numpy as np
import pytest

from policytopics.themes import ood as ood_module
from policytopics.themes.ood import (
    OodModel,
    abstain,
    confidence,
    fit_ood,
    knn_distances,
    low_confidence_share,
    margin,
    median_ood,
    ood_percentiles,
    ood_scores,
)

# Four unit vectors in the plane: a, b (cos 0.6 to a), c (cos 0.8 to b), d = -a
A, B, C, D = (1.0, 0.0), (0.6, 0.8), (0.0, 1.0), (-1.0, 0.0)
TRAIN = np.array([A, B, C, D])


def test_leave_one_out_distances_of_a_tiny_set() -> None:
    # 1-NN without itself: a -> b 0.4, b -> c 0.2, c -> b 0.2, d -> c 1.0
    one = fit_ood(TRAIN, k=1)
    assert one.k == 1
    assert one.loo_distances == pytest.approx([0.2, 0.2, 0.4, 1.0], abs=1e-6)
    # 2-NN means: a (0.4, 1.0), b (0.2, 0.4), c (0.2, 1.0), d (1.0, 1.6)
    two = fit_ood(TRAIN, k=2)
    assert two.loo_distances == pytest.approx([0.3, 0.6, 0.7, 1.3], abs=1e-6)


def test_percentiles_count_training_distances_at_or_below() -> None:
    model = OodModel(reference=TRAIN, k=1, loo_distances=np.array([0.2, 0.2, 0.4, 1.0]))
    got = ood_percentiles(model, np.array([0.0, 0.2, 0.3, 0.4, 0.99, 1.0, 1.7]))
    assert got.tolist() == [0.0, 0.5, 0.5, 0.75, 0.75, 1.0, 1.0]


def test_ood_scores_of_training_near_and_far_vectors() -> None:
    model = fit_ood(TRAIN, k=1)
    scores = ood_scores(model, np.array([A, (0.8, 0.6), (0.0, -1.0)]))
    assert scores.tolist() == [0.0, 0.0, 1.0]  # a itself, near a and b, farther than d is


def test_a_far_vector_scores_high_and_training_vectors_low() -> None:
    rng = np.random.default_rng(3)
    cluster = np.zeros((60, 8))
    cluster[:, 0] = 1.0
    cluster += 0.2 * rng.normal(size=cluster.shape)
    model = fit_ood(cluster)
    assert model.k == 10
    far = -np.eye(8)[:1]
    assert ood_scores(model, far).tolist() == [1.0]
    training = ood_scores(model, cluster)
    own = ood_percentiles(model, knn_distances(cluster, cluster, 10, leave_one_out=True))
    assert np.all(training <= own)  # its own neighbour at distance 0 replaces its 10th
    assert training.mean() < 0.5 < own.mean()
    held_out = cluster[:5] + 0.2 * rng.normal(size=(5, 8))
    assert ood_scores(model, held_out).max() < 1.0


def test_knn_distances_are_scale_free_and_k_is_capped() -> None:
    distances = knn_distances(TRAIN, 5.0 * TRAIN[:1], 1)
    assert distances == pytest.approx([0.0], abs=1e-7)
    assert fit_ood(TRAIN[:3], k=10).k == 2
    with pytest.raises(ValueError, match="k must lie"):
        knn_distances(TRAIN, TRAIN, 4, leave_one_out=True)
    with pytest.raises(ValueError, match="at least two"):
        fit_ood(TRAIN[:1])


def test_ood_scores_are_deterministic() -> None:
    rng = np.random.default_rng(0)
    train, new = rng.normal(size=(40, 6)), rng.normal(size=(7, 6))
    first = ood_scores(fit_ood(train, k=3), new)
    assert np.array_equal(first, ood_scores(fit_ood(train, k=3), new))


def test_confidence_and_margin() -> None:
    probs = np.array([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8], [0.4, 0.4, 0.2]])
    assert confidence(probs).tolist() == [0.5, 0.8, 0.4]
    assert margin(probs) == pytest.approx([0.2, 0.7, 0.0])


def test_abstain_on_low_confidence_or_far_text() -> None:
    probs = np.array([[0.9, 0.1], [0.55, 0.45], [0.95, 0.05], [0.6, 0.4]])
    ood = np.array([0.5, 0.5, 0.999, 0.99])
    mask = abstain(probs, ood, min_confidence=0.6, max_ood=0.99)
    assert mask.tolist() == [False, True, True, False]


def test_low_confidence_share_per_group() -> None:
    share = low_confidence_share(
        np.array([True, False, True]), np.array([1.0, 3.0, 2.0]), np.array([0, 0, 1]), 3
    )
    assert share[:2].tolist() == [0.25, 1.0]
    assert np.isnan(share[2])


def test_median_ood_per_group() -> None:
    ood = np.array([0.2, 0.9, 0.5, 0.99, 0.1])
    got = median_ood(ood, np.array([0, 0, 0, 2, 0]), 3)
    assert got[0] == pytest.approx(0.35)  # median of 0.2 0.9 0.5 0.1
    assert np.isnan(got[1])
    assert got[2] == 0.99


def test_median_ood_of_nothing_is_nan() -> None:
    assert np.isnan(median_ood(np.zeros(0), np.zeros(0, dtype=np.int64), 2)).all()


def test_distances_are_the_same_in_small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(1)
    train, new = rng.normal(size=(9, 4)), rng.normal(size=(7, 4))
    whole = knn_distances(train, new, 3), knn_distances(train, train, 3, leave_one_out=True)
    monkeypatch.setattr(ood_module, "_BLOCK_BYTES", 8 * 9 * 2)  # two query rows per block
    blocks = knn_distances(train, new, 3), knn_distances(train, train, 3, leave_one_out=True)
    assert blocks[0] == pytest.approx(whole[0], abs=1e-12)
    assert blocks[1] == pytest.approx(whole[1], abs=1e-12)
