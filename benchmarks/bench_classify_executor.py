"""The classify stage in its own process (compute.workers: 1) and on local worker processes
(compute.workers: 0, one per core, with compute.min_fit_workers: 1 so that even 2 workers are
used; the default, 4, keeps the fits in process on fewer), side by side on the same inputs.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_classify_executor.py [--repeat 2]

Run it from a checkout whose classify inputs exist (`dvc repro classify` done) and whose
embedding cache is warm (the label texts already embedded): both configurations then only
read vectors, and the difference is the model fits (evaluation fits, cross-validation folds,
held-out and final fits: one task each). The stage runs as dvc.yaml's `cmd` says, in a fresh
process per run, with its outputs redirected to a temporary directory and `compute.workers`
changed in a copy of params.yaml; the configurations alternate (`--repeat` rounds). Prints
the wall time, the CPU seconds (the stage and its worker processes), the peak RSS of the
largest process and the 1-minute load average before each run (other work on the machine
takes cores from the 2-worker runs first), and whether both configurations wrote the same
bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

CONFIGS = {"serial": 1, "workers": 0}  # compute.workers; 0 = one per core
STAGE = "classify"


def resolve(command: str, params: dict[str, Any]) -> list[str]:
    """dvc.yaml's cmd with ${section.key} filled from params.yaml, split into arguments."""

    def value(match: re.Match[str]) -> str:
        node: Any = params
        for key in match.group(1).split("."):
            node = node[key]
        return str(node)

    return shlex.split(re.sub(r"\$\{([^}]+)\}", value, command))


def stage_arguments(root: Path, out: Path) -> tuple[list[str], list[str]]:
    """The stage's arguments with inputs absolute and outputs under `out`; the outputs."""
    spec = yaml.safe_load((root / "dvc.yaml").read_text(encoding="utf-8"))["stages"][STAGE]
    params = yaml.safe_load((root / "params.yaml").read_text(encoding="utf-8"))
    argv = resolve(spec["cmd"], params)
    outs = [next(iter(o)) if isinstance(o, dict) else str(o) for o in spec["outs"]]
    module = argv.index("-m") + 2
    args = []
    for arg in argv[module:]:
        if arg in outs:
            args.append(str(out / arg))
        elif arg.startswith("-"):
            args.append(arg)
        else:
            args.append(str(root / arg))
    return args, outs


def digests(directory: Path, outs: list[str]) -> dict[str, str]:
    """sha256 of every file the stage wrote."""
    files = []
    for name in outs:
        path = directory / name
        files += sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files
    }


def run(root: Path, work: Path, name: str, workers: int, round_: int) -> dict[str, Any]:
    """One run of the stage with `compute.workers: workers`: wall, CPU, peak RSS, digests."""
    here = work / f"{name}{round_}"
    here.mkdir(parents=True)
    params = yaml.safe_load((root / "params.yaml").read_text(encoding="utf-8"))
    params.setdefault("compute", {})["workers"] = workers
    params["compute"]["min_fit_workers"] = 1  # measure the workers, whatever the default
    (here / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True), "utf-8")
    args, outs = stage_arguments(root, here)
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    log = here / "stderr.log"
    load = os.getloadavg()[0]  # other work on the machine: compare runs of similar load
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", f"policytopics.stages.{STAGE}", *args],
            cwd=here,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        tail = log.read_text(encoding="utf-8").strip().splitlines()[-3:]
        raise SystemExit(f"{name}: the stage failed: " + " / ".join(tail))
    return {
        "config": name,
        "workers": workers,
        "seconds": round(seconds, 1),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
        "load_before": round(load, 2),
        "digests": digests(here, outs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, default=Path(), help="checkout with the inputs")
    parser.add_argument("--repeat", type=int, default=1, help="rounds (configurations alternate)")
    args = parser.parse_args()
    root = args.repo.resolve()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-classify-") as tmp:
        for round_ in range(args.repeat):
            for name, workers in CONFIGS.items():
                rows.append(run(root, Path(tmp), name, workers, round_))
                row = rows[-1]
                print(
                    f"{name} (compute.workers: {workers}): {row['seconds']} s wall, "
                    f"{row['cpu_seconds']} CPU-s, peak RSS {row['peak_rss_mb']} MB "
                    f"(load average {row['load_before']} before)",
                    flush=True,
                )
    print("\n| config | compute.workers | wall s | CPU s | peak RSS MB | load before |")
    print("|---|---:|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['config']} | {row['workers']} | {row['seconds']} | {row['cpu_seconds']} "
            f"| {row['peak_rss_mb']} | {row['load_before']} |"
        )
    for name in CONFIGS:
        times = [r["seconds"] for r in rows if r["config"] == name]
        print(f"{name}: best {min(times)} s of {len(times)}")
    same = all(r["digests"] == rows[0]["digests"] for r in rows)
    print(f"outputs identical across runs and configurations: {same}")
    if not same:
        for row in rows:
            differing = sorted(
                k for k, v in row["digests"].items() if rows[0]["digests"].get(k) != v
            )
            print(f"  {row['config']}: differs in {differing}")


if __name__ == "__main__":
    main()
