"""A PDF's text layer breaks every visual line: `unwrap_lines` joins the lines layout wrapped,
so passages, sentences and words are not cut where a page's line happened to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from policytopics.corpus.readers import pdf_text, unwrap_lines

# lines of 20 CJK widths: a heading, a paragraph wrapped twice, a paragraph ending on a short
# line, and a page number
WRAPPED = (
    "一、总体要求\n"
    "坚持生态优先、绿色发展，推进长江流域生态保护\n"
    "修复，加强大气、水、土壤污染防治，持续改善生\n"
    "态环境质量。\n"
    "加快发展数字经济，建设大数据中心和5G基站，推\n"
    "动数字产业化。\n"
    "— 3 —"
)


def test_wrapped_lines_are_joined_and_headings_paragraph_ends_and_page_numbers_kept() -> None:
    assert unwrap_lines(WRAPPED) == (
        "一、总体要求\n"
        "坚持生态优先、绿色发展，推进长江流域生态保护修复，加强大气、水、土壤污染防治，持续改善生"
        "态环境质量。\n"
        "加快发展数字经济，建设大数据中心和5G基站，推动数字产业化。\n"
        "— 3 —"
    )


def test_a_full_line_that_ends_a_sentence_keeps_its_break_and_latin_words_get_a_space() -> None:
    text = (
        "全面完成十三五规划确定的各项目标任务，交出答卷。\n"
        "十四五时期是开启全面建设社会主义现代化新征程\n"
        "的第一个五年。\n"
        "The city will strengthen ecological protection of\n"
        "the Yangtze River and develop the digital economy.\n"
        "Short line"
    )
    assert unwrap_lines(text) == (
        "全面完成十三五规划确定的各项目标任务，交出答卷。\n"
        "十四五时期是开启全面建设社会主义现代化新征程的第一个五年。\n"
        "The city will strengthen ecological protection of the Yangtze River and develop the "
        "digital economy.\n"
        "Short line"
    )


def test_text_with_too_few_measurable_lines_is_left_as_it_is() -> None:
    assert unwrap_lines("标题\n正文\n  ") == "标题\n正文\n"
    assert unwrap_lines("") == ""


def test_a_real_pdf_gives_back_its_paragraphs(tmp_path: Path) -> None:
    """A two-page PDF printed by WeasyPrint (as a government office prints its reports) from
    four paragraphs of the seed plan: the text layer comes back as the four paragraphs."""
    weasyprint = pytest.importorskip("weasyprint")
    seeds = Path(__file__).resolve().parents[1] / "seeds" / "001_8ace6e50a9dd67ee.txt"
    lines = seeds.read_text(encoding="utf-8").splitlines()
    paragraphs = [line for line in lines if 120 <= len(line) <= 400][:4]
    assert len(paragraphs) == 4
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    html = f"<html><body style=\"font-family: 'Noto Sans CJK SC'\">{body}</body></html>"
    path = tmp_path / "plan.pdf"
    weasyprint.HTML(string=html).write_pdf(path)
    text, _ = pdf_text(path.read_bytes())

    def squeezed(value: str) -> str:  # pypdf pads Latin runs with spaces; ingest removes them
        return "".join(value.split())

    assert [squeezed(p) for p in text.split("\n")] == [squeezed(p) for p in paragraphs]
