"""Weak labels for the classifier from the pipeline's own outputs: headings, lexicon, topics."""

from __future__ import annotations

import pandas as pd

from policytopics.config import WeakLabelParams
from policytopics.themes.labels import (
    dominant_topics_lda,
    topic_themes_for_passages,
    weak_label_candidates,
)
from policytopics.themes.lexicon import Lexicon


def topic_votes(
    topic_themes: pd.DataFrame,
    lda_doc_topics: pd.DataFrame,
    bertopic_doc_topics: pd.DataFrame,
    params: WeakLabelParams,
) -> list[pd.Series]:
    """passage_id -> theme of each passage whose dominant topic is confidently mapped, per
    model (LDA, then BERTopic)."""
    lda = dominant_topics_lda(lda_doc_topics)
    return [
        topic_themes_for_passages(
            table, topic_themes, model, params.topic_min_probability, params.topic_min_score
        )
        for model, table in (("lda", lda), ("bertopic", bertopic_doc_topics))
    ]


def candidates(
    passages: pd.DataFrame,
    lexicon: Lexicon,
    params: WeakLabelParams,
    votes: list[pd.Series],
) -> dict[str, dict[str, str]]:
    """Weak labels per source as `params` switches them on (topic votes from `topic_votes`)."""
    return weak_label_candidates(
        passages,
        lexicon,
        headings=params.heading,
        lexicon_dominance=(params.lexicon_min_count, params.lexicon_min_ratio)
        if params.lexicon
        else None,
        topic_votes=votes if params.topic else [],
    )
