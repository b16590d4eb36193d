"""The one character rule set and the one language detector, for ingest and every later stage.

Characters (`CHARACTER_FOLDS`, used by `corpus.normalise` with counts and by `normalize_text`):
zero-width characters (U+200B-U+200D, U+2060, U+FEFF) are removed; full-width digits, Latin
letters and symbols (U+FF01-U+FF5E) fold to ASCII except the Chinese punctuation ，：；！？（）;
U+3000 and the other Unicode spaces become a plain space; the ratio signs ∶ and ︰ become `:`.
Not NFKC: NFKC would also turn ，into `,`, Ⅲ into `III` and m³ into m3, changing the text a
reader is quoted. `normalize_text` (the tokenizer's view) adds two rules: control characters
become a space, and spaces between two Han characters (PDF/OCR artefacts) are removed. On a
document that ingest has normalised it changes nothing.

Language (`detect_language`): `en` when Latin letters outnumber Han characters three to one,
else `zh` (so an empty or digits-only text is `zh`, the corpus's main language).
"""

from __future__ import annotations

import re

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
KEEP_FULLWIDTH = frozenset("，：；！？（）")
ODD_SPACES = "\t\u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u202f\u205f\u3000"
RATIO_COLONS = "∶︰"


def _folds() -> dict[int, str | None]:
    table: dict[int, str | None] = {ord(ch): None for ch in ZERO_WIDTH}
    for code in range(0xFF01, 0xFF5F):
        if chr(code) not in KEEP_FULLWIDTH:
            table[code] = chr(code - 0xFEE0)
    for ch in RATIO_COLONS:
        table[ord(ch)] = ":"
    for ch in ODD_SPACES:
        table[ord(ch)] = " "
    return table


CHARACTER_FOLDS: dict[int, str | None] = _folds()  # for str.translate
_HAN = r"\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# A run of spaces between two Han characters is a PDF/OCR artefact, not a word boundary.
_SPACE_BETWEEN_HAN = re.compile(rf"(?<=[{_HAN}]) +(?=[{_HAN}])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+")
_HAN_CHAR = re.compile(rf"[{_HAN}]")
_LATIN_CHAR = re.compile(r"[A-Za-z]")


def normalize_text(text: str) -> str:
    """The character folds, control characters blanked, spaced-out Chinese joined."""
    text = _CONTROL.sub(" ", text.translate(CHARACTER_FOLDS))
    return _SPACE_BETWEEN_HAN.sub("", text)


def detect_language(text: str) -> str:
    """'en' when Latin letters outnumber Han characters three to one, else 'zh'."""
    han = len(_HAN_CHAR.findall(text))
    latin = len(_LATIN_CHAR.findall(text))
    return "en" if latin > 3 * han else "zh"
