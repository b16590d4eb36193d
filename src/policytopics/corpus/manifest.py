"""manifest.csv: what a researcher states about a file or a document; it wins over detection.

Columns: file (a path inside the corpus folder) or doc_id (one document by its id, e.g. a
table row `policies.xlsx#Sheet1#0007`), part (blank = every document of the file),
locality, province, city, admin_level, year, doc_type, language, title, issuer, published.
Only the header and one of file/doc_id are required; any value may be blank (= detect it).
A doc_id row wins over a part row, which wins over a row for the whole file.
The bytes are decoded as corpus texts are (BOM, UTF-8, GB18030/GBK).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from dataclasses import dataclass

from policytopics.corpus.encoding import BadFileError, decode_bytes
from policytopics.errors import UserError

FIELDS = (
    "locality", "province", "city", "admin_level", "year", "doc_type", "language", "title",
    "issuer", "published",
)  # fmt: skip
COLUMNS = ("file", "doc_id", "part", *FIELDS)
LANGUAGES = ("zh", "en")
ADMIN_LEVELS = ("national", "province", "prefecture", "county", "township")
MIN_YEAR, MAX_YEAR = 1900, 2100
_ISO_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


@dataclass(frozen=True)
class Manifest:
    """Stated values keyed by (file name, part or None), and by document id."""

    rows: dict[tuple[str, int | None], dict[str, str]]
    by_doc_id: dict[str, dict[str, str]] = dataclasses.field(default_factory=dict)

    def files(self) -> set[str]:
        return {file for file, _ in self.rows}

    def parts(self, file: str) -> set[int]:
        return {part for name, part in self.rows if name == file and part is not None}

    def stated(self, file: str, part: int, doc_id: str = "") -> dict[str, str]:
        """The non-blank values stated for this document (doc_id over part over file rows)."""
        merged = dict(self.rows.get((file, None), {}))
        merged.update(self.rows.get((file, part), {}))
        merged.update(self.by_doc_id.get(doc_id, {}))
        return merged


EMPTY_MANIFEST = Manifest({})


def read_manifest(data: bytes, source: str = "seeds/manifest.csv") -> Manifest:
    """Decode manifest bytes as corpus texts are decoded, then parse them."""
    try:
        text, _ = decode_bytes(data)
    except BadFileError as error:
        raise UserError(f"{source}: {error} (save it as UTF-8 CSV)") from None
    return parse_manifest(text, source)


def parse_manifest(text: str, source: str = "seeds/manifest.csv") -> Manifest:
    """Parse and validate manifest CSV text; every problem is a one-line `UserError`."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), restkey="\0extra")
    header = [h.strip() for h in (reader.fieldnames or [])]
    if "file" not in header and "doc_id" not in header:
        raise UserError(f"{source}: needs a `file` column (columns: {', '.join(COLUMNS)})")
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise UserError(f"{source}: unknown column(s) {unknown}; allowed: {', '.join(COLUMNS)}")
    rows: dict[tuple[str, int | None], dict[str, str]] = {}
    by_doc_id: dict[str, dict[str, str]] = {}
    for raw in reader:
        where = f"{source} line {reader.line_num}"
        extra = raw.pop("\0extra", None)
        if extra:
            n = len(header) + len(extra)
            raise UserError(
                f"{where}: {n} cells for {len(header)} columns (an unquoted comma in a title? "
                'put the value in double quotes: "a, b")'
            )
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(row.values()):
            continue
        file, doc_id = row.get("file", ""), row.get("doc_id", "")
        if not file and not doc_id:
            raise UserError(f"{where}: `file` and `doc_id` are both blank")
        values = {k: row[k] for k in FIELDS if row.get(k)}
        check_values(values, where)
        if doc_id:
            if doc_id in by_doc_id:
                raise UserError(f"{where}: a second row for doc_id {doc_id}")
            by_doc_id[doc_id] = values
            continue
        part = _part(row.get("part", ""), where)
        key = (file, part)
        if key in rows:
            raise UserError(f"{where}: a second row for {file} part {part or '(all)'}")
        rows[key] = values
    return Manifest(rows, by_doc_id)


def _part(value: str, where: str) -> int | None:
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise UserError(f"{where}: part must be a positive whole number, got {value!r}")
    return int(value)


def check_values(values: dict[str, str], where: str) -> None:
    """One-line errors for stated values the pipeline cannot use."""
    year = values.get("year")
    if year is not None and not (year.isdigit() and MIN_YEAR <= int(year) <= MAX_YEAR):
        raise UserError(f"{where}: year must be a year {MIN_YEAR}-{MAX_YEAR}, got {year!r}")
    published = values.get("published")
    if published is not None and not _ISO_DATE.match(published):
        raise UserError(f"{where}: published must be a date as 2021-03-10, got {published!r}")
    language = values.get("language")
    if language is not None and language not in LANGUAGES:
        raise UserError(f"{where}: language must be one of {LANGUAGES}, got {language!r}")
    level = values.get("admin_level")
    if level is not None and level not in ADMIN_LEVELS:
        raise UserError(f"{where}: admin_level must be one of {ADMIN_LEVELS}, got {level!r}")
    doc_type = values.get("doc_type")
    if doc_type is not None and not doc_type.replace("_", "").isalnum():
        raise UserError(f"{where}: doc_type must be a snake_case word, got {doc_type!r}")
