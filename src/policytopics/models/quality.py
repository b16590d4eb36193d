"""Topic quality shared by every topic model: coherence (c_v, c_npmi) and topic diversity."""

from __future__ import annotations

import math
from collections.abc import Sequence

from gensim.corpora import Dictionary
from gensim.models.coherencemodel import CoherenceModel

COHERENCE_MEASURES: tuple[str, ...] = ("c_v", "c_npmi")


def _known_topics(
    topics: Sequence[Sequence[str]], dictionary: Dictionary, top_n: int
) -> list[list[str]]:
    """Each topic's first `top_n` words, keeping only words that occur in the texts."""
    return [[w for w in topic[:top_n] if w in dictionary.token2id] for topic in topics]


def coherence_per_topic(
    topics: Sequence[Sequence[str]],
    texts: Sequence[Sequence[str]],
    measure: str = "c_v",
    top_n: int = 10,
    dictionary: Dictionary | None = None,
) -> list[float]:
    """Coherence of each topic's top `top_n` words over `texts` (gensim CoherenceModel).

    Words that never occur in `texts` are ignored. A topic with fewer than two known words
    has no word pairs to score and gets NaN.
    """
    if measure not in COHERENCE_MEASURES:
        raise ValueError(f"unknown coherence measure {measure!r}; use one of {COHERENCE_MEASURES}")
    if top_n < 2:
        raise ValueError("top_n must be at least 2 (coherence scores word pairs)")
    texts_list = [list(t) for t in texts]
    if dictionary is None:
        dictionary = Dictionary(texts_list)
    known = _known_topics(topics, dictionary, top_n)
    scorable = [i for i, words in enumerate(known) if len(words) >= 2]
    scores = [math.nan] * len(known)
    if not scorable:
        return scores
    model = CoherenceModel(
        topics=[known[i] for i in scorable],
        texts=texts_list,
        dictionary=dictionary,
        coherence=measure,
        topn=top_n,
        processes=1,  # the parallel accumulator is not deterministic
    )
    for i, score in zip(scorable, model.get_coherence_per_topic(), strict=True):
        scores[i] = float(score)
    return scores


def topic_quality(
    topics: list[list[str]], texts: list[list[str]], top_n: int = 10
) -> dict[str, float]:
    """Mean c_v and c_npmi of the topics' top `top_n` words, estimated on the passage `texts`.

    `texts` are the token lists the topics were learnt from (one per passage). Topics with
    fewer than two words found in `texts` are left out of the mean; NaN if none is left.
    """
    dictionary = Dictionary(texts)
    result: dict[str, float] = {}
    for measure in COHERENCE_MEASURES:
        scores = [
            s
            for s in coherence_per_topic(topics, texts, measure, top_n, dictionary)
            if not math.isnan(s)
        ]
        result[measure] = sum(scores) / len(scores) if scores else math.nan
    return result


def topic_diversity(topics: Sequence[Sequence[str]], top_n: int = 25) -> float:
    """Share of distinct words among the top `top_n` words of all topics (1.0 = no overlap)."""
    words = [w for topic in topics for w in topic[:top_n]]
    if not words:
        return math.nan
    return len(set(words)) / len(words)
