"""DVC stage `embed`: sentences (and passages) -> embeddings (+ language anchors), cached.

With `embed.passage_vectors: sentence_mean` (the default) every sentence is embedded once and
a passage's vector is the length-weighted mean of its sentences' vectors (L2-normalised); a
passage without sentences is embedded itself. With `direct` the passage texts are embedded as
well. Rows are read, embedded and written `embed.block_size` at a time (one parquet row group
each), so memory does not grow with the corpus; the embedding batches run on the executor.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from policytopics.compute import build_executor
from policytopics.config import EmbedParams, load_params
from policytopics.errors import UserError
from policytopics.io import atomic_path, write_parquet_atomic
from policytopics.models.embed import (
    CachedEmbedder,
    EmbeddingCache,
    build_embedder,
    language_anchors,
    load_parallel_pairs,
    weighted_means,
)
from policytopics.stages._runner import run_stage

PASSAGE_COLUMNS = ("passage_id", "language", "text")
SENTENCE_COLUMNS = ("sentence_id", "passage_id", "text")


def _schema(id_column: str) -> pa.Schema:
    return pa.schema(
        [(id_column, pa.large_string()), ("embedding", pa.list_(pa.field("element", pa.float32())))]
    )


def _table(id_column: str, ids: list[str], vectors: np.ndarray) -> pa.Table:
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    dim = vectors.shape[1] if vectors.ndim == 2 else 0
    offsets = pa.array(np.arange(len(ids) + 1, dtype=np.int32) * dim, pa.int32())
    lists = pa.ListArray.from_arrays(offsets, pa.array(vectors.reshape(-1), pa.float32()))
    return pa.table([pa.array(ids, pa.large_string()), lists], schema=_schema(id_column))


def _blocks(path: Path, stage: str, columns: tuple[str, ...], size: int) -> Iterator[pd.DataFrame]:
    """`path` read `size` rows at a time, only `columns` (checked first)."""
    if not path.exists():
        raise UserError(f"{path}: not found; run `dvc repro {stage}` first")
    present = pq.read_schema(path).names
    missing = [c for c in columns if c not in present]
    if missing:
        raise UserError(f"{path}: missing columns {missing}; re-run `dvc repro {stage}`")
    for batch in pq.ParquetFile(path).iter_batches(batch_size=size, columns=list(columns)):
        yield batch.to_pandas()


def aligned_blocks(
    passages: Iterator[pd.DataFrame], sentences: Iterator[pd.DataFrame]
) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """Pair each block of passages with exactly its sentences (both tables in passage order)."""
    out_of_order = UserError(
        "sentences.parquet is not in the passages' order; re-run `dvc repro segment`"
    )
    buffer = pd.DataFrame(columns=list(SENTENCE_COLUMNS))
    exhausted = False
    passed: set[str] = set()  # passage ids already written: their sentences cannot come later
    for block in passages:
        ids = set(block["passage_id"])
        while not exhausted and buffer["passage_id"].isin(ids).all():
            try:
                buffer = pd.concat([buffer, next(sentences)], ignore_index=True)
            except StopIteration:
                exhausted = True
        inside = buffer["passage_id"].isin(ids).to_numpy()
        taken = int(inside.sum())
        if not inside[:taken].all() or any(pid in passed for pid in buffer["passage_id"]):
            raise out_of_order
        yield block, buffer.iloc[:taken]
        passed |= ids
        buffer = buffer.iloc[taken:].reset_index(drop=True)
    leftover = buffer if exhausted else pd.concat([buffer, *sentences], ignore_index=True)
    if any(pid in passed for pid in leftover["passage_id"]):
        raise out_of_order
    if len(leftover):
        first = leftover["passage_id"].iloc[0]
        raise UserError(f"sentences.parquet: sentences of unknown passage {first}; re-run segment")


def passage_vectors_from_sentences(
    embedder: CachedEmbedder, passages: pd.DataFrame, sentences: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """(passage vectors, sentence vectors): passages as the length-weighted sentence mean."""
    sentence_vectors = embedder.embed(sentences["text"].tolist(), "passage")
    row = {pid: i for i, pid in enumerate(passages["passage_id"])}
    groups = [row[pid] for pid in sentences["passage_id"]]
    weights = [max(1, len(t)) for t in sentences["text"]]
    dim = sentence_vectors.shape[1] if len(sentences) else 0
    vectors = np.zeros((len(passages), dim), dtype=np.float32)
    if len(sentences):
        means = weighted_means(sentence_vectors, weights, groups)
        vectors[: len(means)] = means
    alone = sorted(set(range(len(passages))) - set(groups))  # no sentences: embed the passage
    if alone:
        embedder.expect(len(alone))
        direct = embedder.embed(passages["text"].iloc[alone].tolist(), "passage")
        if vectors.shape[1] == 0:
            vectors = np.zeros((len(passages), direct.shape[1]), dtype=np.float32)
        vectors[alone] = direct
    return vectors, sentence_vectors


@dataclass
class _Counts:
    rows: int = 0
    new: int = 0
    seconds: float = 0.0
    what: str = ""
    derived: bool = False  # passages derived from their sentences (none embedded directly)

    def add(self, rows: int, new: int, seconds: float) -> None:
        self.rows, self.new, self.seconds = self.rows + rows, self.new + new, self.seconds + seconds

    def summary(self) -> str:
        if self.derived:
            return f"{self.rows} passages: the length-weighted mean of their sentences"
        rate = f", {self.new / self.seconds:.1f} {self.what}/s" if self.new else ""
        cached = self.rows - self.new
        return (
            f"{self.rows} {self.what}: {self.new} embedded now, {cached} from the cache "
            f"({self.seconds:.1f} s{rate})"
        )


@dataclass
class _Writers:
    stack: ExitStack
    writers: dict[str, pq.ParquetWriter] = field(default_factory=dict)

    def open(self, key: str, path: Path, id_column: str) -> None:
        tmp = self.stack.enter_context(atomic_path(path))
        self.writers[key] = self.stack.enter_context(pq.ParquetWriter(tmp, _schema(id_column)))

    def write(self, key: str, table: pa.Table) -> None:
        self.writers[key].write_table(table)


def _n_rows(path: Path) -> int:
    """Rows of a parquet table from its footer, for the bar's total (0 when it cannot be read:
    reading the table then names the problem)."""
    try:
        return int(pq.ParquetFile(path).metadata.num_rows)
    except (OSError, pa.ArrowException):
        return 0


def _embed_all(
    params: EmbedParams,
    embedder: CachedEmbedder,
    passages_path: Path,
    sentences_path: Path | None,
    writers: _Writers,
) -> list[_Counts]:
    """Stream the tables through `embedder` into the open writers; counts per table."""
    passage_counts, sentence_counts = _Counts(what="passages"), _Counts(what="sentences")
    if sentences_path is None:
        embedder.expect(_n_rows(passages_path))
    elif params.passage_vectors == "direct":
        embedder.expect(_n_rows(passages_path) + _n_rows(sentences_path))
    else:
        embedder.expect(_n_rows(sentences_path))
    passage_blocks = _blocks(passages_path, "segment", PASSAGE_COLUMNS, params.block_size)
    if sentences_path is None:
        for block in passage_blocks:
            started = time.perf_counter()
            vectors = embedder.embed(block["text"].tolist(), "passage")
            passage_counts.add(len(block), embedder.last_embedded, time.perf_counter() - started)
            writers.write("passages", _table("passage_id", block["passage_id"].tolist(), vectors))
        return [passage_counts]
    sentence_blocks = _blocks(sentences_path, "segment", SENTENCE_COLUMNS, params.block_size)
    for block, sentences in aligned_blocks(passage_blocks, sentence_blocks):
        started = time.perf_counter()
        if params.passage_vectors == "direct":
            vectors = embedder.embed(block["text"].tolist(), "passage")
            passage_counts.add(len(block), embedder.last_embedded, time.perf_counter() - started)
            started = time.perf_counter()
            sentence_vectors = embedder.embed(sentences["text"].tolist(), "passage")
            sentence_counts.add(len(sentences), embedder.last_embedded, 0.0)
        else:
            vectors, sentence_vectors = passage_vectors_from_sentences(embedder, block, sentences)
            sentence_counts.add(len(sentences), embedder.last_embedded, 0.0)
            passage_counts.add(len(block), 0, 0.0)
            passage_counts.derived = True
        sentence_counts.seconds += time.perf_counter() - started
        writers.write("passages", _table("passage_id", block["passage_id"].tolist(), vectors))
        ids = sentences["sentence_id"].tolist()
        writers.write("sentences", _table("sentence_id", ids, sentence_vectors))
    return [passage_counts, sentence_counts]


def main(
    passages_path: Path,
    embeddings_path: Path,
    anchors_path: Path,
    cache_dir: Path,
    sentences_path: Path | None = None,
    sentence_embeddings_path: Path | None = None,
) -> None:
    loaded = load_params()
    params = loaded.embed
    if params.batch_size < 1:
        raise UserError(f"embed.batch_size must be at least 1, got {params.batch_size}")
    if (sentences_path is None) != (sentence_embeddings_path is None):
        raise UserError("--sentences and --sentence-embeddings go together")
    inner = build_embedder(params)
    cache = EmbeddingCache(cache_dir)
    bar: tqdm[Any]
    with (
        build_executor(loaded.compute, multithreaded=True) as executor,
        tqdm(desc=f"embed ({inner.name})", unit="text", smoothing=0.1) as bar,
        ExitStack() as stack,
    ):
        embedder = CachedEmbedder(inner, cache, params.batch_size, executor=executor, bar=bar)
        writers = _Writers(stack)
        writers.open("passages", embeddings_path, "passage_id")
        if sentence_embeddings_path is not None:
            writers.open("sentences", sentence_embeddings_path, "sentence_id")
        counts = _embed_all(params, embedder, passages_path, sentences_path, writers)
        pairs = load_parallel_pairs()
        embedder.expect(2 * len(pairs))
        anchors = language_anchors(embedder, pairs)
    write_parquet_atomic(
        pd.DataFrame(
            {"language": list(anchors), "embedding": [np.asarray(v) for v in anchors.values()]}
        ),
        anchors_path,
    )
    mode = "" if sentences_path is None else f", passages: {params.passage_vectors}"
    print(f"embed ({inner.name}{mode}): " + "; ".join(c.summary() for c in counts))


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
