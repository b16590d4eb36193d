"""Text out of a corpus file's bytes: .txt, .docx, .pdf, .html, and tables (.csv, .xlsx, .xls,
.jsonl, .parquet).

Pure: every reader takes the file's bytes and returns text (documents) or rows (tables).

- `.txt`: `encoding.decode_bytes` (BOM, UTF-8, GB18030).
- `.docx` (python-docx): paragraphs and table cells in document order, one per line (a
  merged cell once; a soft line break is a line break).
- `.pdf` (pypdf): the text layer, page by page. Fewer than `MIN_PDF_CHARS_PER_PAGE`
  non-space characters per page on average is a scanned PDF: `NoTextLayerError` (a recorded
  skip, never an error; OCR is not attempted).
- `.html`/`.htm` (trafilatura): a saved web page's main text (the article, without the site's
  menus, link lists and footer), its title as the first line, and the publication date its
  metadata states. Decoded as a `.txt` is.
- tables: one document per row; `corpus.tables` in params.yaml says which columns hold the
  text, title, date, issuer and so on (`TableSpec`); an undeclared table is read by the
  conventional column names (`text` or `content`, `title`, `date`, `year`, `issuer`, ...).
  Every sheet of a workbook is read unless the declaration names some.
"""

from __future__ import annotations

import io
import json
import math
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePosixPath
from typing import Any, Literal

import pandas as pd

from policytopics.config import CorpusTable
from policytopics.corpus.encoding import BadFileError, decode_bytes

DOCUMENT_SUFFIXES = (".txt", ".docx", ".pdf", ".html", ".htm")
TABLE_SUFFIXES = (".csv", ".xlsx", ".xls", ".jsonl", ".parquet")
MIN_PDF_CHARS_PER_PAGE = 20
# A PDF's text layer breaks every visual line. A line at least WRAP_SHARE of the text's full
# line width (its WRAP_PERCENTILE line width, in CJK character widths) that does not end a
# sentence was wrapped, and is joined to the next; lines narrower than MIN_WRAP_WIDTH (page
# numbers, table cells) never set the width.
WRAP_SHARE = 0.85
WRAP_PERCENTILE = 0.9
MIN_WRAP_WIDTH = 10.0
# Only a text whose lines show a full width is unwrapped: at least MIN_WRAP_LINES measured
# lines, of which MIN_FULL_SHARE are that wide (a few title lines of a cover page are not).
MIN_WRAP_LINES = 6
MIN_FULL_SHARE = 0.3
_SENTENCE_ENDS = "。！？；：.!?;:…"
_CLOSERS = "”’」』）)》〉】"
# a line holding only a page number (3, - 3 -, — 3 —, 第3页, 3/40), where a page break fell
_PAGE_NUMBER = re.compile(
    r"^[-—–－\s]*(?:第\s*)?\d{1,4}(?:\s*页)?(?:\s*[/／]\s*\d{1,4})?[-—–－\s]*$"
)
EXCEL_CELL_LIMIT = 32_767
STATED_FIELDS = (
    "title", "locality", "province", "city", "admin_level", "doc_type", "language", "issuer"
)  # fmt: skip
# How an undeclared table is read: each field from the first of these columns it has (the
# English names, then the headers Chinese government lists and exports commonly use).
DEFAULT_TABLE = CorpusTable(
    glob="*",
    text=["text", "content", "正文", "内容", "全文", "政策内容"],
    title=["title", "标题", "题目", "文件名称", "政策标题"],
    date=["date", "published", "发布日期", "发布时间", "成文日期", "日期"],
    year=["year", "年份", "年度"],
    issuer=["issuer", "发文机关", "发布机构", "发文单位", "发布单位", "发布部门"],
    locality=["locality"],
    province=["province", "省份"],
    city=["city", "城市"],
    admin_level=["admin_level"],
    doc_type=["doc_type", "文种"],
    language=["language"],
    id=["id", "doc_id", "编号"],
)
HINTS = {
    ".doc": "an old Word .doc file: save it as .docx to include it",
    ".wps": "a WPS file: save it as .docx to include it",
}


class NoTextLayerError(BadFileError):
    """A PDF without a text layer (scanned): always a recorded skip."""


@dataclass
class TableRow:
    """One row of a table: its key inside the file, text and the values its columns state."""

    key: str  # "0001", "<sheet>#0001", or the declared id
    position: int  # 1-based over the whole file, sheets in order
    where: str  # "sheet Central Policies Table row 3" for messages
    text: str
    stated: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def docx_text(data: bytes) -> str:
    """Paragraphs and table cells of a .docx, in order, one per line."""
    import docx  # python-docx; imported here so a corpus without .docx never loads it
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as error:  # python-docx raises zipfile/lxml/KeyError alike
        raise BadFileError(f"not a readable .docx file ({type(error).__name__})") from None
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                seen: set[int] = set()
                for cell in row.cells:
                    if id(cell._tc) not in seen:  # a merged cell repeats; keep it once
                        seen.add(id(cell._tc))
                        lines.append(cell.text)
        else:
            lines.append(block.text)
    return "\n".join(lines)


def _width(line: str) -> float:
    """Display width in CJK characters: a wide character is 1, any other half."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.5 for c in line)


def _ends_sentence(line: str) -> bool:
    """The line ends a sentence: 。！？；： (or their ASCII forms, . …), perhaps in a quote."""
    return line.rstrip(_CLOSERS).endswith(tuple(_SENTENCE_ENDS))


@dataclass(frozen=True)
class Unwrapped:
    """`unwrap`'s result: the text, how many line breaks it joined, and how many characters
    it removed (the joined line breaks and the spaces around the lines it joined) and inserted
    (a space between two Latin words), for the ledger's character balance."""

    text: str
    joined: int
    removed: int
    inserted: int


def unwrap(text: str) -> Unwrapped:
    """`text` with the lines its layout wrapped joined again: a line of nearly the full line
    width that does not end a sentence continues on the next line (joined directly in
    Chinese, with a space between two Latin letters or digits). Headings, the last line of a
    paragraph and short lines keep their line break; a page number between the two halves of
    a paragraph moves after it. A text of few lines, or whose lines show no common full width
    (one paragraph per line), comes back as it is (`joined` 0)."""
    unchanged = Unwrapped(text, 0, 0, 0)
    lines = [line.strip() for line in text.split("\n")]
    widths = [_width(line) for line in lines]
    measured = sorted(w for w in widths if w >= MIN_WRAP_WIDTH)
    if len(measured) < MIN_WRAP_LINES:
        return unchanged
    full = measured[int(WRAP_PERCENTILE * (len(measured) - 1))]
    if sum(w >= WRAP_SHARE * full for w in measured) < MIN_FULL_SHARE * len(measured):
        return unchanged  # lines of many widths: paragraphs, not a wrapped layout
    out: list[str] = []
    footers: list[str] = []  # page numbers met inside a paragraph: they follow it
    open_line = ""  # the last line of `out[-1]` when it was wrapped, else ""
    spaces = 0
    for width, line in zip(widths, lines, strict=True):
        if open_line and _PAGE_NUMBER.match(line):
            footers.append(line)
            continue
        if open_line and line:
            latin = open_line[-1].isascii() and open_line[-1].isalnum() and line[0].isascii()
            space = latin and line[0].isalnum()
            spaces += space
            out[-1] += (" " if space else "") + line
        else:
            out += footers
            footers = []
            out.append(line)
        wrapped = line and width >= WRAP_SHARE * full and not _ends_sentence(line)
        open_line = line if wrapped else ""
    joined = len(lines) - len(out) - len(footers)
    if joined == 0:
        return unchanged
    result = "\n".join(out + footers)
    return Unwrapped(result, joined, len(text) - len(result) + spaces, spaces)


def pdf_text(data: bytes) -> tuple[str, int]:
    """The text layer of a PDF (one line per visual line: see `unwrap`) and its page
    count; `NoTextLayerError` for a scanned one."""
    import pypdf

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception as error:  # pypdf's errors have no common base worth naming
        raise BadFileError(f"not a readable PDF ({type(error).__name__}: {error})") from None
    chars = sum(len("".join(page.split())) for page in pages)
    if not pages or chars < MIN_PDF_CHARS_PER_PAGE * len(pages):
        raise NoTextLayerError(
            f"no text layer (scanned?): {len(pages)} page(s) gave {chars} characters; "
            "run OCR and add the text as .txt"
        )
    return "\n".join(page.rstrip("\n") for page in pages), len(pages)


@dataclass(frozen=True)
class WebPage:
    """A saved web page's main text, the date its metadata states, and the characters (spaces
    not counted) of the main text and of the page's whole visible text."""

    text: str  # the title, then the main text's paragraphs, one per line
    published: str  # ISO date (yyyy-mm-dd) from the page's metadata, or ""
    article_chars: int  # characters of `text`
    page_chars: int  # characters of the page's visible text (menus, links, footer included)


def _non_space_chars(text: str) -> int:
    return len("".join(text.split()))


def _visible_chars(markup: str) -> int:
    """Characters of a page's visible text (the body's text without scripts and styles),
    spaces not counted."""
    import lxml.html

    parser = lxml.html.HTMLParser(encoding="utf-8")  # the text is decoded: ignore its <meta>
    tree = lxml.html.document_fromstring(markup.encode("utf-8"), parser=parser)
    for element in tree.xpath("//script|//style|//noscript|//template|//head"):
        element.drop_tree()
    return _non_space_chars("".join(tree.itertext()))


def html_text(data: bytes) -> tuple[WebPage, str]:
    """The main text of a saved web page and the page's encoding; `BadFileError` when the page
    has no main text. The page is read offline, as written: trafilatura finds the article
    (a deterministic rule-based extraction) and its title; the publication date comes only
    from the page's own metadata (`<meta name="PubDate">`, `article:published_time`, a
    `<time>` element), never a guess from dates in the text."""
    import trafilatura

    markup, encoding = decode_bytes(data)
    try:
        page = trafilatura.bare_extraction(
            markup,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            include_images=False,
            deduplicate=False,
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except Exception as error:  # lxml's and trafilatura's parse errors have no common base
        raise BadFileError(f"not a readable web page ({type(error).__name__})") from None
    fields = ("text", "title", "date")  # a Document, or None when nothing was extracted
    found = page if isinstance(page, dict) else {key: getattr(page, key, None) for key in fields}
    body = (found.get("text") or "").strip()
    if not body:
        raise BadFileError("a web page without main text (no article found)")
    title = " ".join((found.get("title") or "").split())
    lines = body.split("\n")
    if title and lines[0].strip() != title:
        lines.insert(0, title)
    date = found.get("date") or ""
    published = date if re.fullmatch(r"\d{4}-\d{2}-\d{2}", date) else ""
    text = "\n".join(lines)
    return WebPage(text, published, _non_space_chars(text), _visible_chars(markup)), encoding


def table_spec(name: str, tables: Sequence[CorpusTable]) -> CorpusTable:
    """The first declaration whose glob matches the file's path, else `DEFAULT_TABLE`."""
    path = PurePosixPath(name)
    for spec in tables:
        if path.match(spec.glob) or PurePosixPath(path.name).match(spec.glob):
            return spec
    return DEFAULT_TABLE


def _sheets(name: str, data: bytes) -> list[tuple[str, pd.DataFrame]]:
    suffix = PurePosixPath(name).suffix.lower()
    try:
        if suffix in (".xlsx", ".xls"):
            if suffix == ".xls" and data.lstrip()[:1] == b"<":
                raise BadFileError(
                    "an .xls that is a web page (a site's export saved as HTML): open it in a "
                    "spreadsheet program and save it as .xlsx"
                )
            engine: Literal["openpyxl", "xlrd"] = "openpyxl" if suffix == ".xlsx" else "xlrd"
            book = pd.read_excel(io.BytesIO(data), sheet_name=None, dtype=object, engine=engine)
            return list(book.items())
        if suffix == ".parquet":
            return [("", pd.read_parquet(io.BytesIO(data)))]
        if suffix == ".csv":
            text, _ = decode_bytes(data)
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
            return [("", frame)]
    except BadFileError:
        raise
    except Exception as error:  # pandas/openpyxl/pyarrow parse errors
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise BadFileError(f"not a readable {suffix} table ({first})") from None
    return [("", _jsonl_frame(data))]


def _jsonl_frame(data: bytes) -> pd.DataFrame:
    text, _ = decode_bytes(data)
    records = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise BadFileError(f"line {number}: not JSON ({error.msg})") from None
        if not isinstance(record, dict):
            raise BadFileError(f"line {number}: a JSON {type(record).__name__}, not an object")
        records.append(record)
    return pd.DataFrame.from_records(records)


def cell_text(value: Any) -> str:
    """A cell as text: blanks/NaN -> "", whole floats without .0, dates as ISO, JSON as JSON."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return ""
    if isinstance(value, datetime | pd.Timestamp):
        stamp = pd.Timestamp(value)
        return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _columns(choice: str | list[str]) -> list[str]:
    return [choice] if isinstance(choice, str) else list(choice)


def _first(row: dict[str, str], columns: list[str], present: set[str]) -> str:
    for column in columns:
        if column in present and row[column].strip():
            return row[column].strip()
    return ""


def table_rows(name: str, data: bytes, spec: CorpusTable) -> Iterator[TableRow]:
    """Rows of a table file as `TableRow`s; `BadFileError` for an unreadable file or a
    missing text column."""
    sheets = _sheets(name, data)
    if spec.sheets:
        missing = sorted(set(spec.sheets) - {s for s, _ in sheets})
        if missing:
            raise BadFileError(f"no sheet {missing[0]!r} (sheets: {[s for s, _ in sheets]})")
        sheets = [(s, frame) for s, frame in sheets if s in spec.sheets]
    position = 0
    id_columns = _columns(spec.id)
    seen: dict[str, str] = {}
    for sheet, frame in sheets:
        present = {str(c) for c in frame.columns}
        text_columns = [c for c in _columns(spec.text) if c in present]
        if not text_columns:
            where = f"sheet {sheet!r}: " if sheet else ""
            raise BadFileError(
                f"{where}no text column (looked for {_columns(spec.text)}; columns: "
                f"{sorted(present)}); declare it in params.yaml corpus.tables"
            )
        for index, values in enumerate(frame.to_dict("records"), start=1):
            position += 1
            row = {str(k): cell_text(v) for k, v in values.items()}
            where = f"sheet {sheet} row {index}" if sheet else f"row {index}"
            parts = [row[c] for c in text_columns if row[c].strip()]
            warnings = [
                f"{c}: exactly {EXCEL_CELL_LIMIT:,} characters, probably cut at Excel's cell limit"
                for c in text_columns
                if len(row[c]) == EXCEL_CELL_LIMIT
            ]
            stated = {f: _first(row, _columns(getattr(spec, f)), present) for f in STATED_FIELDS}
            stated["date"] = _first(row, _columns(spec.date), present)
            stated["year"] = _first(row, _columns(spec.year), present)
            if spec.year_map and stated["year"]:
                value = stated["year"]
                stated["year"] = str(spec.year_map.get(value, ""))
                if not stated["year"]:
                    warnings.append(f"year: {value!r} is not in year_map")
            stated.update(spec.values)
            stated = {k: v for k, v in stated.items() if v}
            declared_id = _first(row, id_columns, present)
            key = declared_id or (f"{sheet}#{index:04d}" if sheet else f"{index:04d}")
            if key in seen:
                raise BadFileError(
                    f"{where}: id {key!r} again (first at {seen[key]}); ids must be unique"
                )
            seen[key] = where
            yield TableRow(key, position, where, "\n\n".join(parts), stated, warnings)
