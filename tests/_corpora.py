"""The two dev corpora of `../shared/corpora/` (never copied) and their `corpus.tables`
declarations, as docs/corpus.md gives them, for the pipeline tests that read them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
CONGRESS = CORPORA / "cpc_congress" / "cpc_congress_reports.jsonl"
WORKBOOK = CORPORA / "policies_digital" / "Policies Data.xlsx"
# each congress's number -> the year it met
CONGRESS_YEARS = {
    "1": 1921, "3": 1923, "7": 1945, "9": 1969, "10": 1973, "11": 1977, "12": 1982,
    "13": 1987, "14": 1992, "15": 1997, "16": 2002, "17": 2007, "18": 2012, "19": 2017,
    "20": 2022,
}  # fmt: skip
CONGRESS_TABLE: dict[str, Any] = {
    "glob": "*.jsonl", "text": "content", "title": "title", "doc_type": "type",
    "year": "congress", "year_map": CONGRESS_YEARS, "values": {"admin_level": "national"},
}  # fmt: skip
WORKBOOK_TABLE: dict[str, Any] = {
    "glob": "*.xlsx", "text": "Policy Content", "title": "Policy Title", "date": "Release Time",
    "issuer": ["Release Department", "Policy Release Department"],
}  # fmt: skip
