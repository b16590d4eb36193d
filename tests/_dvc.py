"""Run DVC in a test's temporary project with this environment's interpreter."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_dvc(project: Path, *args: str) -> str:
    """`dvc <args>` in `project` (the venv's bin first on PATH, so stage commands find
    `python -m policytopics...`); a failure shows the tail of DVC's output."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env["DVC_NO_ANALYTICS"] = "1"
    result = subprocess.run(
        [sys.executable, "-m", "dvc", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


# settings that shrink the topic models and the bootstrap so a test pipeline runs in minutes
SMALL_PIPELINE: dict[str, dict[str, object]] = {
    "compute": {"workers": 1},
    "lda": {"num_topics": [3, 4], "passes": 5, "iterations": 50, "min_df": 2},
    "bertopic": {
        "min_df": 2,
        "hdbscan": {"min_cluster_size": 5, "min_samples": 2},
        "visualise_top_n_topics": 5,
    },
    "classify": {"evaluation": {"cv_folds": 3}},
    "prevalence": {"n_bootstrap": 50},
}


def with_overrides(
    params: dict[str, object], overrides: dict[str, dict[str, object]]
) -> dict[str, object]:
    """`params` (params.yaml as loaded) with each section's keys set from `overrides`; a
    nested mapping (bertopic.hdbscan) is merged into the one it overrides."""
    for section, values in overrides.items():
        current = params[section]
        assert isinstance(current, dict)
        for key, value in values.items():
            current[key] = {**current[key], **value} if isinstance(value, dict) else value
    return params


def link_embedding_cache(project: Path, cache: Path) -> None:
    """Point `project`'s embedding cache (dvc.yaml's data/cache/embeddings) at `cache`."""
    (project / "data" / "cache").mkdir(parents=True, exist_ok=True)
    (project / "data" / "cache" / "embeddings").symlink_to(cache, target_is_directory=True)
