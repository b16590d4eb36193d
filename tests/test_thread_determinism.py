"""The lda stage writes the same bytes whatever the thread count (OMP_NUM_THREADS 1 and 2)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import yaml
from test_lda_stage import TEXTS

OUTPUTS = ("topics.csv", "doc_topics.parquet", "metrics.json", "coherence.csv", "ldavis.html")


def run_lda(root: Path, threads: int, repo_root: Path) -> dict[str, bytes]:
    """The lda stage in a fresh process with `threads` BLAS/OpenMP threads; every file written."""
    out = root / f"threads{threads}"
    argv = ["--tokens", str(root / "tokens.parquet"), "--model-dir", str(out / "model")]
    for name in OUTPUTS:
        flag = {"doc_topics.parquet": "doc-topics"}.get(name, name.split(".")[0])
        argv += [f"--{flag}", str(out / name)]
    env = {
        **os.environ,
        "OMP_NUM_THREADS": str(threads),
        "OPENBLAS_NUM_THREADS": str(threads),
        "PYTHONPATH": str(repo_root / "src"),
    }
    subprocess.run(
        [sys.executable, "-m", "policytopics.stages.lda", *argv],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
    )
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_lda_outputs_are_byte_identical_on_one_and_two_threads(
    tmp_path: Path, repo_root: Path
) -> None:
    n = len(TEXTS)
    pd.DataFrame(
        {
            "passage_id": [f"d#01/p{i:04d}" for i in range(n + 2)],
            "language": ["zh"] * (n + 1) + ["en"],
            "tokens": [*TEXTS, [], ["ecolog"]],
        }
    ).to_parquet(tmp_path / "tokens.parquet", index=False)
    lda = {"num_topics": [3, 4], "min_df": 1, "max_df": 0.9, "passes": 10, "chunksize": 10}
    (tmp_path / "params.yaml").write_text(
        yaml.safe_dump({"seed": 5, "lda": {**lda, "coherence_top_n": 4}}), encoding="utf-8"
    )
    one = run_lda(tmp_path, 1, repo_root)
    two = run_lda(tmp_path, 2, repo_root)
    assert sorted(one) == sorted(two)
    assert {"topics.csv", "model/meta.json"} <= set(one)
    assert [name for name in one if one[name] != two[name]] == []
