"""Cold `dvc repro` of the seeds from a fresh clone, per stage, for two commits side by side.

    .venv/bin/python benchmarks/bench_repro.py f87204a HEAD [--setup] [--repo .] [--work /tmp/x]
    .venv/bin/python benchmarks/bench_repro.py HEAD --corpus dev   # seeds + ../shared/corpora

For each commit, one after the other (never at the same time: they would share the cores):
a fresh `git clone` checked out at the commit (no DVC cache, no embedding cache: cold), then
optionally the set-up `make repro` runs first (timed: `make setup`, or `make setup-runtime`
where the Makefile's repro target uses that: uv sync of the locked environment), then every
dvc.yaml stage in dependency order with `dvc repro --single-item <stage>` under
`/usr/bin/time`, which gives the wall time, the CPU seconds and the peak RSS of the largest
process the stage ran. Without `--setup` the clone runs on this repository's `.venv`
(PYTHONPATH puts the clone's `src/` first). Prints a Markdown table and writes it as JSON
next to `--work`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

TIME = "/usr/bin/time"


def stage_order(dvc_yaml: Path) -> list[str]:
    """dvc.yaml's stages, each after the stages whose outputs it depends on (file order kept)."""
    stages: dict[str, Any] = yaml.safe_load(dvc_yaml.read_text(encoding="utf-8"))["stages"]

    def paths(entries: list[Any]) -> list[str]:
        return [next(iter(e)) if isinstance(e, dict) else str(e) for e in entries or []]

    outs = {
        name: paths(s.get("outs", [])) + paths(s.get("metrics", [])) for name, s in stages.items()
    }

    def needs(name: str) -> set[str]:
        deps = paths(stages[name].get("deps", []))
        return {
            other
            for other, produced in outs.items()
            if other != name
            and any(d == o or d.startswith(o.rstrip("/") + "/") for d in deps for o in produced)
        }

    order: list[str] = []
    while len(order) < len(stages):
        ready = [n for n in stages if n not in order and needs(n) <= set(order)]
        if not ready:
            raise SystemExit(f"{dvc_yaml}: a cycle among {sorted(set(stages) - set(order))}")
        order.append(ready[0])
    return order


def timed(cmd: list[str], cwd: Path, env: dict[str, str], log: Path) -> tuple[float, float, float]:
    """(wall seconds, peak RSS MB, CPU seconds) of `cmd`; output appended to `log`; a failure
    stops all. CPU seconds (user + system of `cmd` and the processes it waited for, Dask
    workers included) vary far less than wall time when other jobs share the machine."""
    report = log.with_suffix(".time")
    started = time.perf_counter()
    with log.open("a", encoding="utf-8") as out:
        out.write(f"\n$ {' '.join(cmd)}\n")
        out.flush()
        result = subprocess.run(
            [TIME, "-f", "%M %U %S", "-o", str(report), *cmd],
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=out,
        )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed in {cwd} (exit {result.returncode}); see {log}")
    peak_kb, user, system = report.read_text(encoding="utf-8").strip().splitlines()[-1].split()
    return seconds, float(peak_kb) / 1024, float(user) + float(system)


SHARED = Path("../shared/corpora")  # the dev corpora, beside the repository (never copied)
# their declarations, as docs/corpus.md gives them: one copy, shared with the tests (which also
# check docs/corpus.md against it)
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from _corpora import CONGRESS_TABLE, WORKBOOK_TABLE  # noqa: E402

DEV_TABLES: list[dict[str, Any]] = [WORKBOOK_TABLE, CONGRESS_TABLE]
DEV_FILES = ("cpc_congress/cpc_congress_reports.jsonl", "policies_digital/Policies Data.xlsx")


def use_dev_corpora(clone: Path, repo: Path, folder: Path) -> None:
    """Point the clone at a corpus folder of the seeds plus both dev corpora (symlinks) and
    declare the two tables: only settings change, as a researcher would do it."""
    subprocess.run(["rm", "-rf", str(folder)], check=True)
    folder.mkdir(parents=True)
    for path in sorted((clone / "seeds").iterdir()):
        if path.suffix == ".txt" or path.name == "manifest.csv":
            (folder / path.name).symlink_to(path)
    for name in DEV_FILES:
        source = (repo / SHARED / name).resolve()
        if not source.exists():
            raise SystemExit(f"{source}: missing (the dev corpora live in ../shared/corpora)")
        (folder / source.name).symlink_to(source)
    params_path = clone / "params.yaml"
    params = yaml.safe_load(params_path.read_text(encoding="utf-8"))
    params["corpus"] = {**params["corpus"], "dir": str(folder), "tables": DEV_TABLES}
    params_path.write_text(
        yaml.safe_dump(params, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )


def setup_targets(makefile: Path) -> list[str]:
    """What `make repro` builds before `dvc repro` (its prerequisites): the set-up it times."""
    for line in makefile.read_text(encoding="utf-8").splitlines():
        if line.startswith("repro:"):
            return line.removeprefix("repro:").split() or ["setup"]
    return ["setup"]


def run_commit(
    repo: Path, commit: str, work: Path, setup: bool, only: list[str], corpus: str = "seeds"
) -> dict[str, Any]:
    """Clone `commit` into `work`, optionally set up, run every stage; timings per stage."""
    resolved = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--short", commit],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    clone = work / f"clone-{resolved}"
    log = work / f"repro-{resolved}.log"
    subprocess.run(["rm", "-rf", str(clone)], check=True)
    subprocess.run(["git", "clone", "--quiet", "--no-local", str(repo), str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "checkout", "--quiet", resolved], check=True)
    if corpus == "dev":
        use_dev_corpora(clone, repo, work / f"corpus-{resolved}")
    env = {**os.environ, "DVC_NO_ANALYTICS": "1"}
    rows: dict[str, Any] = {"commit": resolved, "corpus": corpus, "stages": {}}
    if setup:
        rows["setup"] = timed(["make", *setup_targets(clone / "Makefile")], clone, env, log)
        bin_dir = clone / ".venv" / "bin"
    else:
        bin_dir = Path(sys.executable).parent
        env["PYTHONPATH"] = str(clone / "src")
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    started = time.perf_counter()
    for stage in stage_order(clone / "dvc.yaml"):
        if only and stage not in only:
            continue
        cmd = [str(bin_dir / "dvc"), "repro", "--single-item", stage]
        rows["stages"][stage] = timed(cmd, clone, env, log)
        print(f"  {resolved} {stage}: {rows['stages'][stage][0]:.1f} s", file=sys.stderr)
    rows["repro_seconds"] = time.perf_counter() - started
    return rows


def table(results: list[dict[str, Any]]) -> str:
    head = "| stage | " + " | ".join(
        f"{r['commit']} s | {r['commit']} CPU s | {r['commit']} peak RSS MB" for r in results
    )
    lines = [head + " |", "|---|" + "---:|---:|---:|" * len(results)]
    names = list(dict.fromkeys(n for r in results for n in r["stages"]))
    extra = [("setup", "setup")] if any("setup" in r for r in results) else []
    for label, key in [*extra, *((n, n) for n in names)]:
        cells = []
        for r in results:
            value = r.get(key) if key == "setup" else r["stages"].get(key)
            cpu = f"{value[2]:.1f}" if value and len(value) > 2 else "-"
            cells.append(f"{value[0]:.1f} | {cpu} | {value[1]:,.0f}" if value else "- | - | -")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    totals = []
    for r in results:
        parts = [r["setup"]] if "setup" in r else []
        parts += list(r["stages"].values())
        total = r["repro_seconds"] + (r["setup"][0] if "setup" in r else 0.0)
        cpu = sum(p[2] for p in parts if len(p) > 2)
        totals.append(f"{total:.1f} ({total / 60:.1f} min) | {cpu:.1f} | ")
    lines.append("| **total** | " + " | ".join(totals) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("commits", nargs="+", help="e.g. f87204a HEAD")
    parser.add_argument("--repo", type=Path, default=Path())
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-repro"))
    parser.add_argument("--setup", action="store_true", help="time make repro's set-up, per clone")
    parser.add_argument("--only", nargs="*", default=[], help="these stages (a quick check)")
    parser.add_argument(
        "--corpus",
        choices=("seeds", "dev"),
        default="seeds",
        help="dev: the seeds plus both corpora of ../shared/corpora (settings changed only)",
    )
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    results = []
    for commit in args.commits:
        print(f"{commit}: cold repro from a fresh clone ...", file=sys.stderr)
        repo = args.repo.resolve()
        results.append(run_commit(repo, commit, args.work, args.setup, args.only, args.corpus))
    corpus = "the seeds" if args.corpus == "seeds" else "the seeds plus both dev corpora"
    print(f"Cold dvc repro of {corpus}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(table(results))
    out = args.work / "bench_repro.json"
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"(also {out})")


if __name__ == "__main__":
    main()
