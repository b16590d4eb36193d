"""The effects stage's bootstrap replicates in process and on local Dask workers, side by side.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_effects_executor.py [--copies 1 8]

The effects stage (covariate effects and the year x locality panel) draws its replicates in
fixed chunks of 50, each with its own seed (`analysis.composition.chunk_seeds`), and maps them
on the executor seam. This runs the stage's `main` on the pipeline outputs of the seeds
(`data/interim`, `data/processed`, `reports/classify/calibration.json`), and on `--copies` N
copies of them (every document, passage and sentence repeated N times under new ids, so a
corpus N times larger with the same covariates), once with `compute.workers: 1` (in process)
and once with `compute.workers: 0` (a LocalCluster, one worker per core, with
`compute.min_fit_workers: 1` so that even 2 workers are used), alternating, and checks that
both wrote the same bytes. CPU seconds count this process and its children.
"""

from __future__ import annotations

import policytopics  # noqa: F401  # isort: skip  # first: the CPU target, before numpy loads
import argparse
import hashlib
import resource
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest import mock

import pandas as pd

from policytopics.config import load_params
from policytopics.stages import effects as stage

INPUTS = {
    "documents": "data/interim/documents.parquet",
    "passages": "data/interim/passages.parquet",
    "passage_themes": "data/processed/passage_themes.parquet",
    "sentence_themes": "data/processed/sentence_themes.parquet",
}
OUTPUTS = ("effects", "marginal_shares", "panel", "metrics")


def replicate(source: Path, target: Path, copies: int) -> dict[str, Path]:
    """The stage's inputs, each document repeated `copies` times under new ids."""
    target.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for name, relative in INPUTS.items():
        table = pd.read_parquet(source / relative)
        if copies > 1:
            parts = []
            for copy in range(copies):
                part = table.copy()
                for column in ("doc_id", "passage_id", "sentence_id"):
                    if column in part.columns:
                        part[column] = part[column].astype(str) + f"~{copy}"
                parts.append(part)
            table = pd.concat(parts, ignore_index=True)
        paths[name] = target / Path(relative).name
        table.to_parquet(paths[name], index=False)
    return paths


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run(inputs: dict[str, Path], out: Path, workers: int) -> tuple[float, float, str]:
    """Wall and CPU seconds of the stage with `compute.workers`, and a digest of its outputs."""
    params = load_params()
    changed = params.model_copy(
        update={
            "compute": params.compute.model_copy(update={"workers": workers, "min_fit_workers": 1})
        }
    )
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Any] = {name: out / f"{name}.out" for name in OUTPUTS}
    wall, cpu = time.perf_counter(), cpu_seconds()
    with mock.patch.object(stage, "load_params", return_value=changed):
        stage.main(**inputs, **paths, calibration=Path("reports/classify/calibration.json"))
    digest = hashlib.sha256(b"".join(paths[n].read_bytes() for n in OUTPUTS)).hexdigest()
    return time.perf_counter() - wall, cpu_seconds() - cpu, digest[:12]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--copies", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    print("| copies | documents | round | workers | wall s | CPU s | outputs |")
    print("|---:|---:|---:|---|---:|---:|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for copies in args.copies:
            inputs = replicate(Path(), Path(tmp) / f"in{copies}", copies)
            n_docs = len(pd.read_parquet(inputs["documents"]))
            digests = set()
            for round_ in range(1, args.rounds + 1):
                for label, workers in (("in process", 1), ("LocalCluster", 0)):
                    wall, cpu, digest = run(inputs, Path(tmp) / f"out{copies}", workers)
                    digests.add(digest)
                    print(
                        f"| {copies} | {n_docs} | {round_} | {label} | {wall:.1f} | {cpu:.1f} "
                        f"| {digest} |",
                        flush=True,
                    )
            print(f"copies {copies}: {'same bytes' if len(digests) == 1 else 'DIFFERENT'}")


if __name__ == "__main__":
    main()
