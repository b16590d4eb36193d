"""DVC stage `prevalence`: passage themes and topics -> shares per locality, year, doc_type."""

from __future__ import annotations

import argparse
from pathlib import Path

from policytopics.analysis.tables import PASSAGE_COLUMNS, prevalence_outputs
from policytopics.config import load_params
from policytopics.io import read_table, write_csv_atomic, write_json_atomic
from policytopics.stages._runner import path_parser, run_stage


def main(
    passages: Path,
    passage_themes: Path,
    lda_doc_topics: Path,
    bertopic_topics: Path,
    themes_by_locality: Path,
    themes_by_year: Path,
    themes_by_doc_type: Path,
    topics_lda: Path,
    topics_bertopic: Path,
    metrics: Path,
    topic_spread: Path | None = None,
) -> None:
    params = load_params()
    out = prevalence_outputs(
        read_table(passages, "segment", PASSAGE_COLUMNS),
        read_table(passage_themes, "classify"),
        read_table(lda_doc_topics, "lda"),
        read_table(bertopic_topics, "bertopic"),
        params.prevalence,
        params.seed,
        read_table(topic_spread, "stability") if topic_spread is not None else None,
    )
    for group, path in (
        ("locality", themes_by_locality),
        ("year", themes_by_year),
        ("doc_type", themes_by_doc_type),
    ):
        write_csv_atomic(out.themes_by[group], path)
    write_csv_atomic(out.topics_lda, topics_lda)
    write_csv_atomic(out.topics_bertopic, topics_bertopic)
    write_json_atomic(out.metrics, metrics)
    print(out.summary())


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    inputs = ("passages", "passage-themes", "lda-doc-topics", "bertopic-topics")
    outputs: tuple[str, ...] = ("themes-by-locality", "themes-by-year", "themes-by-doc-type")
    outputs += ("topics-lda", "topics-bertopic", "metrics")
    parser = path_parser("prevalence", __doc__, (*inputs, *outputs), optional=("topic-spread",))
    return parser.parse_args(argv)


def cli(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    run_stage("prevalence", lambda: main(**vars(args)))


if __name__ == "__main__":
    cli()
