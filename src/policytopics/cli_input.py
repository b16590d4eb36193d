"""Reading the texts `policytopics classify` is given: strict UTF-8, control characters out,
empty texts skipped and counted (pure: streams in, records out)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from policytopics.errors import UserError

# C0 and C1 controls and DEL (NUL included), and the zero-width no-break space (a stray BOM)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufeff]+")
_SPACE = re.compile(r"[\t\n\r\x85\u2028\u2029]")  # tabs and line breaks inside a text


class Line(NamedTuple):
    text: str
    heading: str = ""  # the heading path the text sits under
    passage: str = ""  # the paragraph the text comes from
    number: int = 0  # its line number in the input (1-based)


@dataclass
class Skipped:
    """Line numbers of texts left out because they were empty once cleaned."""

    lines: list[int] = field(default_factory=list)

    def message(self, shown: int = 20) -> str:
        """One line for stderr ("" when nothing was skipped)."""
        if not self.lines:
            return ""
        numbers = ", ".join(str(n) for n in self.lines[:shown])
        more = f" and {len(self.lines) - shown} more" if len(self.lines) > shown else ""
        noun = "text" if len(self.lines) == 1 else "texts"
        return f"skipped {len(self.lines)} empty {noun} (line {numbers}{more})"


def clean_text(text: str) -> str:
    """`text` without control characters (NUL, C0/C1, DEL, a stray BOM); tabs and line
    separators become spaces; outer whitespace stripped."""
    return _CONTROL.sub("", _SPACE.sub(" ", text)).strip()


def decoded_lines(raw: Iterable[bytes | str]) -> Iterator[tuple[int, str]]:
    """(line number, line without its end) for each input line, bytes decoded as strict UTF-8
    (a BOM on the first line dropped); invalid bytes or a lone surrogate are a UserError."""
    for number, item in enumerate(raw, start=1):
        if isinstance(item, bytes):
            try:
                line = item.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as error:
                raise UserError(
                    f"line {number}: not UTF-8 text (byte 0x{item[error.start]:02x} at byte "
                    f"{error.start + 1} of the line)"
                ) from None
        else:
            line = item
        check_encodable(line, number)
        yield number, line.rstrip("\r\n")


def check_encodable(text: str, number: int) -> None:
    """A UserError when `text` holds a lone surrogate (undecodable input smuggled through)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise UserError(
            f"line {number}: not UTF-8 text (lone surrogate U+{ord(text[error.start]):04X})"
        ) from None


def read_texts(
    lines: Iterable[tuple[int, str]], jsonl: bool | None, skipped: Skipped
) -> Iterator[Line]:
    """Texts from one-per-line input or JSONL with a "text" field and optional "heading" and
    "passage" fields, the text's context (auto-detected when `jsonl` is None), cleaned by
    `clean_text`. Blank lines are passed over; a text that is empty once cleaned is recorded
    in `skipped` and not yielded."""
    for number, line in lines:
        if not line.strip():
            continue
        if jsonl is None:  # decide on the first non-empty line
            jsonl = line.lstrip().startswith("{")
        if not jsonl:
            text = clean_text(line)
            if text:
                yield Line(text, number=number)
            else:
                skipped.lines.append(number)
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise UserError(f"line {number}: not valid JSON ({error.msg})") from None
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise UserError(f'line {number}: a JSONL record needs a string "text" field')
        context = {key: record.get(key, "") for key in ("heading", "passage")}
        for key, value in context.items():
            if not isinstance(value, str):
                raise UserError(f'line {number}: "{key}" must be a string')
        for value in (record["text"], *context.values()):
            check_encodable(value, number)  # "\ud800" escapes decode to lone surrogates
        text = clean_text(record["text"])
        if not text:
            skipped.lines.append(number)
            continue
        yield Line(text, clean_text(context["heading"]), clean_text(context["passage"]), number)
