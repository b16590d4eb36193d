"""seeds/manifest.csv: what a researcher states about a file or a document; it wins over detection.

Columns: file (required), part (blank = every document of the file), locality, province,
city, admin_level, year, doc_type, language, title. Any value may be blank (= detect it).
A row for a single part wins over a row for the whole file.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from policytopics.errors import UserError

FIELDS = ("locality", "province", "city", "admin_level", "year", "doc_type", "language", "title")
COLUMNS = ("file", "part", *FIELDS)
LANGUAGES = ("zh", "en")
ADMIN_LEVELS = ("province", "prefecture", "county")


@dataclass(frozen=True)
class Manifest:
    """Stated values keyed by (file name, part or None)."""

    rows: dict[tuple[str, int | None], dict[str, str]]

    def files(self) -> set[str]:
        return {file for file, _ in self.rows}

    def parts(self, file: str) -> set[int]:
        return {part for name, part in self.rows if name == file and part is not None}

    def stated(self, file: str, part: int) -> dict[str, str]:
        """The non-blank values stated for this document (part rows over file rows)."""
        merged = dict(self.rows.get((file, None), {}))
        merged.update(self.rows.get((file, part), {}))
        return merged


EMPTY_MANIFEST = Manifest({})


def parse_manifest(text: str, source: str = "seeds/manifest.csv") -> Manifest:
    """Parse and validate manifest CSV text; every problem is a one-line `UserError`."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if "file" not in header:
        raise UserError(f"{source}: needs a `file` column (columns: {', '.join(COLUMNS)})")
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise UserError(f"{source}: unknown column(s) {unknown}; allowed: {', '.join(COLUMNS)}")
    rows: dict[tuple[str, int | None], dict[str, str]] = {}
    for line_no, raw in enumerate(reader, start=2):
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(row.values()):
            continue
        where = f"{source} line {line_no}"
        file = row.get("file", "")
        if not file:
            raise UserError(f"{where}: `file` is blank")
        part = _part(row.get("part", ""), where)
        values = {k: row[k] for k in FIELDS if row.get(k)}
        _check_values(values, where)
        key = (file, part)
        if key in rows:
            raise UserError(f"{where}: a second row for {file} part {part or '(all)'}")
        rows[key] = values
    return Manifest(rows)


def _part(value: str, where: str) -> int | None:
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise UserError(f"{where}: part must be a positive whole number, got {value!r}")
    return int(value)


def _check_values(values: dict[str, str], where: str) -> None:
    year = values.get("year")
    if year is not None and not (year.isdigit() and 1949 <= int(year) <= 2100):
        raise UserError(f"{where}: year must be a four-digit year, got {year!r}")
    language = values.get("language")
    if language is not None and language not in LANGUAGES:
        raise UserError(f"{where}: language must be one of {LANGUAGES}, got {language!r}")
    level = values.get("admin_level")
    if level is not None and level not in ADMIN_LEVELS:
        raise UserError(f"{where}: admin_level must be one of {ADMIN_LEVELS}, got {level!r}")
    doc_type = values.get("doc_type")
    if doc_type is not None and not doc_type.replace("_", "").isalnum():
        raise UserError(f"{where}: doc_type must be a snake_case word, got {doc_type!r}")
