"""DVC stage `embed`: passages.parquet -> embeddings.parquet (+ language anchors), cached."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from policytopics.config import load_params
from policytopics.errors import UserError
from policytopics.io import write_parquet_atomic
from policytopics.models.embed import (
    CachedEmbedder,
    EmbeddingCache,
    build_embedder,
    language_anchors,
    load_parallel_pairs,
)
from policytopics.schemas import require_columns
from policytopics.stages._runner import run_stage


def main(passages_path: Path, embeddings_path: Path, anchors_path: Path, cache_dir: Path) -> None:
    params = load_params().embed
    if params.batch_size < 1:
        raise UserError(f"embed.batch_size must be at least 1, got {params.batch_size}")
    if not passages_path.exists():
        raise UserError(f"{passages_path}: not found; run `dvc repro segment` first")
    passages = pd.read_parquet(passages_path, columns=["passage_id", "language", "text"])
    require_columns(passages, ("passage_id", "language", "text"), str(passages_path))
    embedder = CachedEmbedder(
        build_embedder(params), EmbeddingCache(cache_dir), batch_size=params.batch_size
    )
    started = time.perf_counter()
    vectors = embedder.embed(passages["text"].tolist(), "passage")
    new = embedder.last_embedded
    seconds = time.perf_counter() - started
    anchors = language_anchors(embedder, load_parallel_pairs())
    write_parquet_atomic(
        pd.DataFrame({"passage_id": passages["passage_id"], "embedding": list(vectors)}),
        embeddings_path,
    )
    write_parquet_atomic(
        pd.DataFrame(
            {"language": list(anchors), "embedding": [np.asarray(v) for v in anchors.values()]}
        ),
        anchors_path,
    )
    rate = f", {new / seconds:.1f} passages/s" if new else ""
    print(
        f"embed: {len(passages)} passages with {embedder.name}: {new} embedded now, "
        f"{len(passages) - new} from the cache ({seconds:.1f} s{rate})"
    )


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--passages", type=Path, required=True)
    parser.add_argument("--embeddings", type=Path, required=True)
    parser.add_argument("--anchors", type=Path, required=True)
    parser.add_argument("--cache", type=Path, required=True, help="embedding cache directory")
    args = parser.parse_args()
    run_stage("embed", lambda: main(args.passages, args.embeddings, args.anchors, args.cache))


if __name__ == "__main__":
    cli()
