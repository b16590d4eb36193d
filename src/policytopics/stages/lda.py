"""DVC stage `lda`: tokens.parquet -> LDA sweep over K, chosen model, topics, metrics, LDAvis."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from policytopics.config import load_params
from policytopics.io import (
    read_table,
    write_csv_atomic,
    write_json_atomic,
    write_parquet_atomic,
    write_text_atomic,
)
from policytopics.models import lda_sweep
from policytopics.models.lda_report import model_topics
from policytopics.stages._runner import path_parser, run_stage
from policytopics.text.stem import english_stem
from policytopics.themes.lexicon import lexicon_from_params


def main(
    tokens: Path,
    model_dir: Path,
    topics: Path,
    doc_topics: Path,
    metrics: Path,
    coherence: Path,
    ldavis: Path,
) -> None:
    start = time.perf_counter()
    params = load_params()
    table = read_table(tokens, "tokenize")
    # the seed terms as the tokens spell them (English stemmed as the tokenizer stems)
    stem = english_stem(params.tokenize.english_stemmer)
    lexicon = lexicon_from_params(params.themes.lexicon).for_tokens(stem)
    out = model_topics(table, params.lda, params.seed, lexicon, str(tokens), params.compute)
    lda_sweep.save_fit(out.fit, model_dir)
    write_csv_atomic(out.topics, topics)
    write_parquet_atomic(out.doc_topics, doc_topics)
    write_json_atomic(out.metrics, metrics)
    # no BOM here: `dvc plots` reads the header, and the table holds no Chinese
    write_text_atomic(out.coherence.to_csv(index=False), coherence)
    write_text_atomic(out.ldavis_html, ldavis)
    print(f"{out.summary(params.lda)}; {time.perf_counter() - start:.0f}s")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    outputs = ("model-dir", "topics", "doc-topics", "metrics", "coherence", "ldavis")
    return path_parser("lda", __doc__, ("tokens", *outputs)).parse_args(argv)


def cli(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    run_stage("lda", lambda: main(**vars(args)))


if __name__ == "__main__":
    cli()
