"""Headings, blocks and passages on hand-written Chinese fixtures, with exact expectations."""

from pathlib import Path

import pandas as pd
import pytest

from policytopics.config import SegmentParams
from policytopics.corpus.headings import (
    cn_number,
    inline_heading_end,
    is_lead_sentence,
    match_marker,
    own_line_heading,
)
from policytopics.corpus.packing import balanced_groups
from policytopics.corpus.segment import Passage, make_passages, segment_documents, segment_text
from policytopics.corpus.segment_outputs import check_params, segment_corpus
from policytopics.corpus.structure import Block, Heading, line_roles, parse_document
from policytopics.corpus.summary import corpus_summary, outside_bounds, segment_metrics
from policytopics.errors import UserError
from policytopics.schemas import DOCUMENT_COLUMNS, PASSAGE_COLUMNS, SENTENCE_COLUMNS
from policytopics.stages.segment import main

# A work report: one long line with inline headings and lead sentences (as in seeds/002).
REPORT = (
    "各位代表：现在，我代表区人民政府向大会报告工作，请予审议。"
    "一、2020年工作回顾过去一年，我们统筹推进疫情防控和经济社会发展。"
    "综合实力迈上新台阶。地区生产总值增长4%，达到2000亿元。二、三产业协调发展。"
    "创新发展显现新优势。新增高新技术企业50家，研发投入增长20%。"
    "（一）科学精准做好疫情防控。坚持人民至上，实现“零感染”目标。"
    "二、2021年重点工作今年是“十四五”开局之年。"
    "（一）着力推动产业升级。加快发展数字经济，培育白酒产业集群。"
)
TOP1 = "一、2020年工作回顾"
TOP2 = "二、2021年重点工作"

# A five-year plan: headings on their own lines (as in seeds/001).
PLAN = "\n".join(
    [
        "序言",
        "本纲要明确了未来五年的主要目标。",
        "本纲要是政府履行职责的重要依据。",
        "第一篇开启现代化新征程",
        "“十四五”时期，我区将开启现代化建设新征程。",
        "第一章规划背景",
        "第一节发展基础",
        "经济综合实力显著增强。地区生产总值年均增长8.5%。",
        "第三篇加快构建特色优势产业新体系",
        "第九章打造优势先进制造业产业集群",
        "第一节提质发展白酒产业集群",
        "加快白酒产业提质升级，突出中国白酒金三角核心区地位。",
        "专栏11“十四五”白酒产业重大项目及重要事项",
    ]
)

# A policy news item: a title line, （一）, 1., —— and ● items (as in seeds/003).
NEWS = "\n".join(
    [
        "《方案》已经常务会议审议通过。",
        "主要任务",
        "《方案》明确了四方面共15项主要任务。",
        "（一）聚焦城乡融合发展，推进空间布局一体。",
        "1.实施一体规划管理。",
        "牵头单位：市发展改革委等单位",
        "●强化三区战略发展规划对接。",
        "●建立统一管理的规划实施体系。",
        "——建设区域商贸物流中心。",
        "●整合铁路、公路、水运等资源。",
    ]
)


def blocks_of(items: list[Heading | Block]) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    return [(item.path, item.sentences) for item in items if isinstance(item, Block)]


def squash(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize(
    ("text", "kind", "number"),
    [
        ("第三篇加快构建", "part", 3),
        ("第二十一章健全", "chapter", 21),
        ("第一节提质发展", "section", 1),
        ("四、加强政府自身建设", "cn_num", 4),
        ("（十二）着力推动", "cn_paren", 12),
        ("(二)全力以赴", "cn_paren", 2),
        ("9.协同推进生态环境共保联治。", "arabic", 9),
        ("（3）加快建设", "arabic_paren", 3),
        ("——建设区域商贸物流中心。", "dash", None),
        ("●强化生态环境协同执法", "bullet", None),
    ],
)
def test_each_heading_marker(text: str, kind: str, number: int | None) -> None:
    marker = match_marker(text)
    assert marker is not None
    assert (marker.kind, marker.number) == (kind, number)


@pytest.mark.parametrize("text", ["二、三产业协调发展", "2.5亿元", "12.3%", "第一次会议", "一是"])
def test_not_heading_markers(text: str) -> None:
    assert match_marker(text) is None


def test_chinese_numbers() -> None:
    assert [cn_number(t) for t in ("一", "十", "十二", "二十一", "三十", "一〇二", "7")] == [
        1,
        10,
        12,
        21,
        30,
        102,
        7,
    ]


def test_own_line_headings_are_short_single_sentences() -> None:
    assert own_line_heading("第一节提质发展白酒产业集群") is not None
    assert own_line_heading("（一）聚焦城乡融合发展，推进空间布局一体。") is not None
    assert own_line_heading("1.实施一体规划管理。第二句在这里。") is None
    assert own_line_heading("●强化三区战略发展规划对接。") is None  # a list item
    assert own_line_heading("●产业发展") is not None
    assert own_line_heading("1." + "很长" * 30 + "。") is None


@pytest.mark.parametrize(
    ("text", "heading"),
    [
        (
            "一、“十三五”时期及2020年工作回顾“十三五”时期，是发展历程中",
            "一、“十三五”时期及2020年工作回顾",
        ),
        (
            "二、“十四五”时期主要目标任务和二〇三五年远景目标对标党的十九届五中全会，按照",
            "二、“十四五”时期主要目标任务和二〇三五年远景目标",
        ),
        ("三、2021年重点工作今年是建党100周年，也是开局之年。", "三、2021年重点工作"),
        ("三、2021年目标任务和工作重点今年是实施规划的第一年", "三、2021年目标任务和工作重点"),
        (
            "四、全面提升政府治理能力和水平把坚持党的领导贯穿全过程，加速",
            "四、全面提升政府治理能力和水平",
        ),
        ("四、加强政府自身建设目标催人奋进，使命呼唤担当。", "四、加强政府自身建设"),
        ("四、全面加强政府自身建设（一）让忠诚成为政治本色。", "四、全面加强政府自身建设"),
        ("（一）科学精准做好疫情防控。坚持人民至上", "（一）科学精准做好疫情防控。"),
        (
            "（二）全面加快“四区”建设加快打造产业集聚区。实施",
            "（二）全面加快“四区”建设加快打造产业集聚区。",
        ),
        (
            "（一）始终坚持高质量发展，加快打造先进制造业基地。把制造业",
            "（一）始终坚持高质量发展，加快打造先进制造业基地。",
        ),
        ("四、加强政府自身建设各位代表！宝剑锋从磨砺出。", "四、加强政府自身建设"),
        (
            "（三）着眼建设智能化绿色工业基地，全力在强产业转型升级弱项上开好局起好步。推动",
            "（三）着眼建设智能化绿色工业基地，全力在强产业转型升级弱项上开好局起好步。",
        ),
    ],
)
def test_inline_heading_ends(text: str, heading: str) -> None:
    marker = match_marker(text)
    assert marker is not None
    end = inline_heading_end(text, 0, marker)
    assert end is not None
    assert text[:end] == heading


def test_inline_heading_without_a_clear_end() -> None:
    text = "一、宜业宜居宜乐宜游的公园城市基本建成，经济品质高"
    marker = match_marker(text)
    assert marker is not None
    assert inline_heading_end(text, 0, marker) is None


@pytest.mark.parametrize(
    ("sentence", "lead"),
    [
        ("综合实力迈上新台阶。", True),
        ("保居民就业。", True),
        ("地区生产总值增长4%。", False),  # a figure
        ("完善制度、强化保障。", False),  # an enumeration
        ("时间不等人！", False),
        ("加快推进城乡融合发展和基本公共服务均等化建设。", False),  # 23 characters
    ],
)
def test_lead_sentences(sentence: str, lead: bool) -> None:
    assert is_lead_sentence(sentence, 20) is lead


def test_work_report_headings_and_blocks() -> None:
    items = parse_document(REPORT, "zh", lead_max_chars=20)
    headings = [(h.kind, h.text) for h in items if isinstance(h, Heading)]
    assert headings == [
        ("cn_num", TOP1),
        ("cn_paren", "（一）科学精准做好疫情防控。"),
        ("cn_num", TOP2),
        ("cn_paren", "（一）着力推动产业升级。"),
    ]
    assert blocks_of(items) == [
        ((), ("各位代表：现在，我代表区人民政府向大会报告工作，请予审议。",)),
        ((TOP1,), ("过去一年，我们统筹推进疫情防控和经济社会发展。",)),
        (
            (TOP1,),
            ("综合实力迈上新台阶。", "地区生产总值增长4%，达到2000亿元。", "二、三产业协调发展。"),
        ),
        ((TOP1,), ("创新发展显现新优势。", "新增高新技术企业50家，研发投入增长20%。")),
        ((TOP1, "（一）科学精准做好疫情防控。"), ("坚持人民至上，实现“零感染”目标。",)),
        ((TOP2,), ("今年是“十四五”开局之年。",)),
        ((TOP2, "（一）着力推动产业升级。"), ("加快发展数字经济，培育白酒产业集群。",)),
    ]


def test_address_opens_a_paragraph_of_the_top_level_section() -> None:
    text = (
        "一、2020年工作回顾过去一年成绩显著。（一）科学精准做好疫情防控。坚持人民至上。"
        "各位代表！成绩来之不易。我们也清醒地认识到困难。二、2021年重点工作今年是开局之年。"
    )
    assert blocks_of(parse_document(text, "zh", lead_max_chars=20)) == [
        ((TOP1,), ("过去一年成绩显著。",)),
        ((TOP1, "（一）科学精准做好疫情防控。"), ("坚持人民至上。",)),
        ((TOP1,), ("各位代表！", "成绩来之不易。", "我们也清醒地认识到困难。")),
        ((TOP2,), ("今年是开局之年。",)),
    ]


def test_inline_numbered_headings_must_continue_their_series() -> None:
    text = "总体向好。三、不是标题的列举项目。一、2020年工作回顾过去一年成绩显著。"
    items = parse_document(text, "zh", lead_max_chars=20)
    assert [h.text for h in items if isinstance(h, Heading)] == ["一、2020年工作回顾"]


def test_five_year_plan_section_paths() -> None:
    items = parse_document(PLAN, "zh", lead_max_chars=20)
    part3 = "第三篇加快构建特色优势产业新体系"
    baijiu = (part3, "第九章打造优势先进制造业产业集群", "第一节提质发展白酒产业集群")
    assert blocks_of(items) == [
        (("序言",), ("本纲要明确了未来五年的主要目标。",)),
        (("序言",), ("本纲要是政府履行职责的重要依据。",)),
        (("第一篇开启现代化新征程",), ("“十四五”时期，我区将开启现代化建设新征程。",)),
        (
            ("第一篇开启现代化新征程", "第一章规划背景", "第一节发展基础"),
            ("经济综合实力显著增强。", "地区生产总值年均增长8.5%。"),
        ),
        (baijiu, ("加快白酒产业提质升级，突出中国白酒金三角核心区地位。",)),
        (baijiu, ("专栏11“十四五”白酒产业重大项目及重要事项",)),  # a caption is body text
    ]


def test_news_title_lines_dashes_and_bullets() -> None:
    items = parse_document(NEWS, "zh", lead_max_chars=20)
    task = ("主要任务", "（一）聚焦城乡融合发展，推进空间布局一体。", "1.实施一体规划管理。")
    assert blocks_of(items) == [
        ((), ("《方案》已经常务会议审议通过。",)),
        (("主要任务",), ("《方案》明确了四方面共15项主要任务。",)),
        (task, ("牵头单位：市发展改革委等单位",)),
        (task, ("●强化三区战略发展规划对接。",)),
        (task, ("●建立统一管理的规划实施体系。",)),
        ((*task, "——建设区域商贸物流中心。"), ("●整合铁路、公路、水运等资源。",)),
    ]


def test_title_lines_need_two_body_lines_else_they_are_captions() -> None:
    lines = [
        "Editor's note: the city was rated excellent.",
        "Keywords: mission",
        "In the past three years, the city reformed.",
        "It deepened 4 national pilots.",
        "Automated electronic production line",
        "The third is to protect the river.",
        "Yuzixi Ecological Park panorama map",
    ]
    assert line_roles(lines, "en") == ["body", "title", "body", "body", "body", "body", "body"]


def test_long_block_splits_into_balanced_parts_at_sentences() -> None:
    ten = tuple(f"推进第{c}号重点项目。" for c in "一二三四五六七八九十")  # 10 characters each
    passages = make_passages([Block(("A",), ten)], "zh", min_chars=20, max_chars=60)
    assert [p.sentences for p in passages] == [list(ten[:5]), list(ten[5:])]
    assert [len(p.text("zh")) for p in passages] == [50, 50]


def test_short_blocks_merge_within_their_section_only() -> None:
    a = Block(("一、回顾",), ("综合实力迈上新台阶。", "地区生产总值增长较快。"))  # 21
    b = Block(("一、回顾",), ("新增企业50家。",))  # 8: merges with its section's neighbour
    c = Block(("二、安排",), ("今年是开局之年。",))  # 8: alone in its section, stays short
    passages = make_passages([a, b, c], "zh", min_chars=20, max_chars=60)
    assert passages == [
        Passage(("一、回顾",), (a.sentences, b.sentences)),
        Passage(("二、安排",), (c.sentences,)),
    ]
    assert passages[0].text("zh") == "综合实力迈上新台阶。地区生产总值增长较快。\n新增企业50家。"


def test_short_tail_over_the_maximum_is_rebalanced() -> None:
    six = tuple(f"推进第{c}号重点项目。" for c in "一二三四五六")
    tail = ("完成目标任务九。",)  # 8 characters
    passages = make_passages(
        [Block(("A",), six), Block(("A",), tail)], "zh", min_chars=20, max_chars=60
    )
    # 68 characters in two parts near 34 each: 3 sentences | 3 sentences + the tail
    assert [len(p.text("zh")) for p in passages] == [30, 39]
    assert [s for p in passages for s in p.sentences] == [*six, *tail]


def test_over_long_sentence_is_cut_at_clauses() -> None:
    sentence = "，".join(["加快建设现代产业体系"] * 8) + "。"  # 87 characters
    passages = make_passages([Block((), (sentence,))], "zh", min_chars=10, max_chars=40)
    assert all(len(p.text("zh")) <= 40 for p in passages)
    assert "".join(p.text("zh") for p in passages) == sentence
    assert len(passages) == 3


def test_balanced_groups() -> None:
    assert balanced_groups([100] * 10, 600) == [range(0, 5), range(5, 10)]
    assert balanced_groups([700, 50, 50], 600) == [range(0, 1), range(1, 3)]
    assert balanced_groups([], 600) == []


@pytest.mark.parametrize("text", [REPORT, PLAN, NEWS])
def test_every_character_is_in_one_heading_or_passage(text: str) -> None:
    params = SegmentParams(min_chars=20, max_chars=60)
    passages, headings = segment_text(text, "zh", params)
    body = squash(text)
    for heading in headings:  # headings appear in order; remove each once
        at = body.index(squash(heading.text))
        body = body[:at] + body[at + len(squash(heading.text)) :]
    assert squash("".join(p.text("zh") for p in passages)) == body


def test_no_passage_crosses_a_top_level_heading() -> None:
    passages, _ = segment_text(REPORT, "zh", SegmentParams(min_chars=200, max_chars=600))
    assert [p.path[:1] for p in passages] == [(), (TOP1,), (TOP1,), (TOP2,), (TOP2,)]
    assert passages[1].text("zh").startswith("过去一年")
    assert "今年" not in "".join(p.text("zh") for p in passages[:3])


def documents_frame() -> pd.DataFrame:
    row: dict[str, object] = {column: "" for column in DOCUMENT_COLUMNS}
    row |= {"doc_id": "002_x#01", "source_file": "002_x.txt", "part": 1, "text": REPORT}
    row |= {"title": "2021年渝北区政府工作报告", "locality": "渝北区", "province": "重庆市"}
    row |= {"city": "重庆市", "year": 2021, "doc_type": "government_work_report"}
    row |= {"language": "zh", "admin_level": "county"}
    frame = pd.DataFrame([row], columns=list(DOCUMENT_COLUMNS))
    frame["year"] = frame["year"].astype("Int64")
    return frame


def test_segment_documents_tables() -> None:
    params = SegmentParams(min_chars=20, max_chars=60)
    passages, sentences, heading_chars, cuts = segment_documents(documents_frame(), params)
    assert cuts.empty
    assert list(passages.columns) == list(PASSAGE_COLUMNS)
    assert list(sentences.columns) == list(SENTENCE_COLUMNS)
    assert passages["passage_id"].tolist()[:2] == ["002_x#01/p0000", "002_x#01/p0001"]
    assert passages["position"].tolist() == list(range(len(passages)))
    assert set(passages["locality"]) == {"渝北区"}
    assert passages["year"].dtype == "Int64"
    first = passages.iloc[1]
    assert first["section_path"] == TOP1
    assert first["n_sentences"] == len(sentences[sentences["passage_id"] == first["passage_id"]])
    assert sentences["sentence_id"].iloc[0] == "002_x#01/p0000/s000"
    assert heading_chars == {"002_x#01": len(squash(TOP1 + TOP2)) + 14 + 12}
    assert passages["section_path"].iloc[-1] == f"{TOP2} > （一）着力推动产业升级。"


def test_summary_names_localities_removals_and_exceptions() -> None:
    params = SegmentParams(min_chars=20, max_chars=60)
    documents = documents_frame()
    passages, sentences, heading_chars, cuts = segment_documents(documents, params)
    metrics = segment_metrics(passages, sentences, heading_chars, params, cuts=cuts)
    ledger = {
        "totals": {"n_files": 1, "chars_kept": 100, "chars_removed_by_reason": {"site_chrome": 9}},
        "files": [
            {
                "file": "002_x.txt",
                "removed_lines": [
                    {"reason": "site_chrome", "lines": [3, 4], "chars": 9, "preview": "投稿"}
                ],
                "documents": [
                    {
                        "doc_id": "002_x#01",
                        "removed_lines": [
                            {"reason": "title_to_metadata", "lines": [1, 1], "chars": 5}
                            | {"preview": "渝北区报告"}
                        ],
                    }
                ],
            }
        ],
    }
    text = corpus_summary(documents, passages, metrics, ledger, params, cuts=cuts)
    assert "| 项目 item | 数量 count |\n|---|---|\n| 文件 files read / skipped |" in text
    assert "| 渝北区 | 重庆市 | 重庆市 | 2021年渝北区政府工作报告 | 2021 |" in text
    assert "| site_chrome | 9 | 网站栏目" in text
    assert (
        "| 002_x.txt | title_to_metadata | 1–1 | 5 | 渝北区报告 |\n| 002_x.txt | site_chrome | 3–4"
        in text
    )
    short = outside_bounds(passages, params)
    # the three one-sentence sections (（一）..., 二、... and its （一）) stay short
    assert short["n_chars"].tolist() == [17, 13, 18]
    assert metrics["n_below_min"] == 3
    assert metrics["n_above_max"] == 0
    assert all(passage_id in text for passage_id in short["passage_id"])


def test_summary_names_documents_without_passages() -> None:
    params = SegmentParams()
    documents = documents_frame().assign(text="")
    passages, sentences, heading_chars, cuts = segment_documents(documents, params)
    assert passages.empty
    metrics = segment_metrics(passages, sentences, heading_chars, params, cuts=cuts)
    text = corpus_summary(documents, passages, metrics, {}, params, cuts=cuts)
    assert "Documents without any passage (empty body): 002_x#01" in text


def test_bounds_must_leave_room() -> None:
    with pytest.raises(UserError, match=r"segment\.min_chars must be smaller"):
        check_params(SegmentParams(min_chars=600, max_chars=600))


def test_stage_writes_outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("params.yaml").write_text("segment:\n  min_chars: 20\n  max_chars: 60\n", "utf-8")
    documents_frame().to_parquet("documents.parquet")
    Path("ingest.json").write_text('{"totals": {}, "files": []}', "utf-8")
    out = tmp_path / "out"
    main(
        Path("documents.parquet"),
        Path("ingest.json"),
        out / "passages.parquet",
        out / "sentences.parquet",
        out / "summary.md",
        out / "metrics.json",
    )
    expected = segment_corpus(
        documents_frame(), {"totals": {}, "files": []}, SegmentParams(min_chars=20, max_chars=60)
    )  # the stage writes what the library computes
    pd.testing.assert_frame_equal(pd.read_parquet(out / "passages.parquet"), expected.passages)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "sentences.parquet"), expected.sentences)
    assert (out / "summary.md").read_text("utf-8") == expected.summary
    assert "渝北区" in expected.summary
    with pytest.raises(UserError, match=r"missing\.parquet: not found; run `dvc repro ingest`"):
        main(Path("missing.parquet"), Path("ingest.json"), out / "p", out / "s", out / "m", None)
