"""DVC stage `themes`: LDA and BERTopic topics -> policy themes, with an audit for researchers."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from policytopics.config import load_params
from policytopics.io import read_table, write_csv_atomic, write_text_atomic
from policytopics.models.embed import build_embedder, embedding_matrix
from policytopics.stages._runner import run_stage
from policytopics.themes.audit import audit_markdown, audit_table
from policytopics.themes.lexicon import load_lexicon
from policytopics.themes.mapping import (
    UNMAPPED,
    TopicEvidence,
    map_topics,
    representative_rows_bertopic,
    representative_rows_lda,
    topic_words,
)


def _evidence(
    model: str,
    topics: pd.DataFrame,
    representatives: dict[int, list[int]],
    rows: pd.DataFrame,
    embeddings: np.ndarray,
    top_words: int,
) -> list[TopicEvidence]:
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


def main(args: argparse.Namespace) -> None:
    params = load_params()
    settings = params.themes
    lexicon = load_lexicon(Path(settings.lexicon) if settings.lexicon else None)
    passages = read_table(args.passages, "segment", ("passage_id", "text"))
    embeddings = read_table(args.embeddings, "embed", ("passage_id", "embedding"))
    lda_topics = read_table(args.lda_topics, "lda", ("topic", "rank", "word", "weight"))
    lda_docs = read_table(args.lda_doc_topics, "lda", ("passage_id",))
    bt_topics = read_table(args.bertopic_topics, "bertopic", ("topic", "rank", "word", "weight"))
    bt_docs = read_table(
        args.bertopic_doc_topics, "bertopic", ("passage_id", "topic", "probability")
    )

    matrix = embedding_matrix(embeddings, "passage_id", passages["passage_id"].tolist(), "passages")
    row_of = {pid: i for i, pid in enumerate(passages["passage_id"])}

    def rows_for(frame: pd.DataFrame, reps: dict[int, list[int]]) -> dict[int, list[int]]:
        ids = frame["passage_id"].tolist()
        return {t: [row_of[ids[i]] for i in rs if ids[i] in row_of] for t, rs in reps.items()}

    lda_reps = rows_for(lda_docs, representative_rows_lda(lda_docs, settings.top_passages))
    bt_reps = rows_for(bt_docs, representative_rows_bertopic(bt_docs, settings.top_passages))
    evidence = _evidence("lda", lda_topics, lda_reps, passages, matrix, settings.top_words)
    evidence += _evidence("bertopic", bt_topics, bt_reps, passages, matrix, settings.top_words)

    theme_vectors = build_embedder(params.embed).embed(lexicon.descriptions(), "query")
    mapping = map_topics(
        evidence,
        lexicon,
        theme_vectors,
        (settings.word_weight, settings.passage_lexicon_weight, settings.embedding_weight),
        settings.temperature,
        settings.min_score,
        settings.full_word_coverage,
    )
    audit = audit_table(mapping, lexicon, passages["text"].tolist())
    write_csv_atomic(mapping, args.topic_themes)
    write_csv_atomic(audit, args.audit_table)
    write_text_atomic(audit_markdown(audit, mapping, ("lda", "bertopic")), args.audit)
    for model in ("lda", "bertopic"):
        part = mapping[mapping["model"] == model]
        mapped = part[part["theme"] != UNMAPPED]
        print(
            f"themes: {model}: {len(mapped)}/{len(part)} topics mapped to "
            f"{mapped['theme'].nunique()} of {len(lexicon.keys)} themes"
        )


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--passages", type=Path, required=True)
    parser.add_argument("--embeddings", type=Path, required=True)
    parser.add_argument("--lda-topics", type=Path, required=True)
    parser.add_argument("--lda-doc-topics", type=Path, required=True)
    parser.add_argument("--bertopic-topics", type=Path, required=True)
    parser.add_argument("--bertopic-doc-topics", type=Path, required=True)
    parser.add_argument("--topic-themes", type=Path, required=True)
    parser.add_argument("--audit", type=Path, required=True)
    parser.add_argument("--audit-table", type=Path, required=True)
    args = parser.parse_args()
    run_stage("themes", lambda: main(args))


if __name__ == "__main__":
    cli()
