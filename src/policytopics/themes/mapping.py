"""Topics -> themes: score every topic of a model against every theme, keep the evidence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

from policytopics.themes.labels import dominant_theme
from policytopics.themes.lexicon import Lexicon, token_text

UNMAPPED = "unmapped"
TOPIC_THEME_COLUMNS: tuple[str, ...] = (
    "model",  # lda | bertopic
    "topic",
    "theme",  # best theme, or "unmapped" when its score is below themes.min_score
    "score",  # combined evidence for the best theme, 0..1
    "best_theme",  # the best theme even when it is too weak to map
    "runner_up",
    "runner_up_score",
    "word_score",  # the theme's share of the topic-word weight that seed terms explain
    "passage_lexicon_score",  # its share of the representative passages with a lexicon theme
    "embedding_score",  # softmax of e5 similarity to the theme descriptions
    "n_passages",  # representative passages used
    "top_words",
)


@dataclass(frozen=True)
class TopicEvidence:
    """What is known about one topic: its weighted top words and representative passages."""

    model: str
    topic: int
    words: list[tuple[str, float]]
    passage_texts: list[str]
    passage_embeddings: np.ndarray  # (n_passages, dim)


def word_scores(
    words: Sequence[tuple[str, float]], lexicon: Lexicon, full_coverage: float = 0.25
) -> np.ndarray:
    """Per theme, its share of the topic-word weight that any theme's seed terms explain.

    A word matching several themes splits its weight between them; words no theme claims
    (推进, 建设) are left out, so a topic's generic words do not drown its theme. When seed
    terms explain less than `full_coverage` of the topic's word weight, the shares shrink in
    proportion (one matching word among twenty is weak evidence). The words are tokens:
    pass the lexicon as they spell it (`Lexicon.for_tokens`).
    """
    scores = np.zeros(len(lexicon.keys))
    total = sum(max(w, 0.0) for _, w in words)
    for word, weight in words:
        counts = np.array(list(lexicon.count_matches(token_text(word)).values()), dtype=float)
        if counts.sum() > 0:
            scores += max(weight, 0.0) * counts / counts.sum()
    matched = scores.sum()
    if matched <= 0 or total <= 0:
        return scores
    shrink = min(1.0, float(matched) / total / full_coverage)
    return np.asarray(scores / matched * shrink)


def passage_lexicon_scores(texts: Sequence[str], lexicon: Lexicon) -> np.ndarray:
    """Per theme, its share of the passages that have a lexicon-dominant theme."""
    scores = np.zeros(len(lexicon.keys))
    index = {k: i for i, k in enumerate(lexicon.keys)}
    for text in texts:
        theme = dominant_theme(lexicon.count_matches(text), min_count=1, min_ratio=1.0)
        if theme is not None:
            scores[index[theme]] += 1
    total = scores.sum()
    return scores / total if total > 0 else scores


def embedding_scores(
    passage_embeddings: np.ndarray, theme_embeddings: np.ndarray, temperature: float
) -> np.ndarray:
    """Softmax over themes of the mean cosine similarity of the passages to each theme."""
    if passage_embeddings.shape[0] == 0:
        return np.zeros(theme_embeddings.shape[0])
    similarity = (passage_embeddings @ theme_embeddings.T).mean(axis=0) / temperature
    exp = np.exp(similarity - similarity.max())
    return np.asarray(exp / exp.sum())


def map_topics(
    evidence: Sequence[TopicEvidence],
    lexicon: Lexicon,
    theme_embeddings: np.ndarray,
    weights: tuple[float, float, float],
    temperature: float,
    min_score: float,
    full_word_coverage: float = 0.25,
    token_lexicon: Lexicon | None = None,
) -> pd.DataFrame:
    """One row per topic: best theme (or "unmapped"), its score, runner-up and each evidence.

    `weights` are for (topic words, passage lexicon, passage embeddings); they are normalised.
    Topic words are matched with `token_lexicon` (the lexicon as the tokens spell it; default
    `lexicon`), passages with `lexicon`.
    """
    words_lexicon = token_lexicon if token_lexicon is not None else lexicon
    w = np.asarray(weights, dtype=float)
    if w.sum() <= 0:
        raise ValueError("evidence weights must not all be zero")
    w = w / w.sum()
    rows = []
    for ev in evidence:
        parts = np.vstack(
            [
                word_scores(ev.words, words_lexicon, full_word_coverage),
                passage_lexicon_scores(ev.passage_texts, lexicon),
                embedding_scores(ev.passage_embeddings, theme_embeddings, temperature),
            ]
        )
        combined = w @ parts
        order = np.argsort(-combined, kind="stable")
        best, second = int(order[0]), int(order[1]) if len(order) > 1 else int(order[0])
        rows.append(
            {
                "model": ev.model,
                "topic": ev.topic,
                "theme": lexicon.keys[best]
                if combined[best] >= min_score and ev.topic >= 0  # -1 = BERTopic outliers
                else UNMAPPED,
                "score": round(float(combined[best]), 4),
                "best_theme": lexicon.keys[best],
                "runner_up": lexicon.keys[second],
                "runner_up_score": round(float(combined[second]), 4),
                "word_score": round(float(parts[0, best]), 4),
                "passage_lexicon_score": round(float(parts[1, best]), 4),
                "embedding_score": round(float(parts[2, best]), 4),
                "n_passages": len(ev.passage_texts),
                "top_words": " ".join(word for word, _ in ev.words[:10]),
            }
        )
    return pd.DataFrame(rows, columns=list(TOPIC_THEME_COLUMNS))


def representative_rows_lda(doc_topics: pd.DataFrame, top_n: int) -> dict[int, list[int]]:
    """Per LDA topic, row positions of the passages with the highest share of that topic."""
    out: dict[int, list[int]] = {}
    for column in [c for c in doc_topics.columns if c.startswith("topic_")]:
        topic = int(column.removeprefix("topic_"))
        shares = doc_topics[column].to_numpy(dtype=float)
        order = np.argsort(-shares, kind="stable")[:top_n]
        out[topic] = [int(i) for i in order if shares[i] > 0]
    return out


def representative_rows_bertopic(assignments: pd.DataFrame, top_n: int) -> dict[int, list[int]]:
    """Per BERTopic topic, row positions of its most probable passages (outliers -1 included)."""
    out: dict[int, list[int]] = {}
    frame = assignments.reset_index(drop=True)
    for topic, group in frame.groupby("topic", sort=True):
        ranked = group.sort_values("probability", ascending=False, kind="stable")
        out[int(cast(int, topic))] = [int(i) for i in ranked.index[:top_n]]
    return out


def topic_words(topics: pd.DataFrame, top_n: int) -> dict[int, list[tuple[str, float]]]:
    """Per topic, its (word, weight) pairs by rank from a topics.csv table."""
    out: dict[int, list[tuple[str, float]]] = {}
    ordered = topics.sort_values(["topic", "rank"], kind="stable")
    for topic, group in ordered.groupby("topic", sort=True):
        pairs = list(zip(group["word"].astype(str), group["weight"].astype(float), strict=True))
        out[int(cast(int, topic))] = pairs[:top_n]
    return out
