"""Decoding seed bytes: each supported encoding, and each kind of bad file."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from policytopics.corpus.encoding import BadFileError, decode_bytes

TEXT = "推进生态保护，发展数字经济。\n渝北区2021年"


def test_utf8() -> None:
    assert decode_bytes(TEXT.encode("utf-8")) == (TEXT, "utf-8")


def test_utf8_with_bom_drops_the_bom() -> None:
    assert decode_bytes(codecs.BOM_UTF8 + TEXT.encode("utf-8")) == (TEXT, "utf-8-bom")


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom(codec: str) -> None:
    data = TEXT.encode(codec)
    if codec != "utf-16":  # the plain codec writes its own BOM
        data = (codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE) + data
    assert decode_bytes(data) == (TEXT, "utf-16")


def test_utf32_with_bom() -> None:
    assert decode_bytes(TEXT.encode("utf-32")) == (TEXT, "utf-32")


def test_gbk_file_in_tmp_path(tmp_path: Path) -> None:
    path = tmp_path / "gbk.txt"
    path.write_bytes(TEXT.encode("gbk"))
    assert decode_bytes(path.read_bytes()) == (TEXT, "gb18030")


def test_gb18030_characters_outside_gbk() -> None:
    text = "忠县㽏井镇位于长江北岸，是全县重要的盐业古镇。"  # 㽏 needs GB18030's four-byte form
    assert decode_bytes(text.encode("gb18030")) == (text, "gb18030")


def test_gbk_traditional_text() -> None:
    text = "國家發展改革委員會印發規劃綱要，推進經濟社會發展。"
    assert decode_bytes(text.encode("gbk")) == (text, "gb18030")


def test_crlf_and_cr_become_newlines() -> None:
    assert decode_bytes("一\r\n二\r三".encode()) == ("一\n二\n三", "utf-8")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b" \n\t\n", "empty file"),
        (codecs.BOM_UTF8, "empty file"),
        (codecs.BOM_UTF16_LE + " \n".encode("utf-16-le"), "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file (NUL bytes"),
        ("2021年渝北区".encode("utf-16-le"), "binary file (NUL bytes"),  # UTF-16 without a BOM
        (b"text\x07with a bell", "binary file (control character U+0007)"),
        (b"\x80\x81\xff\xfe\xfd", "undecodable: not UTF-8, UTF-16/32 with BOM, or GB18030"),
        ("café crème".encode("latin-1"), "undecodable: not UTF-8, UTF-16/32 with BOM"),
        # Latin-1 that happens to be valid GB18030 decodes to rare characters
        ("Äpfel über Straße".encode("latin-1"), "undecodable: not UTF-8, and as GB18030"),
        (codecs.BOM_UTF16_LE + b"\x00", "not valid utf-16 despite its byte-order mark"),
    ],
)
def test_bad_files_say_why(data: bytes, reason: str) -> None:
    with pytest.raises(BadFileError) as error:
        decode_bytes(data)
    assert str(error.value).startswith(reason)


def test_decoding_is_deterministic() -> None:
    data = TEXT.encode("gbk")
    assert {decode_bytes(data) for _ in range(3)} == {(TEXT, "gb18030")}
