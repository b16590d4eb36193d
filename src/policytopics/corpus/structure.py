"""Read a document's structure: headings (kept for section paths) and blocks of body text.

A block is a run of sentences that the document itself marks as one unit: a line (paragraph),
the text after a heading, a ● list item, or a paragraph opened by a short lead sentence such as
综合实力迈上新台阶。 or by an address such as 各位代表！ (work reports put many paragraphs on
one long line; an address speaks about the whole top-level section, so its paragraph's path
goes back to that heading). Every character of the text except whitespace ends up in exactly
one heading or one block, in order.
"""

from __future__ import annotations

from dataclasses import dataclass

from policytopics.corpus.headings import (
    ADDRESSES,
    INLINE_MARKER,
    RANKS,
    Marker,
    inline_heading_end,
    is_lead_sentence,
    is_title_candidate,
    match_marker,
    own_line_heading,
)
from policytopics.corpus.sentences import sentences

MIN_LINES_UNDER_TITLE = 2  # a title line heads at least this many body lines (else a caption)
_INLINE_HEADING_KINDS = frozenset(RANKS) - {"title", "dash", "bullet"}


@dataclass(frozen=True)
class Heading:
    """A heading: its kind (see `headings.RANKS`), rank and text."""

    kind: str
    rank: int
    text: str


@dataclass(frozen=True)
class Block:
    """Sentences the document marks as one unit, with the headings above them."""

    path: tuple[str, ...]
    sentences: tuple[str, ...]


def parse_document(text: str, language: str, lead_max_chars: int) -> list[Heading | Block]:
    """Headings and blocks of `text` in document order."""
    parser = _Parser(language, lead_max_chars)
    lines = [line.strip() for line in text.split("\n")]
    lines = [line for line in lines if line]
    for line, role in zip(lines, line_roles(lines, language), strict=True):
        if role == "title":
            parser.heading("title", None, line)
            continue
        marker = own_line_heading(line) if role == "heading" else None
        if marker is not None:
            parser.heading(marker.kind, marker.number, line)
        else:
            parser.body_line(line)
    parser.flush()
    return parser.items


def line_roles(lines: list[str], language: str) -> list[str]:
    """For each line: `heading` (marker line), `title` (plain title line) or `body`.

    A title candidate (short, no punctuation) is a title only if at least
    `MIN_LINES_UNDER_TITLE` body lines follow before the next candidate; otherwise it is a
    caption or stray line (Automated electronic production line) and stays body text.
    """
    roles = []
    for line in lines:
        if own_line_heading(line) is not None:
            roles.append("heading")
        elif is_title_candidate(line, language):
            roles.append("candidate")
        else:
            roles.append("body")
    for i, role in enumerate(roles):
        if role != "candidate":
            continue
        body_lines = 0
        for later in roles[i + 1 :]:
            if later in ("candidate", "title"):
                break
            body_lines += later == "body"
        roles[i] = "title" if body_lines >= MIN_LINES_UNDER_TITLE else "body"
    return roles


class _Parser:
    """Walks the lines, keeping the heading stack and the block being filled."""

    def __init__(self, language: str, lead_max_chars: int) -> None:
        self.language = language
        self.lead_max_chars = lead_max_chars
        self.items: list[Heading | Block] = []
        self.stack: list[Heading] = []
        self.counters: dict[str, int] = {}
        self.current: list[str] = []

    def flush(self) -> None:
        if self.current:
            path = tuple(h.text for h in self.stack)
            self.items.append(Block(path, tuple(self.current)))
            self.current = []

    def heading(self, kind: str, number: int | None, text: str) -> None:
        self.flush()
        rank = RANKS[kind]
        while self.stack and self.stack[-1].rank >= rank:
            self.stack.pop()
        heading = Heading(kind, rank, text)
        self.stack.append(heading)
        self.items.append(heading)
        self.counters = {k: v for k, v in self.counters.items() if RANKS[k] <= rank}
        if number is not None:
            self.counters[kind] = number

    def in_sequence(self, marker: Marker) -> bool:
        """An inline numbered heading must continue its series (一 after a higher heading)."""
        return marker.number is None or marker.number == self.counters.get(marker.kind, 0) + 1

    def body_line(self, line: str) -> None:
        self.flush()
        cursor, n = 0, len(line)
        while cursor < n:
            marker = match_marker(line, cursor) if self.language == "zh" else None
            if marker is not None and marker.kind == "bullet":
                self.flush()
            elif (
                marker is not None
                and marker.kind in _INLINE_HEADING_KINDS
                and self.in_sequence(marker)
            ):
                end = inline_heading_end(line, cursor, marker)
                if end is not None:
                    self.heading(marker.kind, marker.number, line[cursor:end].strip())
                    cursor = end
                    while cursor < n and line[cursor].isspace():
                        cursor += 1
                    continue
                self.flush()  # a numbered item whose title cannot be told apart: new block
            stop = self.next_marker(line, cursor + 1) if self.language == "zh" else n
            self.add_text(line[cursor:stop])
            cursor = stop

    def next_marker(self, line: str, start: int) -> int:
        """Where the next possible inline heading or ● item starts (else the line's end)."""
        for found in INLINE_MARKER.finditer(line, start):
            marker = match_marker(line, found.end())
            if marker is None:
                continue
            if marker.kind == "bullet" or (
                marker.kind in _INLINE_HEADING_KINDS and self.in_sequence(marker)
            ):
                return found.end()
        return len(line)

    def add_text(self, text: str) -> None:
        parts = sentences(text, self.language)
        for i, sentence in enumerate(parts):
            if self.language == "zh" and sentence.startswith(ADDRESSES):
                last = self.items[-1] if self.items else None
                after_heading = not self.current and isinstance(last, Heading)
                self.flush()
                if not after_heading:  # back to the top-level section (一、…)
                    del self.stack[1:]
            elif (
                self.language == "zh"
                and self.current
                and not self.current[-1].startswith(ADDRESSES)  # 各位代表！成绩来之不易。
                and i < len(parts) - 1
                and is_lead_sentence(sentence, self.lead_max_chars)
            ):
                self.flush()
            self.current.append(sentence)
