"""Weak labels as params.yaml's classify.weak_labels switches them: votes of both topic models."""

import pandas as pd

from policytopics.config import WeakLabelParams
from policytopics.themes.lexicon import load_lexicon
from policytopics.themes.weak_labels import candidates, topic_votes

LEXICON = load_lexicon()
PASSAGES = pd.DataFrame(
    {
        "passage_id": ["p1", "p2", "p3"],
        "section_path": ["第一节提质发展白酒产业集群", "", ""],
        "text": [
            "支持酒企技改扩能，做强白酒品牌。",
            "打好蓝天保卫战、碧水保卫战。",
            "推进项目建设。",
        ],
    }
)
TOPIC_THEMES = pd.DataFrame(
    {
        "model": ["lda", "lda", "bertopic", "bertopic"],
        "topic": [0, 1, 0, 1],
        "theme": ["ecology", "general", "ecology", "liquor_industry"],
        "score": [0.9, 0.9, 0.9, 0.4],
    }
)
LDA = pd.DataFrame(
    {"passage_id": ["p1", "p2", "p3"], "topic_0": [0.2, 0.9, 0.3], "topic_1": [0.8, 0.1, 0.7]}
)
BERTOPIC = pd.DataFrame(
    {"passage_id": ["p1", "p2", "p3"], "topic": [1, 0, 0], "probability": [0.9, 0.9, 0.5]}
)


def test_topic_votes_are_one_series_per_model_with_the_thresholds_of_params() -> None:
    lda, bertopic = topic_votes(TOPIC_THEMES, LDA, BERTOPIC, WeakLabelParams())
    assert lda.to_dict() == {"p1": "general", "p2": "ecology", "p3": "general"}
    # p1's BERTopic topic maps with score 0.4 < 0.5; p3's topic share 0.5 < 0.6
    assert bertopic.to_dict() == {"p2": "ecology"}
    strict = WeakLabelParams(topic_min_probability=0.85)
    assert topic_votes(TOPIC_THEMES, LDA, BERTOPIC, strict)[0].to_dict() == {"p2": "ecology"}


def test_candidates_follow_the_switches() -> None:
    votes = topic_votes(TOPIC_THEMES, LDA, BERTOPIC, WeakLabelParams())
    params = WeakLabelParams(lexicon_min_count=2, lexicon_min_ratio=2.0)
    assert candidates(PASSAGES, LEXICON, params, votes) == {
        "heading": {"p1": "liquor_industry"},
        "lexicon": {"p1": "liquor_industry", "p2": "ecology"},
        "topic": {"p1": "general", "p2": "ecology", "p3": "general"},
    }
    off = params.model_copy(update={"heading": False, "lexicon": False, "topic": False})
    assert candidates(PASSAGES, LEXICON, off, votes) == {"heading": {}, "lexicon": {}, "topic": {}}
