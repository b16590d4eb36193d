"""Decode a seed file's bytes deterministically: BOM, then UTF-8, then GB18030 (a superset of GBK).

The order is fixed, so the same bytes always decode the same way:

1. a byte-order mark decides: UTF-8 with BOM, UTF-16 (LE/BE) or UTF-32 (LE/BE);
2. no BOM and a NUL byte -> binary (UTF-16 without a BOM is not guessed);
3. strict UTF-8;
4. strict GB18030, accepted only if the result reads as Chinese: at least
   `MIN_GB2312_SHARE` of its non-ASCII characters are common characters (in GB2312),
   as written or after OpenCC t2s (so GBK-encoded traditional text passes). Bytes of
   another encoding (Latin-1, Shift-JIS, random binary) that happen to be valid GB18030
   decode to rare characters and fail this check.

Empty files (nothing but whitespace or a BOM) and text with control characters are bad
files too. A bad file raises `BadFileError` with a short reason; the caller decides
whether that stops the stage or becomes a skip in the ledger.
"""

from __future__ import annotations

import codecs
import re

from policytopics.corpus.normalise import traditional_to_simplified

MIN_GB2312_SHARE = 0.9
# C0/C1 control characters other than tab, newline, carriage return, form feed, vertical tab.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: FF FE 00 00 starts with FF FE
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class BadFileError(ValueError):
    """A seed file that cannot be read as text; the message is the reason."""


def _bom_encoding(data: bytes) -> str | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    return None


def _reads_as_chinese(text: str) -> bool:
    return _common_share(text) >= MIN_GB2312_SHARE or (
        _common_share(traditional_to_simplified(text)) >= MIN_GB2312_SHARE
    )


def _common_share(text: str) -> float:
    non_ascii = [ch for ch in text if ord(ch) > 0x7F]
    if not non_ascii:
        return 1.0
    common = 0
    for ch in non_ascii:
        try:
            ch.encode("gb2312")
        except UnicodeEncodeError:
            continue
        common += 1
    return common / len(non_ascii)


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _decode_without_bom(data: bytes) -> tuple[str, str]:
    text = _strict(data, "utf-8")
    if text is not None:
        return text, "utf-8"
    text = _strict(data, "gb18030")
    if text is None:
        raise BadFileError("undecodable: not UTF-8, UTF-16/32 with BOM, or GB18030/GBK")
    if not _reads_as_chinese(text):
        raise BadFileError("undecodable: not UTF-8, and as GB18030/GBK it gives rare characters")
    return text, "gb18030"


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Return (text, encoding name) with newlines as `\\n`; raise `BadFileError` otherwise."""
    if not data.strip():
        raise BadFileError("empty file")
    encoding = _bom_encoding(data)
    if encoding is not None:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as error:
            raise BadFileError(
                f"not valid {encoding} despite its byte-order mark: {error.reason}"
            ) from None
        encoding = {"utf-8-sig": "utf-8-bom"}.get(encoding, encoding)
    elif b"\x00" in data:
        raise BadFileError("binary file (NUL bytes; UTF-16 needs a byte-order mark)")
    else:
        text, encoding = _decode_without_bom(data)
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise BadFileError("empty file")
    control = _CONTROL.search(text)
    if control is not None:
        raise BadFileError(f"binary file (control character U+{ord(control.group()):04X})")
    return text, encoding
