"""Split text into sentences: Chinese at 。！？； (brackets and quotes kept whole), English at . ! ?

Both split at every line break. Chinese: a sentence ends after 。！？； (or their ASCII forms
! ? ;) together with any closing quotes or brackets that follow, but never inside “…”, （…）,
《…》 unless the quoted text itself ends a sentence: 他说：“好。”然后 -> 他说：“好。” | 然后
(but in “…。”的要求 a comma or 的/地/得/等/之 after the quote continues the sentence).
An opening bracket with no closing partner on the same line within `MAX_PAIR_SPAN` characters
is a stray (scraped text has some) and does not suppress splitting.
English: after . ! ? (and closing quotes) followed by a space and a capital, digit or opening
quote, unless the word before the full stop is a known abbreviation (Mr., e.g., U.S.).
"""

from __future__ import annotations

import re

ZH_TERMINALS = frozenset("。！？；!?;")
PAIRS: dict[str, str] = {
    "“": "”",
    "‘": "’",
    "（": "）",
    "(": ")",
    "《": "》",
    "【": "】",
    "「": "」",
    "『": "』",
    "〔": "〕",
    "[": "]",
}
CLOSERS = frozenset(PAIRS.values()) | {'"', "'"}
MAX_PAIR_SPAN = 300
CLAUSE_ENDS = frozenset("，,、；;：:")
# “一是…。二是…。”的要求: after a quoted sentence these go on with the same sentence
_CONTINUES_AFTER_QUOTE = frozenset("，,、：:的地得等之")

_EN_BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")
_EN_ABBREVIATIONS = frozenset(
    (
        *("mr", "mrs", "ms", "dr", "prof", "st", "no", "nos", "co", "ltd", "inc", "corp"),
        *("jr", "sr", "vs", "fig", "figs", "dept", "gov", "govt", "approx", "est", "mt"),
        *("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"),
    )
)
_EN_DOTTED = re.compile(r"(?:\b[A-Za-z]\.)+[A-Za-z]?$")


def sentences(text: str, language: str) -> list[str]:
    """Sentences of `text` in order, stripped, empty ones dropped."""
    split = _zh_line if language == "zh" else _en_line
    out: list[str] = []
    for line in text.split("\n"):
        out.extend(s for s in (part.strip() for part in split(line)) if s)
    return out


def _pair_depths(line: str) -> list[int]:
    """depth[k] = number of matched bracket/quote pairs enclosing the gap before line[k]."""
    stack: list[int] = []
    delta = [0] * (len(line) + 1)
    quote_open: int | None = None
    for i, ch in enumerate(line):
        if ch == '"':
            if quote_open is None:
                quote_open = i
            else:
                if i - quote_open <= MAX_PAIR_SPAN:
                    delta[quote_open + 1] += 1
                    delta[i + 1] -= 1
                quote_open = None
        elif ch in PAIRS:
            stack.append(i)
        elif ch in CLOSERS:
            for depth in range(len(stack) - 1, -1, -1):
                if PAIRS[line[stack[depth]]] == ch:
                    opener = stack[depth]
                    del stack[depth:]
                    if i - opener <= MAX_PAIR_SPAN:
                        delta[opener + 1] += 1
                        delta[i + 1] -= 1
                    break
    depths, running = [], 0
    for k in range(len(line) + 1):
        running += delta[k]
        depths.append(running)
    return depths


def _zh_line(line: str) -> list[str]:
    depths = _pair_depths(line)
    parts: list[str] = []
    start = i = 0
    n = len(line)
    while i < n:
        if line[i] not in ZH_TERMINALS:
            i += 1
            continue
        j = i + 1
        while j < n and line[j] in ZH_TERMINALS:
            j += 1
        while j < n and line[j] in CLOSERS and depths[j + 1] < depths[j]:
            j += 1
        closed_quote = j > i + 1 and line[j - 1] in CLOSERS
        continues = closed_quote and j < n and line[j] in _CONTINUES_AFTER_QUOTE
        if depths[j] == 0 and not continues:
            parts.append(line[start:j])
            start = j
        i = j
    parts.append(line[start:])
    return parts


def _en_line(line: str) -> list[str]:
    parts: list[str] = []
    start = 0
    for match in _EN_BOUNDARY.finditer(line):
        if match.group().startswith(".") and _is_abbreviation(line[start : match.start()]):
            continue
        parts.append(line[start : match.end()])
        start = match.end()
    parts.append(line[start:])
    return parts


def _is_abbreviation(before: str) -> bool:
    words = before.split()
    if not words:
        return False
    word = words[-1].lstrip("\"'“‘([")
    if len(word) == 1 and word.isupper():  # an initial: J. Smith
        return True
    return word.lower() in _EN_ABBREVIATIONS or bool(_EN_DOTTED.search(word))


def clauses(sentence: str, language: str) -> list[str]:
    """Cut a sentence after its clause punctuation (，、；：), keeping the punctuation.

    A comma or colon between two digits (1,000 or 10:30) is part of a number, not a clause end.
    """
    del language  # the same marks serve both languages; the parameter keeps call sites uniform
    parts: list[str] = []
    start = 0
    last = len(sentence) - 1
    for i, ch in enumerate(sentence):
        if ch not in CLAUSE_ENDS:
            continue
        if ch in ",:" and 0 < i < last and sentence[i - 1].isdigit() and sentence[i + 1].isdigit():
            continue
        parts.append(sentence[start : i + 1])
        start = i + 1
    parts.append(sentence[start:])
    return [p for p in parts if p]


CUT_LEVELS = ("clause", "space", "hard")  # how finely an over-long sentence had to be cut
_AFTER_SPACE = re.compile(r"(?<=\s)(?=\S)")


def cut_points(sentence: str, max_chars: int) -> tuple[list[str], str]:
    """Parts of at most `max_chars` whose concatenation is exactly `sentence`, and how it was cut.

    Clause ends first (，；：、 and their ASCII forms); a clause still too long is cut after its
    spaces; a word still too long is cut into the fewest parts of equal length (within one
    character) that fit. The level returned is the finest one needed (`CUT_LEVELS`). Linear in
    the length of the sentence.
    """
    parts: list[str] = []
    level = 0
    for clause in clauses(sentence, ""):
        if len(clause) <= max_chars:
            parts.append(clause)
            continue
        for word in _AFTER_SPACE.split(clause):
            if len(word) <= max_chars:
                level = max(level, 1)
                parts.append(word)
            else:
                level = 2
                parts.extend(_equal_parts(word, -(-len(word) // max_chars)))
    return parts, CUT_LEVELS[level]


def _equal_parts(text: str, n: int) -> list[str]:
    """`text` cut into `n` parts whose lengths differ by at most one (the longer ones first)."""
    size, extra = divmod(len(text), n)
    bounds = [k * size + min(k, extra) for k in range(n + 1)]
    return [text[bounds[k] : bounds[k + 1]] for k in range(n)]
