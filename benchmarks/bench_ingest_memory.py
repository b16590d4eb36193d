"""Ingest's peak memory on a folder of PDFs: every file's bytes read up front (the stage until
2026-12-04, the baseline) against each file read when its turn comes (`stages.ingest.DiskFile`).

    python benchmarks/bench_ingest_memory.py [--files 300] [--chars 2000]

Builds `--files` text-layer PDFs with WeasyPrint (the CJK font of `report.font_family`) from
consecutive `--chars`-character pieces of the seed reports and the congress reports of
`../shared/corpora/` (when present), so no two are duplicates; then runs `corpus.ingest.ingest`
on them in a fresh process per mode and prints wall time, peak RSS during ingest (sampled
every 5 ms) and above the process's RSS before it, and whether both modes gave the same documents.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONGRESS = ROOT.parent / "shared" / "corpora" / "cpc_congress" / "cpc_congress_reports.jsonl"


def source_text() -> str:
    """The seed reports, then the congress reports' text (when the corpora are present)."""
    parts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    if CONGRESS.is_file():
        for line in CONGRESS.read_text(encoding="utf-8").splitlines():
            parts.append(str(json.loads(line)["content"]))
    return "\n".join(parts)


def build_corpus(folder: Path, n_files: int, chars: int) -> int:
    """`n_files` PDFs of distinct text; returns their total size in bytes."""
    from weasyprint import HTML

    from policytopics.config import load_params

    font = load_params().report.font_family
    text = "".join(source_text().split())
    if len(text) < n_files * chars:
        raise SystemExit(f"only {len(text)} characters of source text: lower --files or --chars")
    for index in range(n_files):
        piece = text[index * chars : (index + 1) * chars]
        lines = "".join(f"<p>{piece[i : i + 400]}</p>" for i in range(0, len(piece), 400))
        html = f"<html><body style=\"font-family: '{font}'\">{lines}</body></html>"
        HTML(string=html).write_pdf(folder / f"{index:03d}.pdf")
    return sum(p.stat().st_size for p in folder.glob("*.pdf"))


def resident_mb() -> float:
    """This process's resident set size now (Linux /proc)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


class RssSampler(threading.Thread):
    """The largest resident set size seen every 5 ms while running (getrusage's maximum is
    the whole process's, which imports may already have set)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = resident_mb()
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(0.005):
            self.peak = max(self.peak, resident_mb())

    def stop(self) -> float:
        self._stop_event.set()
        self.join()
        return max(self.peak, resident_mb())


def measure(folder: Path, mode: str) -> dict[str, object]:
    """Ingest `folder` in this process, reading the files `mode` (eager or lazy)."""
    from policytopics.corpus.gazetteer import load_gazetteer
    from policytopics.corpus.ingest import CorpusFile, SeedFile, ingest
    from policytopics.corpus.manifest import EMPTY_MANIFEST
    from policytopics.stages.ingest import DiskFile

    gazetteer = load_gazetteer()
    before = resident_mb()
    sampler = RssSampler()
    sampler.start()
    paths = sorted(folder.glob("*.pdf"))
    started = time.perf_counter()
    files: list[CorpusFile] = (
        [SeedFile(p.name, p.read_bytes()) for p in paths]
        if mode == "eager"
        else [DiskFile(p.name, p) for p in paths]
    )
    result = ingest(files, EMPTY_MANIFEST, gazetteer, corpus_dir=str(folder))
    seconds = time.perf_counter() - started
    peak = sampler.stop()
    digest = hashlib.sha256(result.documents.to_json().encode("utf-8")).hexdigest()
    return {
        "mode": mode,
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(peak, 1),
        "rss_above_start_mb": round(peak - before, 1),
        "documents": len(result.documents),
        "chars": int(result.documents["text"].str.len().sum()),
        "sha256": digest,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--chars", type=int, default=2000)
    parser.add_argument("--measure", nargs=2, metavar=("FOLDER", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(Path(args.measure[0]), args.measure[1])))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        size = build_corpus(folder, args.files, args.chars)
        print(
            f"{args.files} PDFs, {size / 1e6:.1f} MB, built in "
            f"{time.perf_counter() - started:.0f} s"
        )
        rows = []
        for mode in ("eager", "lazy"):
            out = subprocess.run(
                [sys.executable, __file__, "--measure", str(folder), mode],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            )
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    header = f"{'mode':<6} {'s':>6} {'peak RSS MB':>12} {'above start MB':>15}"
    print(f"{header} {'docs':>5} {'chars':>8}")
    for row in rows:
        print(
            f"{row['mode']:<6} {row['seconds']:>6} {row['peak_rss_mb']:>12} "
            f"{row['rss_above_start_mb']:>15} {row['documents']:>5} {row['chars']:>8}"
        )
    print("same documents:", rows[0]["sha256"] == rows[1]["sha256"])


if __name__ == "__main__":
    main()
