"""DVC stage `ingest`: the corpus folder (+ manifest.csv) -> documents.parquet, ledger, metrics."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from policytopics.config import load_params
from policytopics.corpus.gazetteer import load_gazetteer
from policytopics.corpus.ingest import ingest, supported
from policytopics.corpus.manifest import EMPTY_MANIFEST, read_manifest
from policytopics.corpus.readers import DOCUMENT_SUFFIXES, HINTS, TABLE_SUFFIXES
from policytopics.errors import UserError
from policytopics.io import write_json_atomic, write_parquet_atomic
from policytopics.stages._runner import run_stage


@dataclass(frozen=True)
class DiskFile:
    """A corpus file whose bytes are read when `ingest` asks for them (one file at a time)."""

    name: str  # path inside the corpus folder, "/"-separated
    path: Path

    @property
    def data(self) -> bytes:
        return self.path.read_bytes()


MANIFEST = "manifest.csv"
SPECIAL_FILES = {  # at the top of the corpus folder: described files, not documents
    MANIFEST: "the manifest (read as metadata)",
    "labels.csv": "hand labels (read by classify through corpus.labels)",
}


def walk_corpus(root: Path) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files to read, and (path, reason) for everything else found under `root`.

    Subfolders are read; a hidden file or folder (name starting with `.`) is listed once
    as ignored, its contents unread."""
    read: list[Path] = []
    ignored: list[tuple[str, str]] = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        parts = rel.split("/")
        hidden = [i for i, part in enumerate(parts) if part.startswith(".")]
        if hidden:
            if hidden[0] == len(parts) - 1:  # the hidden file or folder itself, listed once
                kind = "folder" if path.is_dir() else "file"
                ignored.append((rel + ("/" if path.is_dir() else ""), f"hidden {kind}"))
            continue
        if path.is_dir():
            continue
        if rel in SPECIAL_FILES:
            ignored.append((rel, SPECIAL_FILES[rel]))
        elif supported(rel):
            read.append(path)
        else:
            suffix = path.suffix.lower()
            ignored.append(
                (rel, HINTS.get(suffix, f"not a document format ({suffix or 'no suffix'})"))
            )
    return read, ignored


def main(seeds: Path, documents_path: Path, ledger_path: Path, metrics_path: Path | None) -> None:
    params = load_params()
    if not seeds.is_dir():
        raise UserError(f"{seeds}: not a directory of corpus files (corpus.dir in params.yaml)")
    paths, ignored = walk_corpus(seeds)
    if not paths:
        formats = " ".join(DOCUMENT_SUFFIXES + TABLE_SUFFIXES)
        raise UserError(f"{seeds}: no document files ({formats})")
    manifest_path = seeds / MANIFEST
    manifest = (
        read_manifest(manifest_path.read_bytes(), str(manifest_path))
        if manifest_path.exists()
        else EMPTY_MANIFEST
    )
    files = [DiskFile(p.relative_to(seeds).as_posix(), p) for p in paths]
    result = ingest(
        files,
        manifest,
        load_gazetteer(),
        params.ingest.on_bad_file,
        ignored,
        tables=params.corpus.tables,
        duplicates=params.ingest.duplicates,
        near_duplicate_threshold=params.ingest.near_duplicate_threshold,
        corpus_dir=str(seeds),
        progress=True,
    )
    write_parquet_atomic(result.documents, documents_path)
    write_json_atomic(result.ledger, ledger_path)
    if metrics_path is not None:
        write_json_atomic(result.metrics, metrics_path)
    m = result.metrics
    print(
        f"ingest: {m['n_files']} files ({m['n_files_skipped']} skipped, {m['n_files_ignored']} "
        f"ignored) -> {m['n_documents']} documents ({m['n_duplicates']} duplicates, "
        f"{m['n_national']} national, {m['n_locality_unknown']} locality unknown), "
        f"{m['n_localities']} localities, {m['n_warnings']} warnings, {m['chars_kept']} chars "
        f"kept, {m['chars_removed']} removed (see {ledger_path})"
    )


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=Path, required=True, help="the corpus folder")
    parser.add_argument("--documents", type=Path, required=True, help="output parquet")
    parser.add_argument("--ledger", type=Path, required=True, help="output JSON ledger")
    parser.add_argument("--metrics", type=Path, default=None, help="output JSON metrics")
    args = parser.parse_args()
    run_stage("ingest", lambda: main(args.seeds, args.documents, args.ledger, args.metrics))


if __name__ == "__main__":
    cli()
