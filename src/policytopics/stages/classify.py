"""DVC stage `classify`: hand labels of several corpora + weak labels -> theme classifier ->
sentence and passage scores, and its evaluation on whole unseen documents.

The evaluation's model fits (held-out documents and corpora, cross-validation folds, the
held-out sentences: one task each) run on the executor `compute` asks for, and the label
texts are embedded through it as the embed stage does; the saved model is fitted here.
"""

from __future__ import annotations

import argparse
from contextlib import ExitStack
from pathlib import Path

import pandas as pd

from policytopics.compute import build_executor
from policytopics.config import Params, load_params
from policytopics.io import read_table, write_json_atomic, write_parquet_atomic
from policytopics.models.embed import CachedEmbedder, Embedder, EmbeddingCache, build_embedder
from policytopics.stages._runner import path_parser, run_stage
from policytopics.themes.bundle import save_bundle
from policytopics.themes.by_document import headline_metrics
from policytopics.themes.classify_corpus import PASSAGE_FIELDS, ClassifyTables, classify_corpus
from policytopics.themes.labels import read_label_files
from policytopics.themes.lexicon import Lexicon, lexicon_from_params


def read_tables(
    params: Params,
    lexicon: Lexicon,
    passages: Path,
    tokens: Path,
    embeddings: Path,
    labels: list[Path],
    topic_themes: Path,
    lda_doc_topics: Path,
    bertopic_doc_topics: Path,
    sentences: Path | None = None,
    sentence_embeddings: Path | None = None,
    anchors: Path | None = None,
) -> ClassifyTables:
    """The pipeline outputs the classifier reads (topic tables only when they give labels)."""

    def optional(path: Path | None, stage: str, columns: tuple[str, ...]) -> pd.DataFrame | None:
        return read_table(path, stage, columns) if path is not None else None

    topics = params.classify.weak_labels.topic
    return ClassifyTables(
        passages=read_table(passages, "segment", PASSAGE_FIELDS),
        tokens=read_table(tokens, "tokenize", ("passage_id", "tokens")),
        embeddings=read_table(embeddings, "embed", ("passage_id", "embedding")),
        hand=read_label_files(labels, lexicon),
        sentences=optional(sentences, "segment", ("sentence_id", "passage_id", "text")),
        sentence_vectors=optional(sentence_embeddings, "embed", ("sentence_id", "embedding")),
        # without the embed stage's anchors they are computed from the packaged pairs
        anchors=optional(
            anchors if anchors is not None and anchors.exists() else None,
            "embed",
            ("language", "embedding"),
        ),
        topic_themes=optional(
            topic_themes if topics else None, "themes", ("model", "topic", "theme", "score")
        ),
        lda_doc_topics=optional(lda_doc_topics if topics else None, "lda", ("passage_id",)),
        bertopic_doc_topics=optional(
            bertopic_doc_topics if topics else None,
            "bertopic",
            ("passage_id", "topic", "probability"),
        ),
    )


def main(
    passages: Path,
    tokens: Path,
    embeddings: Path,
    labels: list[Path],
    topic_themes: Path,
    lda_doc_topics: Path,
    bertopic_doc_topics: Path,
    model: Path,
    passage_themes: Path,
    metrics: Path,
    sentences: Path | None = None,
    sentence_embeddings: Path | None = None,
    anchors: Path | None = None,
    sentence_themes: Path | None = None,
    evaluation: Path | None = None,
    cache: Path | None = None,
    calibration: Path | None = None,
    label_vectors: Path | None = None,
) -> None:
    params = load_params()
    lexicon = lexicon_from_params(params.themes.lexicon)
    tables = read_tables(
        params,
        lexicon,
        passages,
        tokens,
        embeddings,
        labels,
        topic_themes,
        lda_doc_topics,
        bertopic_doc_topics,
        sentences,
        sentence_embeddings,
        anchors,
    )
    embedder: Embedder = build_embedder(params.embed)
    with ExitStack() as stack:
        if cache is not None:  # label texts the embed stage never saw: embedded once, cached
            embed_on = stack.enter_context(build_executor(params.compute, multithreaded=True))
            # the vectors committed beside the labels are read, never written here (they are
            # written by labels/label_vectors.py)
            shipped = [label_vectors] if label_vectors is not None else []
            embedder = CachedEmbedder(
                embedder,
                EmbeddingCache(cache, shipped=shipped),
                params.embed.batch_size,
                unit="text",
                executor=embed_on,
            )
        # the largest task lists are the cross-validation folds; fits of a second or two
        # stay in this process below compute.min_fit_workers local workers (docs/scaling.md)
        n_tasks = params.classify.evaluation.cv_folds
        fits_on = build_executor(
            params.compute, n_tasks=n_tasks, min_workers=params.compute.min_fit_workers
        )
        executor = stack.enter_context(fits_on)
        result = classify_corpus(tables, params, lexicon, embedder, executor)
    save_bundle(result.bundle, model)
    write_parquet_atomic(result.passage_themes, passage_themes)
    if result.sentence_themes is not None and sentence_themes is not None:
        write_parquet_atomic(result.sentence_themes, sentence_themes)
    write_json_atomic(headline_metrics(result.metrics), metrics)
    if evaluation is not None:
        write_json_atomic(result.metrics, evaluation)
    if calibration is not None:  # None when there are too few labels: estimators soft, hard
        write_json_atomic(result.calibration, calibration)
    print(f"classify: {result.summary(len(tables.hand))}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The stage's arguments (dvc.yaml's `cmd` gives the paths; `--labels` takes label files
    and folders of them; the sentence tables, the embed stage's language anchors, the
    per-sentence output, the full evaluation, the embedding cache, the estimators'
    calibration and the label texts' shipped vectors (read with the cache) are optional)."""
    inputs: tuple[str, ...] = ("passages", "tokens", "embeddings", "topic-themes")
    inputs += ("lda-doc-topics", "bertopic-doc-topics")
    outputs = ("model", "passage-themes", "metrics")
    optional: tuple[str, ...] = ("sentences", "sentence-embeddings", "anchors")
    optional += ("sentence-themes", "evaluation", "cache", "calibration", "label-vectors")
    parser = path_parser("classify", __doc__, (*inputs, *outputs), optional)
    parser.add_argument("--labels", type=Path, nargs="+", required=True)
    return parser.parse_args(argv)


def cli(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    run_stage("classify", lambda: main(**vars(args)))


if __name__ == "__main__":
    cli()
