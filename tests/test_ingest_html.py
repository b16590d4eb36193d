"""A saved web page (.html, .htm) is read for its main text: the article without the site's
menus, breadcrumb, link lists and footer, its title first, its metadata's publication date as
the document's date; the ledger says how much of the page's text the article is."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from policytopics.corpus.gazetteer import load_gazetteer
from policytopics.corpus.ingest import SeedFile, ingest
from policytopics.corpus.manifest import EMPTY_MANIFEST
from policytopics.corpus.readers import html_text
from policytopics.errors import UserError

SEED = Path(__file__).resolve().parents[1] / "seeds" / "001_8ace6e50a9dd67ee.txt"
TITLE = "泸州市江阳区国民经济和社会发展第十四个五年规划和二〇三五年远景目标纲要"
CHROME = ["首页", "政务公开", "网站地图", "相关文章", "ICP备", "当前位置"]


def _paragraphs() -> list[str]:
    """Four paragraphs of the seed plan (real text), as the page's article."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    paragraphs = [line.strip() for line in lines if 120 <= len(line.strip()) <= 400][:4]
    assert len(paragraphs) == 4
    return paragraphs


def _page(paragraphs: list[str], *, meta_date: bool = True) -> str:
    """A government site's article page: menus, breadcrumb, the article, related links, footer."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    date = '<meta name="PubDate" content="2021-04-08 09:30">' if meta_date else ""
    return (
        '<!DOCTYPE html><html><head><meta charset="gb2312">'
        f"{date}<title>{TITLE}_泸州市江阳区人民政府</title>"
        "<script>var nav = '首页';</script><style>p {margin: 0}</style></head><body>"
        '<div class="header"><ul class="nav"><li><a href="/">首页</a></li>'
        '<li><a href="/zwgk">政务公开</a></li><li><a href="/hdjl">互动交流</a></li></ul></div>'
        '<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a></div>'
        f'<div class="article"><h1>{TITLE}</h1><div id="zoom">{body}</div></div>'
        '<div class="related"><h3>相关文章</h3><ul><li><a href="/1">江阳区召开常务会议</a></li>'
        '<li><a href="/2">江阳区统计公报</a></li></ul></div>'
        '<div class="footer"><p>主办：泸州市江阳区人民政府办公室 <a href="/map">网站地图</a></p>'
        "<p>蜀ICP备05012345号</p></div></body></html>"
    )


def test_a_government_page_gives_its_article_title_and_date() -> None:
    paragraphs = _paragraphs()
    page, encoding = html_text(_page(paragraphs).encode("gb18030"))
    assert encoding == "gb18030"
    assert page.text.split("\n") == [TITLE, *paragraphs]
    assert page.published == "2021-04-08"
    assert not any(word in page.text for word in CHROME)
    assert page.page_chars > len("".join(page.text.split()))


def test_ingest_reads_a_web_page_as_one_document_and_the_ledger_says_how_much_was_article() -> None:
    paragraphs = _paragraphs()
    data = _page(paragraphs).encode("utf-8")
    result = ingest([SeedFile("luzhou/plan.html", data)], EMPTY_MANIFEST, load_gazetteer())
    row = result.documents.iloc[0]
    assert (row["doc_id"], row["title"], row["published"], row["year"]) == (
        "luzhou/plan.html#01",
        TITLE,
        "2021-04-08",
        2021,
    )
    assert (row["locality"], row["city"], row["doc_type"]) == ("江阳区", "泸州市", "five_year_plan")
    squeezed = "".join(row["text"].split())
    assert squeezed.startswith("".join(paragraphs[0].split())[:40])
    assert not any(word in row["text"] for word in CHROME)
    entry = result.ledger["files"][0]
    kept = len("".join("\n".join([TITLE, *paragraphs]).split()))
    page_chars = html_text(data)[0].page_chars
    assert entry["encoding"] == (
        f"utf-8 web page, main text {kept:,} of the page's {page_chars:,} characters "
        "(the rest: menus, link lists, footer; spaces not counted)"
    )
    assert entry["status"] == "ok" and entry["balanced"] is True


def test_without_a_date_in_its_metadata_the_page_is_dated_by_its_text() -> None:
    page, _ = html_text(_page(_paragraphs(), meta_date=False).encode("utf-8"))
    assert page.published == ""  # the dates in the text are not guessed from


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (
            b"<html><head><title>x</title><script>var a = 1;</script></head><body></body></html>",
            "a web page without main text (no article found)",
        ),
        # a menu's one link is taken as the title, and no text is left
        (
            "<html><body><ul><li><a href='/'>首页</a></li></ul></body></html>",
            "document 1 has no text",
        ),
        (b"", "empty file"),
    ],
    ids=["no text", "links only", "empty"],
)
def test_a_page_without_an_article_is_a_one_line_error_or_a_recorded_skip(
    data: bytes | str, reason: str
) -> None:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    files = [SeedFile("menu.html", raw)]
    with pytest.raises(UserError, match=f"^seeds/menu.html: {re.escape(reason)} "):
        ingest(files, EMPTY_MANIFEST, load_gazetteer())
    skipped = ingest(files, EMPTY_MANIFEST, load_gazetteer(), on_bad_file="skip")
    assert skipped.documents.empty
    entry = skipped.ledger["files"][0]
    skip = entry if entry["status"] == "skipped" else entry["documents"][0]
    assert (skip["status"], skip["reason"]) == ("skipped", reason)


def test_a_page_saved_by_a_browser_is_read_and_its_files_folder_listed_as_ignored(
    tmp_path: Path,
) -> None:
    from policytopics.stages.ingest import walk_corpus

    (tmp_path / "plan_files").mkdir()
    (tmp_path / "plan.htm").write_bytes(_page(_paragraphs()).encode("gb18030"))
    (tmp_path / "plan_files" / "style.css").write_text("p {margin: 0}", encoding="utf-8")
    (tmp_path / "plan_files" / "logo.png").write_bytes(b"\x89PNG")
    read, ignored = walk_corpus(tmp_path)
    assert [p.name for p in read] == ["plan.htm"]
    assert ignored == [
        ("plan_files/logo.png", "not a document format (.png)"),
        ("plan_files/style.css", "not a document format (.css)"),
    ]
