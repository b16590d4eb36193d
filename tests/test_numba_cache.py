"""UMAP's numba kernels are cached on disk, and the cached code gives the same bytes."""

from __future__ import annotations

import json
import subprocess
import sys

# One of UMAP's kernels that numba would compile in every process (no cache=True upstream),
# run on fixed distances; prints the sha256 of its outputs and whether numba loaded it from disk.
SCRIPT = """
import hashlib, json
import numpy as np
import policytopics  # the CPU pins, before numba
import umap.umap_ as umap_
from policytopics.models.numba_cache import cache_compiled_kernels, uncached_kernels

enabled = cache_compiled_kernels()
rng = np.random.default_rng(7)
distances = np.sort(rng.random((200, 15)).astype(np.float32), axis=1)
sigmas, rhos = umap_.smooth_knn_dist(distances, 15.0)
digest = hashlib.sha256(sigmas.tobytes() + rhos.tobytes()).hexdigest()
print(json.dumps({
    "enabled": enabled,
    "left": len(uncached_kernels()),
    "hits": sum(umap_.smooth_knn_dist.stats.cache_hits.values()),
    "sha256": digest,
}))
"""

# the sha256 of that output: compiled, and loaded from the cache, on this project's CPU pins
GOLDEN = "364ee5e0ddbf19ca53d755b074010524447029eb374f5523541df10aa8230d17"


def _run(script: str = SCRIPT) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_umap_kernels_are_compiled_once_and_give_the_same_bytes() -> None:
    # numba's own cache location (UMAP's __pycache__, else its user-wide directory), as in a
    # stage: the first process compiles and saves, unless an earlier one already did ...
    first = _run()
    second = _run()

    assert isinstance(first["enabled"], int) and first["enabled"] > 100  # 250+ in UMAP 0.5
    assert first["left"] == 0  # every uncached kernel of the imported modules now caches
    assert second["hits"] == 1  # ... and the next process loads it instead of compiling
    assert first["sha256"] == second["sha256"] == GOLDEN


def test_without_the_switch_umap_compiles_in_every_process() -> None:
    """What the module is for: upstream this kernel has no cache, so every process compiles
    it, and the freshly compiled code gives the bytes the cached code gives (GOLDEN)."""
    result = _run(SCRIPT.replace("enabled = cache_compiled_kernels()", "enabled = 0"))
    assert result["hits"] == 0 and isinstance(result["left"], int) and result["left"] > 100
    assert result["sha256"] == GOLDEN
