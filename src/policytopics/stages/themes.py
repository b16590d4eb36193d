"""DVC stage `themes`: LDA and BERTopic topics -> policy themes, with an audit for researchers."""

from __future__ import annotations

import argparse
from pathlib import Path

from policytopics.config import load_params
from policytopics.io import read_table, write_csv_atomic, write_text_atomic
from policytopics.models.embed import build_embedder
from policytopics.stages._runner import path_parser, run_stage
from policytopics.text.stem import english_stem
from policytopics.themes.lexicon import lexicon_from_params
from policytopics.themes.map_corpus import map_corpus_topics

TOPIC_COLUMNS = ("topic", "rank", "word", "weight")


def main(
    passages: Path,
    embeddings: Path,
    lda_topics: Path,
    lda_doc_topics: Path,
    bertopic_topics: Path,
    bertopic_doc_topics: Path,
    topic_themes: Path,
    audit: Path,
    audit_table: Path,
) -> None:
    params = load_params()
    lexicon = lexicon_from_params(params.themes.lexicon)
    out = map_corpus_topics(
        read_table(passages, "segment", ("passage_id", "text")),
        read_table(embeddings, "embed", ("passage_id", "embedding")),
        read_table(lda_topics, "lda", TOPIC_COLUMNS),
        read_table(lda_doc_topics, "lda", ("passage_id",)),
        read_table(bertopic_topics, "bertopic", TOPIC_COLUMNS),
        read_table(bertopic_doc_topics, "bertopic", ("passage_id", "topic", "probability")),
        lexicon,
        build_embedder(params.embed),
        params.themes,
        params.lda.seed_themes if params.lda.seed_priors else (),
        lexicon.for_tokens(english_stem(params.tokenize.english_stemmer)),
    )
    write_csv_atomic(out.mapping, topic_themes)
    write_csv_atomic(out.audit, audit_table)
    write_text_atomic(out.audit_markdown, audit)
    print("\n".join(out.summary(lexicon)))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    inputs: tuple[str, ...] = ("passages", "embeddings", "lda-topics", "lda-doc-topics")
    inputs += ("bertopic-topics", "bertopic-doc-topics")
    outputs = ("topic-themes", "audit", "audit-table")
    return path_parser("themes", __doc__, (*inputs, *outputs)).parse_args(argv)


def cli(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    run_stage("themes", lambda: main(**vars(args)))


if __name__ == "__main__":
    cli()
