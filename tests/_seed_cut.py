"""The five sample documents as they were when their facts were written down.

Tests of the sample corpus's own facts (14 documents, 13 localities, each attribution) read
these files and the manifest rows about them, not every file in seeds/: a researcher who adds
a document to seeds/ (as the docs say) changes the pipeline's corpus, not these facts.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from policytopics.corpus.ingest import SeedFile
from policytopics.corpus.manifest import Manifest, parse_manifest

SEED_FILES = (
    "000_3eb5c92dc9ff083f.txt",
    "001_8ace6e50a9dd67ee.txt",
    "002_1942fa47ad5fe32d.txt",
    "003_87228cb087aa9821.txt",
    "004_260102b7b112ab32.txt",
)


def seed_files(seeds_dir: Path) -> list[SeedFile]:
    """The five sample documents (raw bytes), in name order."""
    return [SeedFile(name, (seeds_dir / name).read_bytes()) for name in SEED_FILES]


def seed_manifest(seeds_dir: Path) -> Manifest:
    """seeds/manifest.csv cut to its rows about the five sample documents."""
    path = seeds_dir / "manifest.csv"
    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    stems = tuple(name.removesuffix(".txt") for name in SEED_FILES)
    file_at = header.index("file") if "file" in header else None
    doc_at = header.index("doc_id") if "doc_id" in header else None

    def about_the_five(row: list[str]) -> bool:
        if file_at is not None and row[file_at]:
            return row[file_at] in SEED_FILES
        return doc_at is not None and row[doc_at].startswith(stems)

    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *filter(about_the_five, body)])
    return parse_manifest(out.getvalue(), str(path))
