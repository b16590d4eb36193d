"""Normalise a document's text: width, spacing, punctuation and script, with counts of each change.

Steps 1 and 2 are the pipeline's one character rule set, defined in `text.normalize`
(the tokenizer applies the same folds); this module applies them with counts.

Chinese documents (`language == "zh"`), in this order:

1. zero-width characters (U+200B-U+200D, U+2060, U+FEFF) removed;
2. full-width digits, Latin letters and symbols (U+FF01-U+FF5E) folded to ASCII, except
   the Chinese punctuation ，：；！？（） which stays full-width; U+3000 and other Unicode
   spaces become a plain space (step 6); the ratio signs ∶ and ︰ become `:`.
   Not NFKC: NFKC would also turn ，into `,`, Ⅲ into `III` and m³ into m3.
3. `?` between two Han characters is a middle dot lost by the scraper (中国泸州?金融中心)
   when the document shows that pattern inside a “quoted name”; it becomes `·`.
4. traditional -> simplified with OpenCC `t2s`, only for documents written in traditional
   script (at least `TRADITIONAL_SHARE` of Han characters change). On a simplified text t2s
   would damage names (乾丰镇 -> 干丰镇), so there isolated traditional characters stay.
5. ASCII `, : ; ! ?` become ，：；！？, the forms the sentence splitter uses (the scraped
   seeds carry ASCII punctuation throughout), unless both neighbours are ASCII letters or
   digits (1,000  5.1:57.3  an English phrase); ASCII brackets become （） as a pair when
   their content or an outside neighbour is Chinese.
6. spaces touching Chinese text removed (PDF extraction: `“ 十四五 ”` -> `“十四五”`,
   `二 〇 三五年` -> `二〇三五年`, `谭 庆` -> `谭庆`); other runs collapse to one space;
   lines are stripped and blank lines dropped.

English documents: steps 1, 2 and 6 (collapse only), plus `word -word` -> `word-word`
(the machine translation's `resource -exhausted`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

import opencc

from policytopics.text.normalize import KEEP_FULLWIDTH, ODD_SPACES, RATIO_COLONS, ZERO_WIDTH

TRADITIONAL_SHARE = 0.05
_SPACES = re.compile(f"[ {ODD_SPACES}]+")
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_PUNCT = "\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\u2018\u2019\u201c\u201d\u2014\u2026\u00b7"
_CJK = re.compile(f"[{_HAN}{_CJK_PUNCT}]")
_HAN_RE = re.compile(f"[{_HAN}]")
_LOST_DOT = re.compile(f"(?<=[{_HAN}])\\?(?=[{_HAN}])")
_QUOTED = re.compile(r"“[^”\n]{1,40}”")
_ASCII_PUNCT = {",": "，", ":": "：", ";": "；", "!": "！", "?": "？"}
_BRACKETS = re.compile(r"\(([^()\n]{0,80})\)")
_EN_HYPHEN = re.compile(r"(?<=[A-Za-z]) -(?=[a-z])")
_ASCII_ALNUM = re.compile(r"[0-9A-Za-z]")
_REPORT_OPENING = re.compile(
    r"^(?P<venue>\d{4}年\d{1,2}月\d{1,2}日在[^\n]{2,60}?会议上)"
    r"(?P<office>[^\n]{0,40}?(?:区长|县长|市长|省长|州长|旗长|主席))(?P<sep>[；;]?)"
    r"(?P<name>[\u4e00-\u9fff]{2,4}?)(?=各位代表)"
)


@dataclass
class NormaliseStats:
    """What normalisation did: characters deleted by reason, characters changed by kind."""

    removed: Counter[str] = field(default_factory=Counter)
    changed: Counter[str] = field(default_factory=Counter)
    inserted: Counter[str] = field(default_factory=Counter)


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def traditional_to_simplified(text: str) -> str:
    """OpenCC t2s, unconditionally."""
    return str(_t2s().convert(text))


def is_cjk(ch: str) -> bool:
    """A Han character or Chinese (full-width) punctuation."""
    return bool(_CJK.match(ch))


def fold_width(text: str, stats: NormaliseStats) -> str:
    """Full-width ASCII forms -> ASCII (Chinese punctuation kept), odd spaces -> space."""
    out = []
    for ch in text:
        code = ord(ch)
        if 0xFF01 <= code <= 0xFF5E and ch not in KEEP_FULLWIDTH:
            out.append(chr(code - 0xFEE0))
            stats.changed["fullwidth_folded"] += 1
        elif ch in RATIO_COLONS:
            out.append(":")
            stats.changed["ratio_colon"] += 1
        else:
            out.append(ch)
    return "".join(out)


def remove_zero_width(text: str, stats: NormaliseStats) -> str:
    kept = "".join(ch for ch in text if ch not in ZERO_WIDTH)
    stats.removed["zero_width"] += len(text) - len(kept)
    return kept


def repair_lost_dots(text: str, stats: NormaliseStats) -> str:
    """`中国泸州?金融中心` -> `中国泸州·金融中心` when a quoted name shows the pattern."""
    if not any(_LOST_DOT.search(m.group()) for m in _QUOTED.finditer(text)):
        return text
    repaired, n = _LOST_DOT.subn("·", text)
    stats.changed["lost_middle_dot"] += n
    return repaired


def to_simplified(text: str, stats: NormaliseStats) -> str:
    """OpenCC t2s for a document in traditional script; leave a simplified one alone."""
    converted = traditional_to_simplified(text)
    han = len(_HAN_RE.findall(text))
    differing = sum(a != b for a, b in zip(text, converted, strict=False))
    if han == 0 or len(converted) != len(text) or differing < TRADITIONAL_SHARE * han:
        stats.changed["traditional_left"] += differing
        return text
    stats.changed["traditional_to_simplified"] += differing
    return converted


def _neighbour(text: str, start: int, step: int) -> str:
    i = start
    while 0 <= i < len(text) and text[i] in " \t":
        i += step
    return text[i] if 0 <= i < len(text) and text[i] != "\n" else ""


def chinese_punctuation(text: str, stats: NormaliseStats) -> str:
    """ASCII , : ; ! ? and ( ) in Chinese text -> their full-width forms."""

    def bracket(match: re.Match[str]) -> str:
        inner = match.group(1)
        before = _neighbour(text, match.start() - 1, -1)
        after = _neighbour(text, match.end(), 1)
        if _HAN_RE.search(inner) or is_cjk(before) or is_cjk(after):
            stats.changed["punctuation_to_fullwidth"] += 2
            return f"（{inner}）"
        return match.group()

    text = _BRACKETS.sub(bracket, text)
    chars = list(text)
    for i, ch in enumerate(chars):
        if ch not in _ASCII_PUNCT:
            continue
        before = _neighbour(text, i - 1, -1)
        after = _neighbour(text, i + 1, 1)
        if _ASCII_ALNUM.match(before) and _ASCII_ALNUM.match(after):
            continue  # 1,000  5.1:57.3  an English phrase
        chars[i] = _ASCII_PUNCT[ch]
        stats.changed["punctuation_to_fullwidth"] += 1
    return "".join(chars)


def tidy_spaces(text: str, stats: NormaliseStats, *, chinese: bool) -> str:
    """Drop spaces touching Chinese text (zh), collapse other runs, strip lines, drop blanks."""

    def space(match: re.Match[str]) -> str:
        run = match.group()
        before = text[match.start() - 1] if match.start() > 0 else "\n"
        after = text[match.end()] if match.end() < len(text) else "\n"
        if before == "\n" or after == "\n" or (chinese and (is_cjk(before) or is_cjk(after))):
            keep = ""
        else:
            keep = " "
        stats.removed["whitespace"] += len(run) - len(keep)
        return keep

    text = _SPACES.sub(space, text)
    lines = text.split("\n")
    kept = [line for line in lines if line]
    # newlines dropped: the text had len(lines) - 1, the result keeps len(kept) - 1
    stats.removed["whitespace"] += len(lines) - max(len(kept), 1)
    return "\n".join(kept)


def fix_english_hyphens(text: str, stats: NormaliseStats) -> str:
    fixed, n = _EN_HYPHEN.subn("-", text)
    stats.removed["whitespace"] += n
    return fixed


def split_report_opening(text: str, stats: NormaliseStats) -> tuple[str, str]:
    """Put a work report's date-and-venue line and speaker line on lines of their own.

    `2021年3月2日在...会议上重庆市合川区人民政府区长；徐万忠各位代表：...` becomes three
    lines (the scraper joined them, leaving a stray `；`); returns (text, speaker name).
    """
    match = _REPORT_OPENING.match(text)
    if match is None:
        return text, ""
    stats.removed["stray_punctuation"] += len(match.group("sep"))
    stats.inserted["line_break"] += 2
    opening = f"{match.group('venue')}\n{match.group('office')}{match.group('name')}\n"
    return opening + text[match.end() :], match.group("name")


def normalise(text: str, language: str, stats: NormaliseStats | None = None) -> str:
    """Normalise one document body (see the module docstring for the steps)."""
    stats = stats if stats is not None else NormaliseStats()
    text = remove_zero_width(text, stats)
    text = fold_width(text, stats)
    if language == "zh":
        text = repair_lost_dots(text, stats)
        text = to_simplified(text, stats)
        text = chinese_punctuation(text, stats)
        return tidy_spaces(text, stats, chinese=True)
    text = tidy_spaces(text, stats, chinese=False)
    return fix_english_hyphens(text, stats)
