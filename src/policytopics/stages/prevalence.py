"""DVC stage `prevalence`: sentence themes and topics -> shares per locality, year, doc_type
and document, by the chosen estimator (docs/estimators.md)."""

from __future__ import annotations

import argparse
from pathlib import Path

from policytopics.analysis.sentence_shares import calibration_of
from policytopics.analysis.tables import PASSAGE_COLUMNS, PREVALENCE_STEPS, prevalence_outputs
from policytopics.config import load_params
from policytopics.io import read_json, read_table, write_csv_atomic, write_json_atomic
from policytopics.progress import Steps
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
    sentence_themes: Path | None = None,
    calibration: Path | None = None,
    themes_by_document: Path | None = None,
) -> None:
    params = load_params()
    theme_scores = read_table(passage_themes, "classify")
    keys = [c[2:] for c in theme_scores.columns if c.startswith("p_")]
    record = read_json(calibration, "classify") if calibration is not None else None
    fitted = calibration_of(record, keys, params.prevalence.estimator)
    # the bootstrap of every share table reports nothing while it runs (minutes on a large
    # corpus): the bar says which table the stage is on
    with Steps("prevalence", (*PREVALENCE_STEPS, "write tables")) as steps:
        out = prevalence_outputs(
            read_table(passages, "segment", PASSAGE_COLUMNS),
            theme_scores,
            read_table(lda_doc_topics, "lda"),
            read_table(bertopic_topics, "bertopic"),
            params.prevalence,
            params.seed,
            read_table(topic_spread, "stability") if topic_spread is not None else None,
            read_table(sentence_themes, "classify") if sentence_themes is not None else None,
            fitted,
            record.get("estimator_error") if isinstance(record, dict) else None,
            on_step=steps.start,
        )
        steps.start("write tables")
        for group, path in (
            ("locality", themes_by_locality),
            ("year", themes_by_year),
            ("doc_type", themes_by_doc_type),
        ):
            write_csv_atomic(out.themes_by[group], path)
        if themes_by_document is not None:
            write_csv_atomic(out.themes_by_document, themes_by_document)
        write_csv_atomic(out.topics_lda, topics_lda)
        write_csv_atomic(out.topics_bertopic, topics_bertopic)
        write_json_atomic(out.metrics, metrics)
    print(out.summary())


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    inputs = ("passages", "passage-themes", "lda-doc-topics", "bertopic-topics")
    outputs: tuple[str, ...] = ("themes-by-locality", "themes-by-year", "themes-by-doc-type")
    outputs += ("topics-lda", "topics-bertopic", "metrics")
    optional = ("topic-spread", "sentence-themes", "calibration", "themes-by-document")
    parser = path_parser("prevalence", __doc__, (*inputs, *outputs), optional=optional)
    return parser.parse_args(argv)


def cli(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    run_stage("prevalence", lambda: main(**vars(args)))


if __name__ == "__main__":
    cli()
