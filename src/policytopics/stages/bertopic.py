"""DVC stage `bertopic`: embeddings + tokens -> BERTopic model, topics, assignments, metrics."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from policytopics.config import load_params
from policytopics.io import read_table, write_csv_atomic, write_json_atomic, write_parquet_atomic
from policytopics.models.bertopic import save_topic_model
from policytopics.models.bertopic_check import (
    MODEL_STEPS,
    PASSAGE_COLUMNS,
    model_passage_topics,
    reload_predictions,
)
from policytopics.models.bertopic_viz import write_visualisations
from policytopics.models.embed import anchors_from_table, build_embedder
from policytopics.progress import Steps
from policytopics.stages._runner import path_parser, run_stage
from policytopics.themes.lexicon import lexicon_from_params


def main(
    passages: Path,
    tokens: Path,
    embeddings: Path,
    anchors: Path,
    model_dir: Path,
    topics: Path,
    topic_info: Path,
    cross_language: Path,
    assignments: Path,
    metrics: Path,
    barchart: Path,
    per_locality: Path,
    hierarchy: Path,
) -> None:
    started = time.perf_counter()
    params = load_params()
    settings = params.bertopic
    anchor_vectors = (
        anchors_from_table(read_table(anchors, "embed", ("language", "embedding")))
        if settings.align_languages
        else None
    )
    # UMAP and HDBSCAN report nothing while they run (the first fit on a machine also
    # compiles their numba code): the bar says which step the stage is in
    with Steps("bertopic", (*MODEL_STEPS, "save model and tables", "figures")) as steps:
        out = model_passage_topics(
            read_table(passages, "segment", PASSAGE_COLUMNS),
            read_table(tokens, "tokenize", ("passage_id", "tokens"), select=True),
            read_table(embeddings, "embed", ("passage_id", "embedding")),
            anchor_vectors,
            settings,
            params.seed,
            lexicon_from_params(params.themes.lexicon) if settings.guided else None,
            build_embedder(params.embed) if settings.guided else None,
            on_step=steps.start,
        )
        steps.start("save model and tables")
        write_parquet_atomic(out.assignments, assignments)
        write_csv_atomic(out.topics, topics)
        write_csv_atomic(out.info, topic_info)
        write_csv_atomic(out.cross_language, cross_language)
        save_topic_model(out.fit.model, model_dir, anchor_vectors, out.representatives)
        write_json_atomic(out.metrics(reload_predictions(model_dir, out.vectors)), metrics)
        steps.start("figures")
        write_visualisations(
            out.fit.model,
            out.docs,
            out.frame["locality"].fillna("").tolist(),
            settings.visualise_top_n_topics,
            barchart,
            per_locality,
            hierarchy,
        )
    print(f"{out.summary(settings)}; {time.perf_counter() - started:.0f} s")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    inputs = ("passages", "tokens", "embeddings", "anchors")
    outputs = ("model-dir", "topics", "topic-info", "cross-language", "assignments", "metrics")
    figures = ("barchart", "per-locality", "hierarchy")
    return path_parser("bertopic", __doc__, (*inputs, *outputs, *figures)).parse_args(argv)


def cli(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    run_stage("bertopic", lambda: main(**vars(args)))


if __name__ == "__main__":
    cli()
