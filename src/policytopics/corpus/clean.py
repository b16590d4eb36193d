"""Remove boilerplate lines and split a seed file into raw documents, measuring every removal.

A file is handled as lines. Each line costs its characters plus its newline, so the costs
of all lines add up to the file's decoded length and every character is either kept in a
document body or removed for a named reason (a `Removal` with line numbers and a preview).

Boilerplate rules live in `resources/ingest_boilerplate.csv` (reason, action, rest_reason,
pattern): `line` removes the matching line; `tail` removes it and every line after it.
A rule matches a line as written or in simplified script (OpenCC t2s), so a traditional-script
copy of a scraped page loses the same chrome as the simplified one (the text itself is
converted later, per document, by `normalise`).
Splitting: lines like `• 【渝北区招商】2021年渝北区政府工作报告` are titles of a scraped
listing, each starting a document; a file without them is one document whose first line is
its title when it reads like one (short, not ending a sentence).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from policytopics.corpus.normalise import traditional_to_simplified

PREVIEW_CHARS = 120
MAX_TITLE_CHARS = 200
LISTING_TITLE = re.compile(r"^[•·●]\s*【(?P<tag>[^】]*)】\s*(?P<title>\S.*)$")
BYLINE = re.compile(
    r"^Author\s*[:：]\s*(?P<author>.*?)\s*Time\s*[:：]\s*"
    r"(?P<year>\d{4})[.\-/年](?P<month>\d{1,2})[.\-/月](?P<day>\d{1,2})日?\s*$"
)
_SENTENCE_END = ("。", ".", "!", "！", "?", "？", ";", "；", "…")


@dataclass(frozen=True)
class BoilerplateRule:
    reason: str
    action: str  # "line" | "tail"
    rest_reason: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Removal:
    """Lines removed from a file (1-based, inclusive) and why."""

    reason: str
    first_line: int
    last_line: int
    chars: int
    preview: str


@dataclass
class RawDocument:
    """One document's lines as found in its file, before normalisation."""

    part: int
    title: str
    title_tag: str
    body: str
    first_line: int
    author: str = ""
    published: str = ""
    removals: list[Removal] = field(default_factory=list)


@lru_cache(maxsize=1)
def default_rules() -> tuple[BoilerplateRule, ...]:
    """The packaged boilerplate rules (resources/ingest_boilerplate.csv)."""
    text = resources.files("policytopics.resources").joinpath("ingest_boilerplate.csv")
    rows = csv.DictReader(text.read_text(encoding="utf-8").splitlines())
    return tuple(
        BoilerplateRule(r["reason"], r["action"], r["rest_reason"], re.compile(r["pattern"]))
        for r in rows
    )


def _costs(lines: list[str]) -> list[int]:
    return [len(line) + 1 for line in lines[:-1]] + [len(lines[-1])]


def _removal(reason: str, lines: list[str], costs: list[int], start: int, end: int) -> Removal:
    """Removal of lines[start:end] (0-based, end exclusive)."""
    text = " ".join(line.strip() for line in lines[start:end] if line.strip())
    last = end - 1 if end == len(lines) and end - 1 > start and not lines[-1] else end
    return Removal(reason, start + 1, last, sum(costs[start:end]), text[:PREVIEW_CHARS])


def _matches(rule: BoilerplateRule, line: str) -> bool:
    if rule.pattern.search(line):
        return True
    return not line.isascii() and rule.pattern.search(traditional_to_simplified(line)) is not None


def _looks_like_title(line: str) -> bool:
    line = line.strip()
    return 0 < len(line) <= MAX_TITLE_CHARS and not line.endswith(_SENTENCE_END)


def _remove_boilerplate(
    lines: list[str], costs: list[int], rules: tuple[BoilerplateRule, ...]
) -> tuple[list[bool], list[Removal]]:
    keep = [True] * len(lines)
    file_removals: list[Removal] = []
    for i, line in enumerate(lines):
        if not keep[i]:
            continue
        stripped = line.strip()
        for rule in rules:
            if not _matches(rule, stripped):
                continue
            keep[i] = False
            file_removals.append(_removal(rule.reason, lines, costs, i, i + 1))
            if rule.action == "tail" and i + 1 < len(lines):
                file_removals.append(_removal(rule.rest_reason, lines, costs, i + 1, len(lines)))
                keep[i + 1 :] = [False] * (len(lines) - i - 1)
            break
    return keep, file_removals


def split_file(
    text: str, rules: tuple[BoilerplateRule, ...] | None = None, *, split: bool = True
) -> tuple[list[RawDocument], list[Removal]]:
    """Split decoded file text into raw documents; return them and the file-level removals.

    `split=False` (a table row, whose title is a column): one document, no title line taken
    from the text and no listing split."""
    rules = default_rules() if rules is None else rules
    lines = text.split("\n")
    costs = _costs(lines)
    keep, file_removals = _remove_boilerplate(lines, costs, rules)
    if not split:
        first = next((i for i, line in enumerate(lines) if keep[i] and line.strip()), None)
        if first is None:
            blank = [i for i in range(len(lines)) if keep[i] and costs[i]]
            file_removals += [_removal("whitespace", lines, costs, i, i + 1) for i in blank]
            return [], file_removals
        doc = RawDocument(part=1, title="", title_tag="", body="", first_line=1)
        doc.body = "".join(
            lines[i] + ("\n" if i < len(lines) - 1 else "") for i in range(len(lines)) if keep[i]
        )
        return [doc], file_removals
    starts = [i for i, line in enumerate(lines) if keep[i] and LISTING_TITLE.match(line.strip())]
    if not starts:
        first = next((i for i, line in enumerate(lines) if keep[i] and line.strip()), None)
        if first is None:  # nothing but boilerplate and blank lines
            blank = [i for i in range(len(lines)) if keep[i] and costs[i]]
            file_removals += [_removal("whitespace", lines, costs, i, i + 1) for i in blank]
            return [], file_removals
        starts = [first]
        listing = False
    else:
        listing = True
    if starts[0] > 0:  # blank or unrecognised lines before the first document
        lead = [i for i in range(starts[0]) if keep[i]]
        if lead:
            reason = "before_first_title" if any(lines[i].strip() for i in lead) else "whitespace"
            file_removals.append(_removal(reason, lines, costs, lead[0], lead[-1] + 1))
    documents = []
    for part, start in enumerate(starts, start=1):
        end = starts[part] if part < len(starts) else len(lines)
        documents.append(_raw_document(part, lines, costs, keep, start, end, listing))
    return documents, file_removals


def _raw_document(
    part: int,
    lines: list[str],
    costs: list[int],
    keep: list[bool],
    start: int,
    end: int,
    listing: bool,
) -> RawDocument:
    doc = RawDocument(part=part, title="", title_tag="", body="", first_line=start + 1)
    body_start = start
    first = lines[start].strip()
    match = LISTING_TITLE.match(first) if listing else None
    if match is not None:
        doc.title, doc.title_tag = match.group("title").strip(), match.group("tag").strip()
    elif _looks_like_title(first):
        doc.title = first
    if doc.title:
        doc.removals.append(_removal("title_to_metadata", lines, costs, start, start + 1))
        body_start = start + 1
    body: list[str] = []
    for i in range(body_start, end):
        if not keep[i]:
            continue
        byline = BYLINE.match(lines[i].strip()) if not doc.author and i < start + 6 else None
        if byline is not None:
            doc.author = byline.group("author").strip()
            y, m, d = (int(byline.group(k)) for k in ("year", "month", "day"))
            doc.published = f"{y:04d}-{m:02d}-{d:02d}"
            doc.removals.append(_removal("byline_to_metadata", lines, costs, i, i + 1))
            continue
        body.append(lines[i] + ("\n" if i < len(lines) - 1 else ""))
    doc.body = "".join(body)
    return doc
