"""One CPU target for numba, numpy and OpenBLAS (policytopics/cpu.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from policytopics.cpu import HASWELL_LEVEL, has_avx2_fma, pin_cpu_target

AVX2 = {"sse2", "avx", "avx2", "fma"}


def test_an_avx2_cpu_gets_the_haswell_level_and_a_users_setting_stays() -> None:
    environ = {"NUMBA_CPU_NAME": "generic"}
    set_now = pin_cpu_target(environ, machine="x86_64", flags=AVX2)
    assert environ == {**HASWELL_LEVEL, "NUMBA_CPU_NAME": "generic"}
    assert "NUMBA_CPU_NAME" not in set_now and set_now["OPENBLAS_CORETYPE"] == "Haswell"


def test_other_cpus_and_the_opt_out_are_left_alone() -> None:
    for machine, flags in (("aarch64", AVX2), ("x86_64", {"sse2", "avx"})):
        environ: dict[str, str] = {}
        assert pin_cpu_target(environ, machine=machine, flags=flags) == {}
        assert environ == {}
    environ = {"POLICYTOPICS_HOST_CPU": "1"}
    assert pin_cpu_target(environ, machine="x86_64", flags=AVX2) == {}
    assert environ == {"POLICYTOPICS_HOST_CPU": "1"}


def test_numpy_never_gets_both_of_its_cpu_variables() -> None:
    environ = {"NPY_ENABLE_CPU_FEATURES": "X86_V3"}  # numpy refuses to start with both set
    pin_cpu_target(environ, machine="x86_64", flags=AVX2)
    assert "NPY_DISABLE_CPU_FEATURES" not in environ and environ["NUMBA_CPU_NAME"] == "haswell"


def test_a_stage_process_runs_numpy_and_numba_at_the_pinned_level() -> None:
    """`import policytopics` comes first in every stage, so numpy and numba see the pins."""
    assert has_avx2_fma(), "the development machine and CI are AVX2 + FMA x86-64"
    code = (
        "import json, policytopics, numpy, numba\n"
        "from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__\n"
        "print(json.dumps({'numpy': [f for f in __cpu_dispatch__ if __cpu_features__[f]],"
        " 'numba': [numba.config.CPU_NAME, numba.config.CPU_FEATURES]}))"
    )
    env = {k: v for k, v in os.environ.items() if k not in HASWELL_LEVEL}
    env.pop("POLICYTOPICS_HOST_CPU", None)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert json.loads(done.stdout) == {"numpy": ["X86_V3"], "numba": ["haswell", ""]}
