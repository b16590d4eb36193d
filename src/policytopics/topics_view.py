"""`policytopics topics`: a topic model's topics with their top words, mapped theme and size
(pure: the pipeline's tables in, one row per topic out)."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

Model = Literal["lda", "bertopic"]
MODELS: tuple[Model, ...] = ("lda", "bertopic")
COLUMNS = ["topic", "passages", "share", "theme", "theme_score", "top_words"]


def _topic_columns(doc_topics: pd.DataFrame) -> list[str]:
    return sorted(
        (c for c in doc_topics.columns if c.startswith("topic_")), key=lambda c: int(c[6:])
    )


def _modelled(doc_topics: pd.DataFrame) -> pd.DataFrame:
    if "status" in doc_topics.columns:
        return doc_topics[doc_topics["status"] == "modelled"]
    return doc_topics


def lda_sizes(doc_topics: pd.DataFrame) -> pd.Series:
    """Passages per LDA topic: each modelled passage counted under its most probable topic."""
    columns = _topic_columns(doc_topics)
    rows = _modelled(doc_topics)
    topics = np.array([int(c[6:]) for c in columns])
    top = topics[rows[columns].to_numpy().argmax(axis=1)] if len(rows) else np.array([], int)
    return pd.Series(top).value_counts().reindex(topics, fill_value=0).astype(int)


def lda_shares(doc_topics: pd.DataFrame) -> pd.Series:
    """Each LDA topic's mean proportion over the modelled passages (its share of the text)."""
    columns = _topic_columns(doc_topics)
    rows = _modelled(doc_topics)
    means = rows[columns].mean(axis=0) if len(rows) else pd.Series(0.0, index=columns)
    return pd.Series(means.to_numpy(), index=[int(c[6:]) for c in columns])


def bertopic_sizes(assignments: pd.DataFrame) -> pd.Series:
    """Passages per BERTopic topic (its assignment; -1 = outliers)."""
    return assignments["topic"].astype(int).value_counts().sort_index().astype(int)


def topic_rows(
    words: pd.DataFrame,
    themes: pd.DataFrame,
    sizes: pd.Series,
    model: Model,
    top: int,
    shares: pd.Series | None = None,
) -> list[dict[str, Any]]:
    """One row per topic of `model`, in topic order: its `top` words (by rank), passages and
    share, and the theme it is mapped to with the mapping's score.

    `words`: topic, rank, word (reports/<model>/topics.csv); `themes`: model, topic, theme,
    score (reports/themes/topic_themes.csv); `sizes`: passages per topic; `shares`: each
    topic's share of the text (LDA: its mean proportion), else passages / all passages. The
    BERTopic outlier topic -1 is a row when it has passages (no theme, no words).
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
                "share": round(
                    float(shares.get(topic, 0.0)) if shares is not None else size / max(total, 1),
                    4,
                ),
                "theme": theme,
                "theme_score": None if score is None else round(score, 4),
                "top_words": " ".join(by_topic.get(topic, [])),
            }
        )
    return rows
