import math

import pytest

from policytopics.models.quality import coherence_per_topic, topic_diversity, topic_quality

ECOLOGY = ["生态", "长江", "污染"]
DIGITAL = ["数字", "经济", "数据"]
# Each topic's words always occur together and never with the other topic's words.
TEXTS = [ECOLOGY] * 10 + [DIGITAL] * 10


def test_coherent_topics_score_higher_than_mixed_topics() -> None:
    coherent = topic_quality([ECOLOGY, DIGITAL], TEXTS)
    mixed = topic_quality([["生态", "数字", "污染"], ["长江", "经济", "数据"]], TEXTS)
    assert coherent["c_npmi"] == pytest.approx(1.0)
    assert coherent["c_v"] == pytest.approx(1.0)
    assert mixed["c_npmi"] < 0 < coherent["c_npmi"]
    assert mixed["c_v"] < coherent["c_v"]


def test_quality_returns_both_measures_and_is_deterministic() -> None:
    topics = [["生态", "数字", "污染"], ECOLOGY]
    first = topic_quality(topics, TEXTS, top_n=3)
    assert set(first) == {"c_v", "c_npmi"}
    assert topic_quality(topics, TEXTS, top_n=3) == first


def test_words_missing_from_texts_are_ignored_and_lone_words_are_not_scored() -> None:
    scores = coherence_per_topic([["生态", "长江", "不存在"], ["数字", "缺失"]], TEXTS, "c_npmi")
    assert scores[0] == pytest.approx(1.0)
    assert math.isnan(scores[1])
    assert topic_quality([["生态", "长江", "不存在"], ["数字", "缺失"]], TEXTS)[
        "c_npmi"
    ] == pytest.approx(1.0)


def test_top_n_cuts_each_topic() -> None:
    # Only the first two words count: both co-occur perfectly.
    scores = coherence_per_topic([["生态", "长江", "数字"]], TEXTS, "c_npmi", top_n=2)
    assert scores == [pytest.approx(1.0)]


def test_unknown_measure_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown coherence measure"):
        coherence_per_topic([ECOLOGY], TEXTS, "u_mass")


def test_diversity_exact_values() -> None:
    assert topic_diversity([["a", "b"], ["b", "c"]]) == 0.75
    assert topic_diversity([ECOLOGY, DIGITAL]) == 1.0
    assert topic_diversity([ECOLOGY, ECOLOGY]) == 0.5
    # only the top `top_n` words of each topic count
    assert topic_diversity([["a", "b", "x"], ["a", "c", "x"]], top_n=2) == 0.75
    assert math.isnan(topic_diversity([]))
