"""Turn seed files (name + bytes) into clean, attributed documents and a ledger of every character.

Pure: the stage module reads the files and writes the outputs. For each file, in name order:
decode (`encoding`), remove boilerplate and split (`clean`), normalise each document
(`normalise`), detect its metadata (`metadata`, `gazetteer`), then apply what the manifest
states. The ledger lists every file (bytes, sha256, encoding, status), every document made
from it, characters removed per reason (they add up: decoded = kept + removed), and every skip.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import pandas as pd

from policytopics.corpus.clean import RawDocument, Removal, split_file
from policytopics.corpus.encoding import BadFileError, decode_bytes
from policytopics.corpus.gazetteer import Gazetteer, LocalityMatch, Place, detect_locality
from policytopics.corpus.manifest import Manifest
from policytopics.corpus.metadata import (
    derive_title,
    detect_doc_type,
    detect_language,
    detect_year,
)
from policytopics.corpus.normalise import NormaliseStats, normalise, split_report_opening
from policytopics.errors import UserError
from policytopics.schemas import DOCUMENT_COLUMNS


@dataclass(frozen=True)
class SeedFile:
    name: str  # file name inside seeds/
    data: bytes


@dataclass
class IngestResult:
    documents: pd.DataFrame  # DOCUMENT_COLUMNS
    ledger: dict[str, Any]
    metrics: dict[str, int]


def _removal_json(removal: Removal) -> dict[str, Any]:
    return {
        "reason": removal.reason,
        "lines": [removal.first_line, removal.last_line],
        "chars": removal.chars,
        "preview": removal.preview,
    }


def _bad_file(name: str, reason: str, on_bad_file: str, entry: dict[str, Any]) -> None:
    """Stop with a one-line error, or mark the file's (or document's) ledger entry skipped."""
    if on_bad_file == "error":
        raise UserError(f"seeds/{name}: {reason} (set ingest.on_bad_file: skip to skip it)")
    entry.update(status="skipped", reason=reason)


def _apply_manifest(
    gazetteer: Gazetteer, stated: dict[str, str], match: LocalityMatch, where: str
) -> tuple[dict[str, str], str]:
    """Locality fields: detected, then overridden by the manifest; returns (fields, note)."""
    place: Place | None = match.place
    note = f"{match.source}: {match.note}" if match.note else match.source
    if "locality" in stated:
        options = gazetteer.places_named(stated["locality"], "zh")
        if "province" in stated:
            options = [p for p in options if p.province == stated["province"]]
        place = options[0] if len(options) == 1 else None
        note = "manifest"
        if place is None and not {"province", "city", "admin_level"} <= stated.keys():
            why = "is ambiguous" if len(options) > 1 else "is not in the gazetteer"
            raise UserError(
                f"{where}: locality {stated['locality']} {why}; "
                "give province, city and admin_level in seeds/manifest.csv"
            )
    fields = {
        "locality": place.name if place else "",
        "province": place.province if place else "",
        "city": place.city if place else "",
        "admin_level": place.level if place else "",
    }
    for key in fields:
        if key in stated:
            fields[key] = stated[key]
    return fields, note


def build_document(
    gazetteer: Gazetteer, file: str, raw: RawDocument, stated: dict[str, str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """One document row (DOCUMENT_COLUMNS) and its ledger entry."""
    doc_id = f"{PurePath(file).stem}#{raw.part:02d}"
    language = stated.get("language") or detect_language(raw.title + raw.body)
    stats = NormaliseStats()
    text = normalise(raw.body, language, stats)
    text, speaker = split_report_opening(text, stats) if language == "zh" else (text, "")
    title = stated.get("title") or derive_title(normalise(raw.title, language), text).value
    assert isinstance(title, str)
    year, date = detect_year(title, text, raw.published)
    doc_type = detect_doc_type(title, text, language, bool(raw.author))
    match = detect_locality(gazetteer, f"{raw.title_tag} {title}", text, language)
    where = f"seeds/{file} part {raw.part}"
    place, locality_note = _apply_manifest(gazetteer, stated, match, where)
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
        "published": raw.published or date,
        "text": text,
    }
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
            "title": "manifest" if "title" in stated else derive_title(raw.title, text).note,
            "locality": locality_note,
            "year": "manifest" if "year" in stated else year.note,
            "doc_type": "manifest" if "doc_type" in stated else doc_type.note,
            "language": "manifest" if "language" in stated else "Han share of letters",
        },
        "missing": [k for k in ("locality", "province", "year", "doc_type") if not row[k]],
    }
    return row, entry


def ingest_file(
    gazetteer: Gazetteer, file: SeedFile, manifest: Manifest, on_bad_file: str
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Documents of one file and its ledger entry."""
    entry: dict[str, Any] = {
        "file": file.name,
        "bytes": len(file.data),
        "sha256": hashlib.sha256(file.data).hexdigest(),
    }
    try:
        text, encoding = decode_bytes(file.data)
    except BadFileError as error:
        _bad_file(file.name, str(error), on_bad_file, entry)
        return [], {**entry, "documents": []}
    entry["encoding"] = encoding
    raws, removals = split_file(text)
    if not raws:
        _bad_file(file.name, "no text left after removing boilerplate", on_bad_file, entry)
        return [], {**entry, "documents": []}
    too_high = [p for p in manifest.parts(file.name) if p > len(raws)]
    if too_high:
        raise UserError(
            f"seeds/manifest.csv: {file.name} part {max(too_high)} does not exist "
            f"(the file holds {len(raws)} document(s))"
        )
    rows, docs = [], []
    for raw in raws:
        row, doc = build_document(gazetteer, file.name, raw, manifest.stated(file.name, raw.part))
        if not row["text"]:
            _bad_file(file.name, f"document {raw.part} has no text", on_bad_file, doc)
        else:
            rows.append(row)
        docs.append(doc)
    removed: Counter[str] = Counter()
    inserted: Counter[str] = Counter()
    for r in removals:
        removed[r.reason] += r.chars
    for doc in docs:
        removed.update(doc["chars_removed"])
        inserted.update(doc["chars_inserted"])
    kept = sum(len(r["text"]) for r in rows)
    entry.update(
        status="ok",
        encoding=encoding,
        chars_decoded=len(text),
        chars_kept=kept,
        chars_removed=dict(sorted(removed.items())),
        chars_inserted=dict(sorted(inserted.items())),
        # decoded = kept + removed - inserted, character for character
        balanced=kept + sum(removed.values()) - sum(inserted.values()) == len(text),
        removed_lines=[_removal_json(r) for r in removals],
        documents=docs,
    )
    return rows, entry


def ingest(
    files: Sequence[SeedFile],
    manifest: Manifest,
    gazetteer: Gazetteer,
    on_bad_file: str = "error",
    ignored: Sequence[str] = (),
) -> IngestResult:
    """All seed files -> documents table, ledger and metrics."""
    names = {f.name for f in files}
    unknown = sorted(manifest.files() - names)
    if unknown:
        raise UserError(
            f"seeds/manifest.csv names {unknown[0]}, which is not a .txt file in seeds/"
        )
    rows: list[dict[str, Any]] = []
    entries = []
    for file in sorted(files, key=lambda f: f.name):
        file_rows, entry = ingest_file(gazetteer, file, manifest, on_bad_file)
        rows.extend(file_rows)
        entries.append(entry)
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
    metrics = {
        "n_files": len(files),
        "n_files_skipped": sum(e["status"] == "skipped" for e in entries),
        "n_documents": len(documents),
        "n_localities": int(documents["locality"].replace("", pd.NA).nunique()),
        "chars_kept": int(documents["text"].str.len().sum()),
        "chars_removed": sum(removed.values()),
    }
    ledger = {
        "totals": {**metrics, "chars_removed_by_reason": dict(sorted(removed.items()))},
        "gazetteer": {"source": gazetteer.source, "n_places": len(gazetteer.places)},
        "on_bad_file": on_bad_file,
        "files": entries,
        "skipped": skipped,
        "ignored": [{"file": name, "reason": "not a .txt document"} for name in ignored],
    }
    return IngestResult(documents, ledger, metrics)
