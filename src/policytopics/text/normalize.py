"""Text normalisation before segmentation: Unicode NFKC and stray spaces inside Chinese."""

from __future__ import annotations

import re
import unicodedata

_HAN = r"\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# A run of spaces between two Han characters is a PDF/OCR artefact, not a word boundary.
_SPACE_BETWEEN_HAN = re.compile(rf"(?<=[{_HAN}])[ \t\u3000]+(?=[{_HAN}])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+")
# NFKC leaves ASCII and CJK unified ideographs unchanged, so it is applied only to the runs of
# other characters (with the character before each run, which a combining mark may join):
# the same result as NFKC on the whole text (tested on the seeds), at less than half the cost.
_NEEDS_NFKC = re.compile(r"[\x00-\x7f\u4e00-\u9fff]?[^\x00-\x7f\u4e00-\u9fff]+")
_HAN_CHAR = re.compile(rf"[{_HAN}]")
_LATIN_CHAR = re.compile(r"[A-Za-z]")


def normalize_text(text: str) -> str:
    """NFKC-normalise (full-width forms), blank control characters, join spaced-out Chinese."""
    if not unicodedata.is_normalized("NFKC", text):  # a quick check, far cheaper than NFKC
        text = _NEEDS_NFKC.sub(_nfkc, text)
    return _SPACE_BETWEEN_HAN.sub("", _CONTROL.sub(" ", text))


def _nfkc(match: re.Match[str]) -> str:
    return unicodedata.normalize("NFKC", match.group())


def detect_language(text: str) -> str:
    """'en' when Latin letters outnumber Han characters three to one, else 'zh'."""
    han = len(_HAN_CHAR.findall(text))
    latin = len(_LATIN_CHAR.findall(text))
    return "en" if latin > 3 * han else "zh"
