"""Data contracts: the columns each stage writes, checked before a table is saved."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from policytopics.errors import UserError

# ingest -> data/interim/documents.parquet, one row per document.
DOCUMENT_COLUMNS: tuple[str, ...] = (
    # "<file stem>#<part>" for .txt ("002_1942fa47ad5fe32d#03"), "<path>#<part>" for .docx
    # and .pdf ("2024/plan.docx#01"), "<path>#[<sheet>#]<row or id>" for a table row
    # ("Policies Data.xlsx#Central Policies Table#0001"); stable across runs
    "doc_id",
    "source_file",  # path inside the corpus folder ("/"-separated)
    "part",  # 1-based position of the document inside its file (a table: its row over sheets)
    "title",
    # canonical Chinese name: 渝北区, 泸州市, 龙港市; 全国 for a national document; "" unknown
    "locality",
    "province",  # 四川省, 重庆市, 浙江省; "" for a national document or unknown
    "city",  # prefecture-level city (重庆市 for its districts and counties); "" as province
    "admin_level",  # national | province | prefecture | county | township | "" (unknown)
    "year",  # Int64
    "doc_type",  # government_work_report | five_year_plan | policy_plan | news | ...
    "language",  # zh | en
    "author",  # from the English files' "Author:... Time:..." line, else ""
    "issuer",  # as stated by a table column or the manifest, else ""
    "published",  # ISO date where known, else ""
    "text",  # cleaned, normalised body
)

# segment -> data/interim/passages.parquet, one row per passage, in document order.
PASSAGE_COLUMNS: tuple[str, ...] = (
    "passage_id",  # "<doc_id>/p<0000>"
    "doc_id",
    "position",  # 0-based order inside the document
    "locality",
    "province",
    "city",
    "year",
    "doc_type",
    "language",
    "section_path",  # headings above the passage joined with " > ", "" at top level
    "text",
    "n_chars",
    "n_sentences",
)

# segment -> data/interim/sentences.parquet, one row per sentence, in passage order.
SENTENCE_COLUMNS: tuple[str, ...] = (
    "sentence_id",  # "<passage_id>/s<000>"
    "passage_id",
    "doc_id",
    "position",  # 0-based order inside the passage
    "text",  # a sentence longer than segment.max_chars is cut at its commas into several rows
)

# tokenize -> data/processed/tokens.parquet (tokens: list<string>)
TOKEN_COLUMNS: tuple[str, ...] = ("passage_id", "language", "tokens")


def require_columns(frame: pd.DataFrame, columns: Sequence[str], table: str) -> None:
    """Raise a one-line error naming the missing columns of `table`."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise UserError(f"{table}: missing columns {missing}; re-run the stage that writes it")
