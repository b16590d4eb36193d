"""Tokenize throughput: the seed corpus repeated 100 times, streamed, vs single-process jieba.

    python benchmarks/bench_tokenize.py [--repeat 100] [--jieba-mb 2]

Runs the whole `Tokenizer.analyse` path (normalise, segment with the policy user dictionary,
all stopword/number rules, counting) through `analyse_stream`, the function the stage uses,
with 1 and 2 worker processes; passages are generated lazily and results discarded, so memory
stays bounded. The baseline is `jieba.lcut` (default dictionary, HMM on, one process) timed on
a ~2 MB prefix of the same stream and extrapolated (it runs at well under 1 MB/s). Peak memory
is the maximum resident set size (getrusage) of this process and of the largest worker.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
import warnings
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from policytopics.compute import build_executor
from policytopics.config import ComputeParams, TokenizeParams, load_params
from policytopics.text.batch import analyse_stream
from policytopics.text.normalize import detect_language
from policytopics.text.tokenize import build_tokenizer

ROOT = Path(__file__).resolve().parents[1]


def seed_passages() -> list[tuple[str, str]]:
    """Every non-empty line of the seed files, with the file's language."""
    passages = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        language = detect_language(text)
        passages += [(line, language) for line in text.splitlines() if line.strip()]
    return passages


def repeated(passages: list[tuple[str, str]], times: int) -> Iterator[tuple[str, str]]:
    """The corpus `times` over, generated lazily."""
    for _ in range(times):
        yield from passages


def cpu_seconds() -> float:
    """User + system CPU time of this process and of its finished children (the workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_tokenizer(
    params: TokenizeParams, passages: list[tuple[str, str]], repeat: int, workers: int
) -> tuple[float, int, Counter[str]]:
    """Seconds, tokens kept and a count of user-dictionary terms in the output."""
    tokenizer = build_tokenizer(params)
    user_terms = {w.word for w in tokenizer.user_words}
    terms: Counter[str] = Counter()
    kept = 0
    start = time.perf_counter()
    with build_executor(ComputeParams(workers=workers)) as executor:
        stream = analyse_stream(repeated(passages, repeat), tokenizer, executor, params.chunk_size)
        for analysis in stream:
            kept += len(analysis.tokens)
            terms.update(t for t in analysis.tokens if t in user_terms)
    return time.perf_counter() - start, kept, terms


def run_jieba(passages: list[tuple[str, str]], megabytes: float) -> tuple[float, int]:
    """Seconds and bytes for single-process jieba.lcut over the first `megabytes` of the stream."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import jieba
    jieba.setLogLevel(60)
    jieba.initialize()
    done = 0
    start = time.perf_counter()
    for text, _ in repeated(passages, 10_000):
        jieba.lcut(text)
        done += len(text.encode("utf-8"))
        if done >= megabytes * 1e6:
            break
    return time.perf_counter() - start, done


def peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--jieba-mb", type=float, default=2.0)
    args = parser.parse_args()
    params = load_params(ROOT / "params.yaml").tokenize
    passages = seed_passages()
    corpus_bytes = sum(len(t.encode("utf-8")) for t, _ in passages)
    total_mb = corpus_bytes * args.repeat / 1e6
    print(f"seed corpus: {len(passages)} lines, {corpus_bytes / 1e6:.2f} MB; x{args.repeat}")
    print(f"= {total_mb:.1f} MB streamed; engine {params.engine}, hmm {params.hmm}")

    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    rows = []
    for workers in (1, 2):
        cpu = cpu_seconds()
        seconds, kept, terms = run_tokenizer(params, passages, args.repeat, workers)
        cpu = cpu_seconds() - cpu
        rows.append((f"policytopics tokenize, {workers} process(es)", total_mb, seconds, cpu))
        term = "成渝地区双城经济圈"
        print(
            f"workers={workers}: {kept:,} tokens kept; user-dictionary terms in output: "
            f"{sum(terms.values()):,} ({term}: {terms[term]:,})",
            flush=True,
        )
    cpu = cpu_seconds()
    seconds, done = run_jieba(passages, args.jieba_mb)
    cpu = cpu_seconds() - cpu
    rows.append((f"jieba.lcut, 1 process ({done / 1e6:.1f} MB sample)", done / 1e6, seconds, cpu))

    print(f"\n{'run':<46} {'MB':>6} {'wall s':>7} {'MB/s':>6} {'CPU s':>7} {'MB/CPU-s':>8}")
    for name, mb, secs, cpu in rows:
        print(f"{name:<46} {mb:>6.1f} {secs:>7.1f} {mb / secs:>6.2f} {cpu:>7.1f} {mb / cpu:>8.2f}")
    print(f"load average after: {os.getloadavg()[0]:.1f} (other processes share the cores)")
    _, mb, _, cpu = rows[1]
    print(
        f"2 processes, CPU-bound estimate with both cores free: {mb / (cpu / 2):.1f} MB/s "
        f"({cpu:.1f} CPU s over 2 cores; the wall-clock figure above is what this machine gave)"
    )
    jieba_rate = rows[-1][1] / rows[-1][2]
    print(f"jieba.lcut extrapolated to {total_mb:.0f} MB: {total_mb / jieba_rate:.0f} s")
    print(f"speed-up of 2 processes over jieba.lcut: {rows[1][1] / rows[1][2] / jieba_rate:.1f}x")
    print(
        f"peak RSS: this process {peak_mb(resource.RUSAGE_SELF):.0f} MB, "
        f"largest worker {peak_mb(resource.RUSAGE_CHILDREN):.0f} MB"
    )


if __name__ == "__main__":
    main()
