"""DVC stage `segment`: documents.parquet -> passages, sentences, corpus summary and metrics."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pandas as pd

from policytopics.config import SegmentParams, load_params
from policytopics.corpus.segment import segment_documents
from policytopics.corpus.summary import corpus_summary, segment_metrics
from policytopics.errors import UserError
from policytopics.io import write_json_atomic, write_parquet_atomic, write_text_atomic
from policytopics.stages._runner import run_stage


def check_params(params: SegmentParams) -> None:
    """The bounds must leave room for a passage: min_chars < max_chars for each language."""
    for low, high in (("min_chars", "max_chars"), ("en_min_chars", "en_max_chars")):
        if getattr(params, low) >= getattr(params, high):
            raise UserError(f"params.yaml: segment.{low} must be smaller than segment.{high}")


def read_ledger(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise UserError(f"{path}: not found; run the ingest stage first (dvc repro ingest)")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def main(
    documents_path: Path,
    ledger_path: Path,
    passages_path: Path,
    sentences_path: Path,
    summary_path: Path,
    metrics_path: Path | None,
) -> None:
    params = load_params().segment
    check_params(params)
    if not documents_path.exists():
        raise UserError(f"{documents_path}: not found; run the ingest stage first")
    documents = pd.read_parquet(documents_path)
    ledger = read_ledger(ledger_path)
    passages, sentences, heading_chars, cuts = segment_documents(documents, params)
    metrics = segment_metrics(passages, sentences, heading_chars, params, cuts=cuts)
    write_parquet_atomic(passages, passages_path)
    write_parquet_atomic(sentences, sentences_path)
    summary = corpus_summary(documents, passages, metrics, ledger, params, cuts=cuts)
    write_text_atomic(summary, summary_path)
    if metrics_path is not None:
        write_json_atomic(metrics, metrics_path)
    print(
        f"segment: {metrics['n_documents']} documents -> {metrics['n_passages']} passages, "
        f"{metrics['n_sentences']} sentences ({metrics['n_below_min']} below min, "
        f"{metrics['n_above_max']} above max, {metrics['n_sentences_cut']} over-long sentences "
        f"cut; see {summary_path})"
    )


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=Path, required=True, help="input documents.parquet")
    parser.add_argument("--ledger", type=Path, required=True, help="input ingest ledger JSON")
    parser.add_argument("--passages", type=Path, required=True, help="output passages.parquet")
    parser.add_argument("--sentences", type=Path, required=True, help="output sentences.parquet")
    parser.add_argument("--summary", type=Path, required=True, help="output summary.md")
    parser.add_argument("--metrics", type=Path, default=None, help="output metrics JSON")
    args = parser.parse_args()
    run_stage(
        "segment",
        lambda: main(
            args.documents, args.ledger, args.passages, args.sentences, args.summary, args.metrics
        ),
    )


if __name__ == "__main__":
    cli()
