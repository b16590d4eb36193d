"""The themes stage's work as one call: both models' topics -> themes, with the audit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from policytopics.config import ThemesParams
from policytopics.models.embed import Embedder, embedding_matrix
from policytopics.themes.audit import audit_markdown, audit_table
from policytopics.themes.lexicon import Lexicon
from policytopics.themes.mapping import (
    UNMAPPED,
    TopicEvidence,
    map_topics,
    representative_rows_bertopic,
    representative_rows_lda,
    topic_words,
)

MODELS = ("lda", "bertopic")


def topic_evidence(
    model: str,
    topics: pd.DataFrame,
    representatives: dict[int, list[int]],
    rows: pd.DataFrame,
    embeddings: np.ndarray,
    top_words: int,
) -> list[TopicEvidence]:
    """Each topic's top words and representative passages (rows of `rows` / `embeddings`)."""
    words = topic_words(topics, top_words)
    out = []
    for topic in sorted(set(words) | set(representatives)):
        positions = representatives.get(topic, [])
        out.append(
            TopicEvidence(
                model=model,
                topic=topic,
                words=words.get(topic, []),
                passage_texts=rows["text"].iloc[positions].tolist(),
                passage_embeddings=embeddings[positions],
            )
        )
    return out


@dataclass(frozen=True)
class ThemeMapping:
    mapping: pd.DataFrame  # model, topic, theme, score, ... (topic_themes.csv)
    audit: pd.DataFrame  # audit.csv
    audit_markdown: str

    def summary(self, lexicon: Lexicon) -> list[str]:
        """Per model: how many topics map to how many themes."""
        lines = []
        for model in MODELS:
            part = self.mapping[self.mapping["model"] == model]
            mapped = part[part["theme"] != UNMAPPED]
            lines.append(
                f"themes: {model}: {len(mapped)}/{len(part)} topics mapped to "
                f"{mapped['theme'].nunique()} of {len(lexicon.keys)} themes"
            )
        return lines


def map_corpus_topics(
    passages: pd.DataFrame,
    embeddings: pd.DataFrame,
    lda_topics: pd.DataFrame,
    lda_doc_topics: pd.DataFrame,
    bertopic_topics: pd.DataFrame,
    bertopic_doc_topics: pd.DataFrame,
    lexicon: Lexicon,
    embedder: Embedder,
    params: ThemesParams,
    seeded_themes: Sequence[str],
    token_lexicon: Lexicon,
) -> ThemeMapping:
    """Map every LDA and BERTopic topic to a theme from its words and representative passages.

    `seeded_themes`: the themes whose seed terms seeded LDA topics 0, 1, ... (for the audit).
    Topic words are matched with `token_lexicon`, the lexicon as the tokens spell it
    (`Lexicon.for_tokens`), passages with `lexicon`.
    """
    matrix = embedding_matrix(embeddings, "passage_id", passages["passage_id"].tolist(), "passages")
    row_of = {pid: i for i, pid in enumerate(passages["passage_id"])}

    def rows_for(frame: pd.DataFrame, reps: dict[int, list[int]]) -> dict[int, list[int]]:
        ids = frame["passage_id"].tolist()
        return {t: [row_of[ids[i]] for i in rs if ids[i] in row_of] for t, rs in reps.items()}

    lda_reps = rows_for(
        lda_doc_topics, representative_rows_lda(lda_doc_topics, params.top_passages)
    )
    bt_reps = rows_for(
        bertopic_doc_topics, representative_rows_bertopic(bertopic_doc_topics, params.top_passages)
    )
    evidence = topic_evidence("lda", lda_topics, lda_reps, passages, matrix, params.top_words)
    evidence += topic_evidence(
        "bertopic", bertopic_topics, bt_reps, passages, matrix, params.top_words
    )
    theme_vectors = embedder.embed(lexicon.descriptions(), "query")
    mapping = map_topics(
        evidence,
        lexicon,
        theme_vectors,
        (params.word_weight, params.passage_lexicon_weight, params.embedding_weight),
        params.temperature,
        params.min_score,
        params.full_word_coverage,
        token_lexicon,
    )
    audit = audit_table(mapping, lexicon, passages["text"].tolist(), MODELS, token_lexicon)
    text = audit_markdown(audit, mapping, MODELS, token_lexicon, seeded_themes)
    return ThemeMapping(mapping, audit, text)
