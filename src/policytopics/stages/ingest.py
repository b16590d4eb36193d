"""DVC stage `ingest`: seeds/*.txt (+ manifest.csv) -> documents.parquet, ledger and metrics."""

from __future__ import annotations

import argparse
from pathlib import Path

from policytopics.config import load_params
from policytopics.corpus.gazetteer import load_gazetteer
from policytopics.corpus.ingest import SeedFile, ingest
from policytopics.corpus.manifest import EMPTY_MANIFEST, parse_manifest
from policytopics.errors import UserError
from policytopics.io import write_json_atomic, write_parquet_atomic
from policytopics.stages._runner import run_stage

MANIFEST = "manifest.csv"
SPECIAL_FILES = {MANIFEST, "labels.csv"}  # described files, not documents


def main(seeds: Path, documents_path: Path, ledger_path: Path, metrics_path: Path | None) -> None:
    params = load_params().ingest
    if not seeds.is_dir():
        raise UserError(f"{seeds}: not a directory of seed texts")
    paths = sorted(p for p in seeds.iterdir() if p.is_file() and not p.name.startswith("."))
    texts = [p for p in paths if p.suffix.lower() == ".txt"]
    if not texts:
        raise UserError(f"{seeds}: no .txt files to ingest")
    ignored = [p.name for p in paths if p.suffix.lower() != ".txt" and p.name not in SPECIAL_FILES]
    manifest_path = seeds / MANIFEST
    manifest = (
        parse_manifest(manifest_path.read_text(encoding="utf-8-sig"), str(manifest_path))
        if manifest_path.exists()
        else EMPTY_MANIFEST
    )
    files = [SeedFile(p.name, p.read_bytes()) for p in texts]
    result = ingest(files, manifest, load_gazetteer(), params.on_bad_file, ignored)
    write_parquet_atomic(result.documents, documents_path)
    write_json_atomic(result.ledger, ledger_path)
    if metrics_path is not None:
        write_json_atomic(result.metrics, metrics_path)
    m = result.metrics
    print(
        f"ingest: {m['n_files']} files ({m['n_files_skipped']} skipped) -> {m['n_documents']} "
        f"documents, {m['n_localities']} localities, {m['chars_kept']} chars kept, "
        f"{m['chars_removed']} removed (see {ledger_path})"
    )


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=Path, required=True, help="directory of seed texts")
    parser.add_argument("--documents", type=Path, required=True, help="output parquet")
    parser.add_argument("--ledger", type=Path, required=True, help="output JSON ledger")
    parser.add_argument("--metrics", type=Path, default=None, help="output JSON metrics")
    args = parser.parse_args()
    run_stage("ingest", lambda: main(args.seeds, args.documents, args.ledger, args.metrics))


if __name__ == "__main__":
    cli()
