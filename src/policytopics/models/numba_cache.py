"""Keep UMAP's compiled code between processes: numba's on-disk cache for its kernels.

UMAP and pynndescent are numba code. pynndescent marks most of its functions `cache=True`, so
numba compiles them once and loads them from disk afterwards; UMAP marks almost none, so every
process that fits or applies a UMAP compiles them again: on the seeds, about 13 of the bertopic
stage's 23 seconds (docs/scaling.md, "Compiled once"). `cache_compiled_kernels` turns numba's
cache on (`Dispatcher.enable_caching`, numba's own switch) for every module-level numba
function of the already imported `umap` and `pynndescent` modules that has none.

The cached machine code is what numba would compile again: the cache is keyed by the source
file and by the CPU target, which `policytopics.cpu` pins, so the outputs are byte-identical
with and without it (tests/test_numba_cache.py). numba writes the cache to `__pycache__`
beside the library's source when it can, else to its user-wide directory (`NUMBA_CACHE_DIR`
overrides both).
"""

from __future__ import annotations

import sys

from numba.core.caching import NullCache
from numba.core.dispatcher import Dispatcher

PACKAGES = ("umap", "pynndescent")


def uncached_kernels(packages: tuple[str, ...] = PACKAGES) -> list[Dispatcher]:
    """The module-level numba functions of the imported modules of `packages` that numba
    compiles again in every process (no on-disk cache), in import order."""
    found: list[Dispatcher] = []
    for name, module in list(sys.modules.items()):
        if module is None or name.partition(".")[0] not in packages:
            continue
        for obj in list(vars(module).values()):
            if (
                isinstance(obj, Dispatcher)
                and getattr(obj.py_func, "__module__", None) == name  # defined here
                and isinstance(getattr(obj, "_cache", None), NullCache)
            ):
                found.append(obj)
    return found


def cache_compiled_kernels(packages: tuple[str, ...] = PACKAGES) -> int:
    """Turn numba's on-disk cache on for `uncached_kernels(packages)`; returns how many.

    Idempotent; call it after importing the packages and before their first fit. A function
    numba cannot cache (it warns so when saving) is simply compiled again, as before.
    """
    kernels = uncached_kernels(packages)
    for kernel in kernels:
        kernel.enable_caching()
    return len(kernels)
