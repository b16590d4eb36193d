"""Tables explaining a BERTopic fit: topic sizes, labels, representative and bilingual passages."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from bertopic import BERTopic

from policytopics.models.bertopic import topic_words

EXCERPT_CHARS = 160


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The first `limit` characters of a passage on one line."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector


def representative_passages(
    topics: Sequence[int], embeddings: np.ndarray, texts: Sequence[str], n: int
) -> dict[int, list[str]]:
    """Each topic's `n` passages closest (cosine) to the topic centroid, full text."""
    topic_array = np.asarray(topics)
    result: dict[int, list[str]] = {}
    for topic in sorted(set(topic_array.tolist())):
        members = np.flatnonzero(topic_array == topic)
        centroid = _unit(embeddings[members].mean(axis=0))
        similarity = embeddings[members] @ centroid
        order = members[np.lexsort((members, -similarity))][:n]  # ties: passage order
        result[int(topic)] = [str(texts[i]) for i in order]
    return result


def topic_label(words: Sequence[str], n: int = 4) -> str:
    """A short readable label from a topic's top words."""
    return " ".join(words[:n])


def topic_info(
    model: BERTopic,
    topics: Sequence[int],
    languages: Sequence[str],
    representatives: dict[int, list[str]],
) -> pd.DataFrame:
    """reports/bertopic/topic_info.csv: size, share, English passages, label, words, examples."""
    words = topic_words(model, 10)
    rows = []
    total = len(topics)
    for topic in sorted(set(topics)):
        members = [i for i, t in enumerate(topics) if t == topic]
        top = [w for w, _ in words.get(topic, [])]
        examples = representatives.get(topic, [])
        rows.append(
            {
                "topic": topic,
                "size": len(members),
                "share": round(len(members) / total, 6),
                "n_en": sum(1 for i in members if languages[i] == "en"),
                "label": topic_label(top) if topic != -1 else "outliers",
                "top_words": " ".join(top),
                **{
                    f"representative_{k + 1}": excerpt(examples[k]) if k < len(examples) else ""
                    for k in range(3)
                },
            }
        )
    return pd.DataFrame(rows)


def cross_language_examples(
    frame: pd.DataFrame, topics: Sequence[int], embeddings: np.ndarray, info: pd.DataFrame
) -> pd.DataFrame:
    """Every English passage, its topic, and the most similar Chinese passage in that topic."""
    labels = dict(zip(info["topic"], info["label"], strict=True))
    languages = frame["language"].tolist()
    topic_array = np.asarray(topics)
    rows = []
    for i in np.flatnonzero(np.asarray(languages) == "en"):
        zh_same = [j for j in np.flatnonzero(topic_array == topic_array[i]) if languages[j] == "zh"]
        best = max(zh_same, key=lambda j: (float(embeddings[j] @ embeddings[i]), -j), default=None)
        rows.append(
            {
                "passage_id": frame["passage_id"].iloc[i],
                "topic": int(topic_array[i]),
                "topic_label": labels.get(int(topic_array[i]), ""),
                "zh_passages_in_topic": len(zh_same),
                "en_text": excerpt(frame["text"].iloc[i]),
                "nearest_zh_passage_id": "" if best is None else frame["passage_id"].iloc[best],
                "nearest_zh_text": "" if best is None else excerpt(frame["text"].iloc[best]),
                "similarity": None
                if best is None
                else round(float(embeddings[best] @ embeddings[i]), 4),
            }
        )
    columns = [
        "passage_id",
        "topic",
        "topic_label",
        "zh_passages_in_topic",
        "en_text",
        "nearest_zh_passage_id",
        "nearest_zh_text",
        "similarity",
    ]
    return pd.DataFrame(rows, columns=columns)
