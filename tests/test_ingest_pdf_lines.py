"""A PDF's text layer (and a .txt or .docx made from one) breaks every visual line:
`unwrap` joins the lines layout wrapped, so passages, sentences and words are not cut
where a page's line happened to end."""

from __future__ import annotations

from pathlib import Path

import pytest

from policytopics.corpus.gazetteer import load_gazetteer
from policytopics.corpus.ingest import SeedFile, ingest
from policytopics.corpus.manifest import EMPTY_MANIFEST
from policytopics.corpus.readers import Unwrapped, unwrap

# lines of 20 CJK widths: a heading, three paragraphs wrapped over two or three lines, and a
# page number
WRAPPED = (
    "一、总体要求\n"
    "坚持生态优先、绿色发展，推进长江流域生态保护\n"
    "修复，加强大气、水、土壤污染防治，持续改善生\n"
    "态环境质量。\n"
    "加快发展数字经济，建设大数据中心和5G基站，推\n"
    "动数字产业化和产业数字化，培育数字经济核心产\n"
    "业。\n"
    "推进白酒产业集群发展，做强浓香型白酒品牌，建\n"
    "设世界级优质白酒产业集群，擦亮中国酒城名片。\n"
    "— 3 —"
)


def test_wrapped_lines_are_joined_and_headings_paragraph_ends_and_page_numbers_kept() -> None:
    assert unwrap(WRAPPED).text == (
        "一、总体要求\n"
        "坚持生态优先、绿色发展，推进长江流域生态保护修复，加强大气、水、土壤污染防治，持续改善生"
        "态环境质量。\n"
        "加快发展数字经济，建设大数据中心和5G基站，推动数字产业化和产业数字化，培育数字经济核心产"
        "业。\n"
        "推进白酒产业集群发展，做强浓香型白酒品牌，建设世界级优质白酒产业集群，擦亮中国酒城名片。\n"
        "— 3 —"
    )


def test_a_full_line_that_ends_a_sentence_keeps_its_break_and_latin_words_get_a_space() -> None:
    text = (
        "全面完成十三五规划确定的各项目标任务，交出答卷。\n"
        "十四五时期是开启全面建设社会主义现代化新征程\n"
        "的第一个五年，我区将站在全面建成小康社会的新\n"
        "起点上。\n"
        "The city will strengthen ecological protection of\n"
        "the Yangtze River basin, develop the digital and\n"
        "green economy and the liquor industry cluster as\n"
        "its plan for the next five years sets out today.\n"
        "It will also build new schools and hospitals for\n"
        "all residents.\n"
        "Short line"
    )
    joined = (
        "全面完成十三五规划确定的各项目标任务，交出答卷。\n"
        "十四五时期是开启全面建设社会主义现代化新征程的第一个五年，我区将站在全面建成小康社会的新"
        "起点上。\n"
        "The city will strengthen ecological protection of the Yangtze River basin, develop the "
        "digital and green economy and the liquor industry cluster as its plan for the next five "
        "years sets out today.\n"
        "It will also build new schools and hospitals for all residents.\n"
        "Short line"
    )
    # 6 line breaks joined (2 Chinese, 4 English, these with a space between the words)
    assert unwrap(text) == Unwrapped(joined, joined=6, removed=6, inserted=4)
    # a space at the end of each of the 10 lines is removed as well
    padded = text.replace("\n", " \n")
    assert unwrap(padded) == Unwrapped(joined, joined=6, removed=16, inserted=4)


def test_the_ledger_balances_the_characters_unwrapping_removed_and_inserted() -> None:
    """`chars_decoded` is the file's decoded text; the joined line breaks and the spaces at the
    lines' ends are removed as `wrapped_lines`, the spaces put between Latin words inserted as
    `word_space`, and decoded = kept + removed - inserted."""
    text = "泸州市生态环境保护规划\n" + WRAPPED.replace("\n", " \n")
    result = ingest([SeedFile("plan.txt", text.encode())], EMPTY_MANIFEST, load_gazetteer())
    entry = result.ledger["files"][0]
    assert entry["chars_decoded"] == len(text)
    # 5 line breaks joined, and the spaces ending WRAPPED's 9 lines that are followed by one
    assert entry["chars_removed"]["wrapped_lines"] == 5 + 9
    assert entry["chars_inserted"] == {}
    assert entry["balanced"] is True
    english = (
        "The city will strengthen ecological protection of\n"
        "the Yangtze River basin, develop the digital and\n"
        "green economy and the liquor industry cluster as\n"
        "its plan for the next five years sets out today.\n"
        "It will also build new schools and hospitals for\n"
        "all residents in the years to come, as it said.\n"
    )
    result = ingest([SeedFile("plan.txt", english.encode())], EMPTY_MANIFEST, load_gazetteer())
    entry = result.ledger["files"][0]
    assert entry["encoding"] == "utf-8, 4 wrapped line(s) joined"
    assert (entry["chars_removed"]["wrapped_lines"], entry["chars_inserted"]) == (
        4,
        {"word_space": 4},
    )
    assert entry["chars_decoded"] == len(english) and entry["balanced"] is True


def test_paragraphs_one_per_line_and_short_texts_are_left_as_they_are() -> None:
    seeds = Path(__file__).resolve().parents[1] / "seeds"
    for path in sorted(seeds.glob("*.txt")):  # scraped reports: one paragraph per line
        text = path.read_text(encoding="utf-8")
        assert unwrap(text) == Unwrapped(text, joined=0, removed=0, inserted=0)
    cover = (  # a plan's cover: title lines of similar widths, too few to show a layout
        "(四川省)泸州市江阳区国民经济和社会发展十四五规划(2022年更新)\n"
        "泸州市江阳区国民经济和社会发展\n"
        "第十四个五年规划和二〇三五年远景目标纲要\n"
        "(2021年3月11日泸州市江阳区第九届人民代表大会第五次会议批准)\n"
        "序言"
    )
    assert unwrap(cover).text == cover
    assert unwrap("标题\n正文\n  ").text == "标题\n正文\n  "
    assert unwrap("").text == ""


def test_a_real_pdf_gives_back_its_paragraphs(tmp_path: Path) -> None:
    """A two-page PDF printed by WeasyPrint (as a government office prints its reports) from
    four paragraphs of the seed plan: ingest gives back the four paragraphs, and the ledger
    says how many wrapped lines it joined."""
    weasyprint = pytest.importorskip("weasyprint")
    seeds = Path(__file__).resolve().parents[1] / "seeds" / "001_8ace6e50a9dd67ee.txt"
    lines = seeds.read_text(encoding="utf-8").splitlines()
    paragraphs = [line for line in lines if 120 <= len(line) <= 400][:4]
    assert len(paragraphs) == 4
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    html = f"<html><body style=\"font-family: 'Noto Sans CJK SC'\">{body}</body></html>"
    path = tmp_path / "plan.pdf"
    weasyprint.HTML(string=html).write_pdf(path)
    result = ingest([SeedFile("plan.pdf", path.read_bytes())], EMPTY_MANIFEST, load_gazetteer())

    def squeezed(value: str) -> str:  # ingest normalises punctuation and spacing
        return "".join(value.split()).replace(",", "，").replace("(", "（").replace(")", "）")

    text = result.documents["text"].tolist()[0]
    assert [squeezed(p) for p in text.split("\n")] == [squeezed(p) for p in paragraphs]
    assert result.ledger["files"][0]["encoding"].endswith("wrapped line(s) joined")


def test_a_txt_saved_from_a_pdf_is_unwrapped_and_the_ledger_says_so() -> None:
    data = ("泸州市生态环境保护规划\n" + WRAPPED).encode("utf-8")
    result = ingest([SeedFile("plan.txt", data)], EMPTY_MANIFEST, load_gazetteer())
    assert result.documents["text"].tolist()[0].split("\n")[:2] == [
        "一、总体要求",
        "坚持生态优先、绿色发展，推进长江流域生态保护修复，加强大气、水、土壤污染防治，持续改善生"
        "态环境质量。",
    ]
    assert result.ledger["files"][0]["encoding"] == "utf-8, 5 wrapped line(s) joined"


def test_a_page_number_inside_a_paragraph_moves_after_it() -> None:
    page_break = WRAPPED.replace("修复，加强大气", "— 3 —\n修复，加强大气").removesuffix("\n— 3 —")
    assert unwrap(page_break).text.split("\n")[1:3] == [
        "坚持生态优先、绿色发展，推进长江流域生态保护修复，加强大气、水、土壤污染防治，持续改善生"
        "态环境质量。",
        "— 3 —",
    ]


def _docx(paragraphs: list[list[str]]) -> bytes:
    """A .docx of `paragraphs`, each a list of lines joined by soft line breaks (Shift+Enter)."""
    import io

    import docx

    document = docx.Document()
    for lines in paragraphs:
        run = document.add_paragraph().add_run(lines[0])
        for line in lines[1:]:
            run.add_break()
            run.add_text(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


EXPECTED_DOCX = [  # the first line, the title, goes to the title column
    "一、总体要求",
    "坚持生态优先、绿色发展，推进长江流域生态保护修复，加强大气、水、土壤污染防治，持续改善生"
    "态环境质量。",
    "加快发展数字经济，建设大数据中心和5G基站，推动数字产业化和产业数字化，培育数字经济核心产业。",
]


@pytest.mark.parametrize("soft_breaks", [False, True], ids=["paragraph per line", "soft breaks"])
def test_a_docx_converted_from_a_pdf_is_unwrapped_and_the_ledger_says_so(
    soft_breaks: bool,
) -> None:
    """A PDF converted to Word keeps each visual line as a paragraph, or as a soft line break
    inside one: ingest joins them as it does a PDF's text layer."""
    lines = ["泸州市生态环境保护规划", *WRAPPED.split("\n")]
    data = _docx([lines] if soft_breaks else [[line] for line in lines])
    result = ingest([SeedFile("plan.docx", data)], EMPTY_MANIFEST, load_gazetteer())
    assert result.documents["text"].tolist()[0].split("\n")[:3] == EXPECTED_DOCX
    assert result.documents["title"].tolist() == ["泸州市生态环境保护规划"]
    assert result.ledger["files"][0]["encoding"] == "docx, 5 wrapped line(s) joined"


def test_a_docx_written_in_word_keeps_its_paragraphs() -> None:
    """One paragraph per paragraph (the usual .docx): nothing is joined, the ledger says docx."""
    paragraphs = [[line] for line in EXPECTED_DOCX] + [["二、主要任务"], [EXPECTED_DOCX[1]]] * 3
    data = _docx([["泸州市生态环境保护规划"], *paragraphs])
    result = ingest([SeedFile("plan.docx", data)], EMPTY_MANIFEST, load_gazetteer())
    assert result.documents["text"].tolist()[0].split("\n") == [p[0] for p in paragraphs]
    assert result.ledger["files"][0]["encoding"] == "docx"
