"""Stopword lists (one word per line, `#` comments) and the number/date/unit shape rule."""

from __future__ import annotations

import re
from collections.abc import Iterable

from policytopics.text.userdict import read_resource

PACKAGED_LISTS = {
    "stopwords_zh": "stopwords_zh.txt",
    "stopwords_policy_zh": "stopwords_policy_zh.txt",
    "stopwords_en": "stopwords_en.txt",
    "units_zh": "units_zh.txt",
}

_NUMERAL = r"(?:[0-9][0-9.,:/~-]*|[零〇一二三四五六七八九十百千万亿两壹贰叁肆伍陆柒捌玖拾佰仟]+)"
_HAS_WORD_CHAR = re.compile(r"[^\W_]")


def parse_word_list(text: str) -> frozenset[str]:
    """Words of a list file: one per line, blank lines and `#` comments ignored."""
    words = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return frozenset(w.lower() if w.isascii() else w for w in words if w)


def load_word_list(path: str, name: str) -> frozenset[str]:
    """Load list `name` from `path` ("" = the packaged list of that name)."""
    text, _ = read_resource(path, PACKAGED_LISTS[name])
    return parse_word_list(text)


def number_pattern(units: Iterable[str]) -> re.Pattern[str]:
    """Whole-token numbers, dates, percentages, ordinals and quantities: 2021年, 第一, 一是, 15%."""
    unit = "|".join(re.escape(u) for u in sorted(units, key=lambda u: (-len(u), u)) if u)
    unit_part = rf"(?:{unit})" if unit else "(?!)"
    return re.compile(
        rf"(?:第?{_NUMERAL}+(?:%|‰|是|来|{unit_part})*(?:以上|以下|左右|余|多)?|百分之\S*|{unit_part})"
    )


def is_punctuation(token: str) -> bool:
    """True for whitespace, punctuation and symbols (no letter, digit or Han character)."""
    return _HAS_WORD_CHAR.search(token) is None


def is_number(token: str, pattern: re.Pattern[str]) -> bool:
    """True when the whole token is a number, date, percentage, ordinal or unit."""
    return pattern.fullmatch(token) is not None
