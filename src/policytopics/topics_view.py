"""`policytopics topics`: a topic model's topics with their top words, mapped theme and size
(pure: the pipeline's tables in, one row per topic out)."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

Model = Literal["lda", "bertopic"]
MODELS: tuple[Model, ...] = ("lda", "bertopic")
COLUMNS = ["topic", "passages", "share", "theme", "theme_score", "top_words"]


def lda_sizes(doc_topics: pd.DataFrame) -> pd.Series:
    """Passages per LDA topic: each modelled passage counted under its most probable topic."""
    columns = sorted(
        (c for c in doc_topics.columns if c.startswith("topic_")), key=lambda c: int(c[6:])
    )
    rows = doc_topics
    if "status" in doc_topics.columns:
        rows = doc_topics[doc_topics["status"] == "modelled"]
    topics = np.array([int(c[6:]) for c in columns])
    top = topics[rows[columns].to_numpy().argmax(axis=1)] if len(rows) else np.array([], int)
    return pd.Series(top).value_counts().reindex(topics, fill_value=0).astype(int)


def bertopic_sizes(assignments: pd.DataFrame) -> pd.Series:
    """Passages per BERTopic topic (its assignment; -1 = outliers)."""
    return assignments["topic"].astype(int).value_counts().sort_index().astype(int)


def topic_rows(
    words: pd.DataFrame, themes: pd.DataFrame, sizes: pd.Series, model: Model, top: int
) -> list[dict[str, Any]]:
    """One row per topic of `model`, in topic order: its `top` words (by rank), passages and
    share of the passages, and the theme it is mapped to with the mapping's score.

    `words`: topic, rank, word (reports/<model>/topics.csv); `themes`: model, topic, theme,
    score (reports/themes/topic_themes.csv); `sizes`: passages per topic. The BERTopic
    outlier topic -1 is a row when it has passages (no theme, no words).
    """
    by_topic: dict[int, list[str]] = {}
    ordered = words.sort_values(["topic", "rank"], kind="stable")
    for topic, word in zip(ordered["topic"].astype(int), ordered["word"].astype(str), strict=True):
        if len(by_topic.setdefault(int(topic), [])) < top:
            by_topic[int(topic)].append(word)
    mapped = themes[themes["model"] == model]
    theme_of = {
        int(t): (str(k), float(s))
        for t, k, s in zip(mapped["topic"], mapped["theme"], mapped["score"], strict=True)
    }
    total = int(sizes.sum())
    topics = sorted(set(by_topic) | {int(t) for t in sizes.index if sizes[t] > 0})
    rows = []
    for topic in topics:
        theme, score = theme_of.get(topic, (None, None))
        size = int(sizes.get(topic, 0))
        rows.append(
            {
                "topic": topic,
                "passages": size,
                "share": round(size / total, 4) if total else 0.0,
                "theme": theme,
                "theme_score": None if score is None else round(score, 4),
                "top_words": " ".join(by_topic.get(topic, [])),
            }
        )
    return rows
