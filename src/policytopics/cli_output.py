"""How `policytopics` commands print tables: aligned text (Chinese counted two columns wide),
CSV or JSONL (pure: records in, text out)."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from typing import Any

ELLIPSIS = "…"


def display_width(text: str) -> int:
    """Terminal columns `text` takes: wide and full-width characters (Chinese) count two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def cut(text: str, width: int) -> str:
    """`text` cut to at most `width` display columns, an ellipsis marking the cut."""
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for char in text:
        step = display_width(char)
        if used + step > width - 1:
            break
        out.append(char)
        used += step
    return "".join(out) + ELLIPSIS


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}" if value == value else ""  # NaN: empty
    return str(value)


def text_table(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[str], right: Collection[str] = ()
) -> str:
    """`rows` as a column-aligned table with a header line (numbers and the `right` columns
    right-aligned)."""
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    numeric = [
        c in right or (bool(rows) and all(isinstance(row.get(c), int | float) for row in rows))
        for c in columns
    ]
    widths = [
        max([display_width(c), *(display_width(r[i]) for r in cells)])
        for i, c in enumerate(columns)
    ]

    def line(values: Sequence[str]) -> str:
        parts = []
        for value, width, right in zip(values, widths, numeric, strict=True):
            pad = " " * (width - display_width(value))
            parts.append(pad + value if right else value + pad)
        return "  ".join(parts).rstrip()

    return "\n".join([line(columns), *(line(r) for r in cells)]) + "\n"


def csv_text(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], header: bool = True) -> str:
    """`rows` as CSV, with a header line unless `header` is False (None as an empty cell;
    lists and dicts as JSON)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if header:
        writer.writerow(columns)
    for row in rows:
        writer.writerow(
            [
                json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v
                for v in (row.get(c) for c in columns)
            ]
        )
    return buffer.getvalue()


def jsonl_text(rows: Sequence[Mapping[str, Any]]) -> str:
    """One JSON object per row, Chinese kept readable."""
    return "".join(json.dumps(dict(row), ensure_ascii=False) + "\n" for row in rows)
