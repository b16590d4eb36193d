"""DVC stage `embed`: passages (and sentences) -> embeddings (+ language anchors), cached."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from policytopics.config import load_params
from policytopics.errors import UserError
from policytopics.io import read_table, write_parquet_atomic
from policytopics.models.embed import (
    CachedEmbedder,
    EmbeddingCache,
    build_embedder,
    language_anchors,
    load_parallel_pairs,
)
from policytopics.stages._runner import run_stage


def _embed_table(
    embedder: CachedEmbedder, frame: pd.DataFrame, id_column: str, path: Path
) -> tuple[int, float]:
    """Embed `frame.text` (passage encoding) into `path` (id, embedding); (new texts, seconds)."""
    started = time.perf_counter()
    vectors = embedder.embed(frame["text"].tolist(), "passage")
    seconds = time.perf_counter() - started
    write_parquet_atomic(
        pd.DataFrame({id_column: frame[id_column], "embedding": list(vectors)}), path
    )
    return embedder.last_embedded, seconds


def _summary(what: str, total: int, new: int, seconds: float) -> str:
    rate = f", {new / seconds:.1f} {what}/s" if new else ""
    return (
        f"{total} {what}: {new} embedded now, {total - new} from the cache ({seconds:.1f} s{rate})"
    )


def main(
    passages_path: Path,
    embeddings_path: Path,
    anchors_path: Path,
    cache_dir: Path,
    sentences_path: Path | None = None,
    sentence_embeddings_path: Path | None = None,
) -> None:
    params = load_params().embed
    if params.batch_size < 1:
        raise UserError(f"embed.batch_size must be at least 1, got {params.batch_size}")
    if (sentences_path is None) != (sentence_embeddings_path is None):
        raise UserError("--sentences and --sentence-embeddings go together")
    passages = read_table(passages_path, "segment", ("passage_id", "language", "text"), select=True)
    sentences = (
        read_table(sentences_path, "segment", ("sentence_id", "passage_id", "text"), select=True)
        if sentences_path is not None
        else None
    )
    inner = build_embedder(params)
    cache = EmbeddingCache(cache_dir)
    embedder = CachedEmbedder(inner, cache, batch_size=params.batch_size)
    lines = [
        _summary(
            "passages",
            len(passages),
            *_embed_table(embedder, passages, "passage_id", embeddings_path),
        )
    ]
    if sentences is not None and sentence_embeddings_path is not None:
        by_sentence = CachedEmbedder(inner, cache, batch_size=params.batch_size, unit="sentence")
        counts = _embed_table(by_sentence, sentences, "sentence_id", sentence_embeddings_path)
        lines.append(_summary("sentences", len(sentences), *counts))
    anchors = language_anchors(embedder, load_parallel_pairs())
    write_parquet_atomic(
        pd.DataFrame(
            {"language": list(anchors), "embedding": [np.asarray(v) for v in anchors.values()]}
        ),
        anchors_path,
    )
    print(f"embed ({embedder.name}): " + "; ".join(lines))


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--passages", type=Path, required=True)
    parser.add_argument("--embeddings", type=Path, required=True)
    parser.add_argument("--anchors", type=Path, required=True)
    parser.add_argument("--cache", type=Path, required=True, help="embedding cache directory")
    parser.add_argument("--sentences", type=Path, default=None, help="segment's sentences table")
    parser.add_argument(
        "--sentence-embeddings", type=Path, default=None, help="output: one row per sentence"
    )
    args = parser.parse_args()
    run_stage(
        "embed",
        lambda: main(
            args.passages,
            args.embeddings,
            args.anchors,
            args.cache,
            args.sentences,
            args.sentence_embeddings,
        ),
    )


if __name__ == "__main__":
    cli()
