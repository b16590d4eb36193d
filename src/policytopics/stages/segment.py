"""DVC stage `segment`: documents.parquet -> passages, sentences, corpus summary and metrics."""

from __future__ import annotations

import argparse
from pathlib import Path

from policytopics.config import load_params
from policytopics.corpus.segment_outputs import segment_corpus
from policytopics.io import (
    read_json,
    read_table,
    write_json_atomic,
    write_parquet_atomic,
    write_text_atomic,
)
from policytopics.stages._runner import path_parser, run_stage


def main(
    documents: Path,
    ledger: Path,
    passages: Path,
    sentences: Path,
    summary: Path,
    metrics: Path | None = None,
) -> None:
    params = load_params().segment
    out = segment_corpus(read_table(documents, "ingest"), read_json(ledger, "ingest"), params)
    write_parquet_atomic(out.passages, passages)
    write_parquet_atomic(out.sentences, sentences)
    write_text_atomic(out.summary, summary)
    if metrics is not None:
        write_json_atomic(out.metrics, metrics)
    print(out.line(summary))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    paths = ("documents", "ledger", "passages", "sentences", "summary")
    return path_parser("segment", __doc__, paths, ("metrics",)).parse_args(argv)


def cli(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    run_stage("segment", lambda: main(**vars(args)))


if __name__ == "__main__":
    cli()
