"""Corpus files (path + bytes) -> clean, attributed documents and a ledger of every character.

Pure: the stage module reads the files and writes the outputs. For each file, in path order:
read its text (`readers`: .txt, .docx, .pdf, .html) or its rows (tables: .csv, .xlsx, .xls, .jsonl,
.parquet), remove boilerplate and split (`clean`), normalise each document (`normalise`),
detect its metadata (`metadata`, `levels`, `gazetteer`), then apply what the table's columns
and the manifest state (the manifest wins). Duplicates are found over the whole corpus
(`duplicates`) and, by default, counted once. The ledger lists every file (bytes, sha256,
encoding, status), every document made from it, characters removed per reason (they add up:
decoded = kept + removed - inserted), every skip, every warning and every duplicate.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Protocol, cast

import pandas as pd
from tqdm import tqdm

from policytopics.config import CorpusTable
from policytopics.corpus.clean import RawDocument, Removal, split_file
from policytopics.corpus.duplicates import Candidate, find_duplicates
from policytopics.corpus.encoding import BadFileError, decode_bytes
from policytopics.corpus.gazetteer import Gazetteer, Place, short_name
from policytopics.corpus.levels import NATIONAL_LOCALITY, LevelMatch, detect_level
from policytopics.corpus.manifest import Manifest, check_values
from policytopics.corpus.metadata import (
    derive_title,
    detect_doc_type,
    detect_language,
    detect_year,
    parse_date,
)
from policytopics.corpus.normalise import NormaliseStats, normalise, split_report_opening
from policytopics.corpus.readers import (
    DOCUMENT_SUFFIXES,
    TABLE_SUFFIXES,
    NoTextLayerError,
    TableRow,
    Unwrapped,
    docx_text,
    html_text,
    pdf_text,
    table_rows,
    table_spec,
    unwrap,
)
from policytopics.errors import UserError
from policytopics.schemas import DOCUMENT_COLUMNS

NATIONAL_NAMES = (NATIONAL_LOCALITY, "national", "中国", "中华人民共和国")
LOCATION_FIELDS = ("locality", "province", "city", "admin_level")


@dataclass(frozen=True)
class SeedFile:
    name: str  # path inside the corpus folder, "/"-separated (report.txt, 2024/plan.docx)
    data: bytes


class CorpusFile(Protocol):
    """A corpus file as `ingest` takes it: a `SeedFile`, or an object whose `data` reads the
    bytes when asked (the stage's files on disk), so that only one file's bytes are held at a
    time however large the corpus."""

    @property
    def name(self) -> str: ...

    @property
    def data(self) -> bytes: ...


@dataclass
class IngestResult:
    documents: pd.DataFrame  # DOCUMENT_COLUMNS
    ledger: dict[str, Any]
    metrics: dict[str, int]


@dataclass(frozen=True)
class Options:
    on_bad_file: str = "error"
    duplicates: str = "drop"
    near_duplicate_threshold: float = 0.9
    corpus_dir: str = "seeds"  # for messages only


def supported(name: str) -> bool:
    return PurePosixPath(name).suffix.lower() in DOCUMENT_SUFFIXES + TABLE_SUFFIXES


def text_doc_id(file: str, part: int) -> str:
    """`report#01` for report.txt (the stem, as before), `sub/plan.docx#01` otherwise."""
    base = file[:-4] if file.lower().endswith(".txt") else file
    return f"{base}#{part:02d}"


def _removal_json(removal: Removal) -> dict[str, Any]:
    return {
        "reason": removal.reason,
        "lines": [removal.first_line, removal.last_line],
        "chars": removal.chars,
        "preview": removal.preview,
    }


def _bad_file(name: str, reason: str, options: Options, entry: dict[str, Any]) -> None:
    """Stop with a one-line error, or mark the file's (or document's) ledger entry skipped."""
    if options.on_bad_file == "error":
        raise UserError(
            f"{options.corpus_dir}/{name}: {reason} (set ingest.on_bad_file: skip to skip it)"
        )
    entry.update(status="skipped", reason=reason)


def _national() -> dict[str, str]:
    return {"locality": NATIONAL_LOCALITY, "province": "", "city": "", "admin_level": "national"}


def _place_fields(place: Place | None) -> dict[str, str]:
    if place is None:
        return dict.fromkeys(LOCATION_FIELDS, "")
    return {
        "locality": place.name,
        "province": place.province,
        "city": place.city,
        "admin_level": place.level,
    }


def _location(
    gazetteer: Gazetteer, stated: dict[str, str], match: LevelMatch, warnings: list[str]
) -> tuple[dict[str, str], str]:
    """Locality fields: the stated ones, else detected; returns (fields, note)."""
    note = (
        f"{match.source}: {match.note}"
        if match.source and match.note
        else match.note or match.source
    )
    if stated.get("admin_level") == "national" or stated.get("locality") in NATIONAL_NAMES:
        fields, note = _national(), "stated national"
    elif "locality" in stated:
        named = stated["locality"]
        options = gazetteer.places_named(named, "zh") or [  # 杭州 for 杭州市
            p for p in gazetteer.places if p.level != "county" and short_name(p.name) == named
        ]
        for key in ("province", "city"):
            if key in stated:
                options = [p for p in options if getattr(p, key) == stated[key]]
        fields, note = _place_fields(options[0] if len(options) == 1 else None), "stated"
        if len(options) != 1:
            why = "is ambiguous" if options else "is not in the gazetteer"
            warnings.append(
                f"stated locality {stated['locality']} {why}: province, city and admin_level "
                "are blank unless stated"
            )
    elif match.national:
        fields = _national()
    else:
        fields = _place_fields(match.place)
    if not fields["locality"] and "locality" not in stated:
        warnings.append(f"locality unknown ({match.note or 'no evidence'})")
    for key in LOCATION_FIELDS:
        if key in stated:
            fields[key] = stated[key]
    if fields["admin_level"] == "national" and "locality" not in stated:
        fields["locality"] = NATIONAL_LOCALITY
    return fields, note


def build_document(
    gazetteer: Gazetteer,
    file: str,
    raw: RawDocument,
    stated: dict[str, str],
    doc_id: str = "",
    stated_by: dict[str, str] | None = None,
    year_from_name: bool = False,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """One document row (DOCUMENT_COLUMNS) and its ledger entry.

    `stated`: the values a table's columns and the manifest give; `stated_by` says which
    ("manifest" by default, or "table"). `year_from_name`: a year in the file name may be the
    last resort for the year (a file holding this one document, not a table's row)."""
    doc_id = doc_id or text_doc_id(file, raw.part)
    stated_by = stated_by or {}
    warnings: list[str] = []
    language = stated.get("language") or detect_language(raw.title + raw.body)
    stats = NormaliseStats()
    text = normalise(raw.body, language, stats)
    text, speaker = split_report_opening(text, stats) if language == "zh" else (text, "")
    title = stated.get("title") or derive_title(normalise(raw.title, language), text).value
    assert isinstance(title, str)
    published = stated.get("published") or raw.published
    if not published and "date" in stated:
        published, date_note = parse_date(stated["date"])
        if not published:
            warnings.append(f"date {stated['date']!r}: {date_note}")
    year, date = detect_year(title, text, published, file if year_from_name else "")
    doc_type = detect_doc_type(title, text, language, bool(raw.author))
    level = detect_level(
        gazetteer, f"{raw.title_tag} {title}".strip(), text, language, stated.get("issuer", "")
    )
    place, locality_note = _location(gazetteer, stated, level, warnings)
    row = {
        "doc_id": doc_id,
        "source_file": file,
        "part": raw.part,
        "title": title,
        **place,
        "year": int(stated["year"]) if "year" in stated else year.value,
        "doc_type": stated.get("doc_type") or doc_type.value,
        "language": language,
        "author": raw.author or speaker,
        "issuer": stated.get("issuer", ""),
        "published": published or date,
        "text": text,
    }

    def source(key: str, detected: str) -> str:
        return stated_by.get(key, "manifest") if key in stated else detected

    removed = Counter({r.reason: r.chars for r in raw.removals})
    removed.update(stats.removed)
    entry = {
        "doc_id": doc_id,
        "status": "ok",
        "part": raw.part,
        "first_line": raw.first_line,
        **{k: row[k] for k in DOCUMENT_COLUMNS if k not in ("doc_id", "part", "text")},
        "chars_kept": len(text),
        "chars_removed": dict(sorted((k, v) for k, v in removed.items() if v)),
        "chars_inserted": dict(sorted((k, v) for k, v in stats.inserted.items() if v)),
        "changed": dict(sorted((k, v) for k, v in stats.changed.items() if v)),
        "removed_lines": [_removal_json(r) for r in raw.removals],
        "sources": {
            "title": source("title", str(derive_title(raw.title, text).note)),
            "locality": (
                stated_by.get("locality", stated_by.get("admin_level", "manifest"))
                + f" ({locality_note})"
                if locality_note.startswith("stated")
                else locality_note
            ),
            "year": source("year", str(year.note)),
            "doc_type": source("doc_type", str(doc_type.note)),
            "language": source("language", "Han share of letters"),
        },
        "missing": [k for k in ("locality", "province", "year", "doc_type") if not row[k]],
        "warnings": warnings,
    }
    return row, entry


def _ok_entry(
    entry: dict[str, Any],
    encoding: str,
    decoded: int,
    rows: list[dict[str, Any]],
    docs: list[dict[str, Any]],
    removals: list[Removal],
    unwrapped: Unwrapped | None = None,
) -> None:
    removed: Counter[str] = Counter()
    inserted: Counter[str] = Counter()
    if unwrapped is not None and unwrapped.joined:
        removed["wrapped_lines"] += unwrapped.removed
        if unwrapped.inserted:
            inserted["word_space"] += unwrapped.inserted
    for r in removals:
        removed[r.reason] += r.chars
    for doc in docs:
        removed.update(doc.get("chars_removed", {}))
        inserted.update(doc.get("chars_inserted", {}))
    kept = sum(len(r["text"]) for r in rows)
    entry.update(
        status="ok",
        encoding=encoding,
        chars_decoded=decoded,
        chars_kept=kept,
        chars_removed=dict(sorted(removed.items())),
        chars_inserted=dict(sorted(inserted.items())),
        # decoded = kept + removed - inserted, character for character
        balanced=kept + sum(removed.values()) - sum(inserted.values()) == decoded,
        removed_lines=[_removal_json(r) for r in removals],
        documents=docs,
    )


@dataclass(frozen=True)
class FileText:
    """A document file's text as read (`decoded`), how it was read (the ledger's `encoding`),
    what joining wrapped lines did, and a web page's stated publication date."""

    decoded: str
    how: str
    unwrapped: Unwrapped
    published: str = ""


def _file_text(file: SeedFile) -> FileText:
    """The file's text and how it was read. A PDF's text layer, and a .txt or .docx whose
    lines show a page layout (text saved or converted from a PDF: one paragraph or soft line
    break per visual line), have their wrapped lines joined again (`readers.unwrap`); the
    ledger says how many, and counts the characters it removed (`wrapped_lines`) and inserted
    (`word_space`). A web page is read for its main text (`readers.html_text`); the ledger
    says how much of the page's text that is."""
    suffix = PurePosixPath(file.name).suffix.lower()
    published = ""
    if suffix == ".docx":
        text, how = docx_text(file.data), "docx"
    elif suffix == ".pdf":
        text, pages = pdf_text(file.data)
        how = f"pdf text layer, {pages} page(s)"
    elif suffix in (".html", ".htm"):
        page, encoding = html_text(file.data)
        text, published = page.text, page.published
        how = (
            f"{encoding} web page, main text {page.article_chars:,} of the page's "
            f"{page.page_chars:,} "
            "characters (the rest: menus, link lists, footer; spaces not counted)"
        )
    else:
        text, how = decode_bytes(file.data)
    unwrapped = unwrap(text)
    if unwrapped.joined:
        how = f"{how}, {unwrapped.joined} wrapped line(s) joined"
    return FileText(text, how, unwrapped, published)


def ingest_text_file(
    gazetteer: Gazetteer, file: SeedFile, manifest: Manifest, options: Options
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Documents of one .txt/.docx/.pdf/.html file and its ledger entry."""
    entry: dict[str, Any] = {
        "file": file.name,
        "bytes": len(file.data),
        "sha256": hashlib.sha256(file.data).hexdigest(),
    }
    try:
        read = _file_text(file)
    except NoTextLayerError as error:  # scanned: always a recorded skip
        entry.update(status="skipped", reason=str(error))
        return [], {**entry, "documents": []}
    except BadFileError as error:
        _bad_file(file.name, str(error), options, entry)
        return [], {**entry, "documents": []}
    entry["encoding"] = read.how
    raws, removals = split_file(read.unwrapped.text)
    if read.published and len(raws) == 1 and not raws[0].published:
        raws[0].published = read.published  # a web page's own date, as a byline's
    if not raws:
        _bad_file(file.name, "no text left after removing boilerplate", options, entry)
        return [], {**entry, "documents": []}
    too_high = [p for p in manifest.parts(file.name) if p > len(raws)]
    if too_high:
        raise UserError(
            f"{options.corpus_dir}/manifest.csv: {file.name} part {max(too_high)} does not "
            f"exist (the file holds {len(raws)} document(s))"
        )
    rows, docs = [], []
    for raw in raws:
        doc_id = text_doc_id(file.name, raw.part)
        stated = manifest.stated(file.name, raw.part, doc_id)
        row, doc = build_document(
            gazetteer, file.name, raw, stated, doc_id, year_from_name=len(raws) == 1
        )
        if not row["text"]:
            _bad_file(file.name, f"document {raw.part} has no text", options, doc)
        else:
            rows.append(row)
        docs.append(doc)
    _ok_entry(entry, read.how, len(read.decoded), rows, docs, removals, read.unwrapped)
    return rows, entry


def _row_document(
    gazetteer: Gazetteer, file: str, row: TableRow, manifest: Manifest
) -> tuple[dict[str, Any] | None, dict[str, Any], int]:
    """One table row -> (document row or None if blank, ledger entry, characters read)."""
    doc_id = f"{file}#{row.key}"
    declared = dict(row.stated)
    check_values({k: v for k, v in declared.items() if k != "date"}, f"{file} {row.where}")
    stated = {**declared, **manifest.stated(file, row.position, doc_id)}
    from_manifest = manifest.stated(file, row.position, doc_id)
    stated_by = {k: "manifest" if k in from_manifest else "table" for k in stated}
    raws, removals = split_file(row.text, split=False)
    if not raws:
        removed: Counter[str] = Counter()
        for r in removals:
            removed[r.reason] += r.chars
        entry = {"doc_id": doc_id, "part": row.position, "status": "skipped",
                 "reason": f"{row.where}: no text", "chars_kept": 0,
                 "chars_removed": dict(sorted(removed.items())), "chars_inserted": {}}  # fmt: skip
        return None, entry, len(row.text)
    raw = raws[0]
    raw.part = row.position
    raw.removals = removals
    document, entry = build_document(gazetteer, file, raw, stated, doc_id, stated_by)
    entry["row"] = row.where
    entry["warnings"] = [*row.warnings, *cast(list[str], entry["warnings"])]
    return document, entry, len(row.text)


def ingest_table_file(
    gazetteer: Gazetteer,
    file: SeedFile,
    manifest: Manifest,
    tables: Sequence[CorpusTable],
    options: Options,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """One document per row of a table file, and the file's ledger entry."""
    entry: dict[str, Any] = {
        "file": file.name,
        "bytes": len(file.data),
        "sha256": hashlib.sha256(file.data).hexdigest(),
    }
    spec = table_spec(file.name, tables)
    rows, docs, decoded = [], [], 0
    try:
        for table_row in table_rows(file.name, file.data, spec):
            document, doc, chars = _row_document(gazetteer, file.name, table_row, manifest)
            decoded += chars
            if document is not None and not document["text"]:
                doc.update(status="skipped", reason=f"{table_row.where}: no text")
            elif document is not None:
                rows.append(document)
            docs.append(doc)
    except BadFileError as error:
        _bad_file(file.name, str(error), options, entry)
        return [], {**entry, "documents": []}
    suffix = PurePosixPath(file.name).suffix.lower().lstrip(".")
    declared = "declared in corpus.tables" if spec.glob != "*" else "conventional column names"
    _ok_entry(entry, f"{suffix} table ({declared})", decoded, rows, docs, [])
    return rows, entry


def _apply_duplicates(
    rows: list[dict[str, Any]],
    entries: list[dict[str, Any]],
    manifest: Manifest,
    options: Options,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Find duplicates; with `drop`, remove all but the kept copy (its characters are then
    removed for reason `duplicate`). Returns (rows, ledger list)."""
    candidates = [
        Candidate(
            r["doc_id"], r["text"], bool(manifest.stated(r["source_file"], r["part"], r["doc_id"]))
        )
        for r in rows
    ]
    found = find_duplicates(candidates, options.near_duplicate_threshold)
    listed = [
        {"doc_id": d.doc_id, "duplicate_of": d.kept, "kind": d.kind,
         "similarity": d.similarity, "kept_because": d.why_kept,
         "action": "dropped" if options.duplicates == "drop" else "kept"}
        for d in found
    ]  # fmt: skip
    if options.duplicates != "drop" or not found:
        for entry in entries:
            for doc in entry.get("documents", []):
                for d in found:
                    if d.doc_id == doc["doc_id"]:
                        doc["duplicate_of"] = d.kept
        return rows, listed
    dropped = {d.doc_id: d for d in found}
    for entry in entries:
        changed = False
        for doc in entry.get("documents", []):
            duplicate = dropped.get(doc["doc_id"])
            if duplicate is None:
                continue
            doc.update(status="duplicate", duplicate_of=duplicate.kept)
            removed = Counter(doc["chars_removed"])
            removed["duplicate"] += doc["chars_kept"]
            entry["chars_removed"] = dict(
                sorted(
                    (Counter(entry["chars_removed"]) + Counter(duplicate=doc["chars_kept"])).items()
                )
            )
            entry["chars_kept"] -= doc["chars_kept"]
            doc["chars_removed"], doc["chars_kept"] = dict(sorted(removed.items())), 0
            changed = True
        if changed:
            inserted = sum(entry["chars_inserted"].values())
            removed_total = sum(entry["chars_removed"].values())
            entry["balanced"] = (
                entry["chars_kept"] + removed_total - inserted == entry["chars_decoded"]
            )
    return [r for r in rows if r["doc_id"] not in dropped], listed


def _resolve_manifest_files(manifest: Manifest, names: Sequence[str], corpus_dir: str) -> Manifest:
    """Manifest rows keyed by path; a bare file name matches the one file of that name in a
    subfolder. A name matching no file, or several, is a one-line error."""
    paths = set(names)
    by_name: dict[str, list[str]] = {}
    for name in names:
        by_name.setdefault(PurePosixPath(name).name, []).append(name)
    rows = {}
    for (file, part), values in manifest.rows.items():
        if file not in paths:
            found = by_name.get(file, [])
            if len(found) != 1:
                where = f"{corpus_dir}/manifest.csv names {file}"
                if found:
                    raise UserError(f"{where}: several files have that name ({', '.join(found)}); "
                                    "give the path inside the corpus folder")  # fmt: skip
                raise UserError(f"{where}, which is not a document file in {corpus_dir}/")
            file = found[0]
        if (file, part) in rows:
            raise UserError(
                f"{corpus_dir}/manifest.csv: two rows for {file} part {part or '(all)'}"
            )
        rows[(file, part)] = values
    return Manifest(rows, manifest.by_doc_id)


def ingest(
    files: Sequence[CorpusFile],
    manifest: Manifest,
    gazetteer: Gazetteer,
    on_bad_file: str = "error",
    ignored: Sequence[tuple[str, str]] | Sequence[str] = (),
    tables: Sequence[CorpusTable] = (),
    duplicates: str = "drop",
    near_duplicate_threshold: float = 0.9,
    corpus_dir: str = "seeds",
    progress: bool = False,
) -> IngestResult:
    """All corpus files -> documents table, ledger and metrics.

    `ignored`: (path, reason) for what the stage found and did not read. Each file's `data` is
    read once, when its turn comes, and let go after it (`progress`: a bar of the files)."""
    options = Options(on_bad_file, duplicates, near_duplicate_threshold, corpus_dir)
    manifest = _resolve_manifest_files(manifest, [f.name for f in files], corpus_dir)
    rows: list[dict[str, Any]] = []
    entries = []
    in_order = sorted(files, key=lambda f: f.name)
    for pending in tqdm(in_order, desc="ingest", unit="file", disable=not progress):
        file = SeedFile(pending.name, pending.data)
        if PurePosixPath(file.name).suffix.lower() in TABLE_SUFFIXES:
            file_rows, entry = ingest_table_file(gazetteer, file, manifest, tables, options)
        else:
            file_rows, entry = ingest_text_file(gazetteer, file, manifest, options)
        rows.extend(file_rows)
        entries.append(entry)
    known_ids = {d["doc_id"] for e in entries for d in e.get("documents", [])}
    stray = sorted(set(manifest.by_doc_id) - known_ids)
    if stray:
        raise UserError(
            f"{corpus_dir}/manifest.csv: doc_id {stray[0]} is not a document of the corpus "
            "(ids are listed in reports/corpus/ingest.json)"
        )
    rows, duplicate_list = _apply_duplicates(rows, entries, manifest, options)
    documents = pd.DataFrame(rows, columns=list(DOCUMENT_COLUMNS))
    documents["part"] = documents["part"].astype("int64")
    documents["year"] = documents["year"].astype("Int64")
    removed: Counter[str] = Counter()
    for entry in entries:
        removed.update(entry.get("chars_removed", {}))
    skipped = [{"file": e["file"], "reason": e["reason"]} for e in entries if "reason" in e]
    skipped += [
        {"file": e["file"], "doc_id": d["doc_id"], "reason": d["reason"]}
        for e in entries
        for d in e.get("documents", [])
        if "reason" in d
    ]
    warnings = [
        {"doc_id": d["doc_id"], "warning": w}
        for e in entries
        for d in e.get("documents", [])
        for w in d.get("warnings", [])
    ]
    ignored_list = [
        {"file": item, "reason": "not a document file"}
        if isinstance(item, str)
        else {"file": item[0], "reason": item[1]}
        for item in ignored
    ]
    levels = documents["admin_level"].replace("", "unknown").value_counts()
    metrics = {
        "n_files": len(files),
        "n_files_skipped": sum(e["status"] == "skipped" for e in entries),
        "n_files_ignored": len(ignored_list),
        "n_documents": len(documents),
        "n_duplicates": len(duplicate_list),
        "n_warnings": len(warnings),
        "n_localities": int(documents["locality"].replace("", pd.NA).nunique()),
        "n_national": int(levels.get("national", 0)),
        "n_locality_unknown": int((documents["locality"] == "").sum()),
        "chars_kept": int(documents["text"].str.len().sum()),
        "chars_removed": sum(removed.values()),
    }
    ledger = {
        "totals": {**metrics, "chars_removed_by_reason": dict(sorted(removed.items()))},
        "gazetteer": {"source": gazetteer.source, "n_places": len(gazetteer.places)},
        "on_bad_file": on_bad_file,
        "duplicates_rule": {
            "action": duplicates,
            "near_duplicate_threshold": near_duplicate_threshold,
            "kept": "the copy the manifest describes, else the longer text, else the first doc_id",
        },
        "files": entries,
        "skipped": skipped,
        "ignored": ignored_list,
        "duplicates": duplicate_list,
        "warnings": warnings,
    }
    return IngestResult(documents, ledger, metrics)
