"""Normalisation of document text: exact outputs and exact counts."""

from __future__ import annotations

import pytest

from policytopics.corpus.normalise import (
    NormaliseStats,
    chinese_punctuation,
    fold_width,
    normalise,
    split_report_opening,
    tidy_spaces,
    to_simplified,
)


def zh(text: str) -> str:
    return normalise(text, "zh")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("“ 十四五 ” 时期", "“十四五”时期"),
        ("第十四个五年规划和二 〇 三五年远景目标纲要", "第十四个五年规划和二〇三五年远景目标纲要"),
        (
            "( 2021 年 3 月 11 日泸州市江阳区第九届人民代表大会第五次会议批准)",
            "（2021年3月11日泸州市江阳区第九届人民代表大会第五次会议批准）",
        ),
        ("序 言", "序言"),
        ("年均增长 8.5% ,总量达到 616.36 亿元", "年均增长8.5%，总量达到616.36亿元"),
        ("鼓励应用 5G 通信", "鼓励应用5G通信"),
        ("区长\u2002\u2002\u2002谭\u2002庆", "区长谭庆"),
        ("“ 旅游 +”“+ 旅游 ” 发展模式", "“旅游+”“+旅游”发展模式"),
        ("共建“Belt and Road”倡议", "共建“Belt and Road”倡议"),
    ],
)
def test_pdf_spacing_artefacts(raw: str, clean: str) -> None:
    assert zh(raw) == clean


def test_zero_width_removed_and_counted() -> None:
    stats = NormaliseStats()
    assert normalise("数字\u200b经济\ufeff发展\u200d", "zh", stats) == "数字经济发展"
    assert stats.removed["zero_width"] == 3


def test_fullwidth_digits_and_letters_fold_but_chinese_punctuation_stays() -> None:
    stats = NormaliseStats()
    text = "２０２１年ＧＤＰ增长８．５％，建成５Ｇ基站：３１７７个；（一）"
    assert fold_width(text, stats) == "2021年GDP增长8.5%，建成5G基站：3177个；（一）"
    assert stats.changed["fullwidth_folded"] == 17


def test_nfkc_casualties_are_kept() -> None:
    # NFKC would give "III" and "m3"; the Roman numeral and the superscript are kept
    assert zh("Ⅲ类水质，3000m³污水") == "Ⅲ类水质，3000m³污水"


def test_ratio_signs_become_ascii_colons_between_digits() -> None:
    assert zh("三次产业结构比优化为10.8∶45∶44.2，由0.8︰45.3︰53.9调整") == (
        "三次产业结构比优化为10.8:45:44.2，由0.8:45.3:53.9调整"
    )


def test_ascii_punctuation_in_chinese_text_becomes_fullwidth() -> None:
    stats = NormaliseStats()
    text = "各位代表:现在,我代表区人民政府;年均增长7.1%;覆盖100%,31556名!请审议?"
    assert chinese_punctuation(text, stats) == (
        "各位代表：现在，我代表区人民政府；年均增长7.1%；覆盖100%，31556名！请审议？"
    )
    assert stats.changed["punctuation_to_fullwidth"] == 7


def test_ascii_punctuation_between_digits_or_letters_stays() -> None:
    text = "投资1,000亿元，比例5.1:57.3:37.6，口号Hello, world"
    assert chinese_punctuation(text, NormaliseStats()) == text


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("OPPO智能生态科技园(一期)等项目", "OPPO智能生态科技园（一期）等项目"),
        ("《中国医改发展报告(2020)》蓝皮书", "《中国医改发展报告（2020）》蓝皮书"),
        ("支持。 (二)努力", "支持。 （二）努力"),  # the space goes in tidy_spaces
        ("f(x) = (a+b)", "f(x) = (a+b)"),
    ],
)
def test_brackets_convert_as_pairs(raw: str, clean: str) -> None:
    assert chinese_punctuation(raw, NormaliseStats()) == clean


def test_lost_middle_dot_is_repaired_when_a_quoted_name_shows_it() -> None:
    stats = NormaliseStats()
    text = "依托“中国泸州?金融中心”，以中国酒城?长江生态旅游带项目为核心载体"
    assert zh(text) == "依托“中国泸州·金融中心”，以中国酒城·长江生态旅游带项目为核心载体"
    normalise(text, "zh", stats)
    assert stats.changed["lost_middle_dot"] == 2


def test_question_marks_are_questions_without_that_evidence() -> None:
    assert zh("有想补充的信息?点我投稿") == "有想补充的信息？点我投稿"


def test_traditional_document_becomes_simplified() -> None:
    stats = NormaliseStats()
    assert (
        to_simplified("國家發展改革委員會印發規劃綱要", stats) == "国家发展改革委员会印发规划纲要"
    )
    assert stats.changed["traditional_to_simplified"] == 8  # 國發員會發規劃綱


def test_simplified_document_keeps_names_t2s_would_damage() -> None:
    stats = NormaliseStats()
    text = "城镇面貌大为改观，乾丰、石莲、冷水关等7个乡撤乡设镇。" * 3
    assert to_simplified(text, stats) == text  # t2s alone would write 干丰
    assert stats.changed["traditional_left"] == 3


def test_blank_lines_and_edge_spaces_removed_and_counted() -> None:
    stats = NormaliseStats()
    assert tidy_spaces("  第一章 \n\n\n  总体要求\n", stats, chinese=True) == "第一章\n总体要求"
    # 2 + 1 leading/trailing spaces on the first line, 2 on the second, 3 newlines
    assert stats.removed["whitespace"] == 8


def test_english_spacing_and_hyphens() -> None:
    stats = NormaliseStats()
    text = "Luzhou  City is resource -exhausted and people -oriented; five -in -one.\n\n"
    assert normalise(text, "en", stats) == (
        "Luzhou City is resource-exhausted and people-oriented; five-in-one."
    )
    assert stats.removed["whitespace"] == 1 + 4 + 2


def test_english_text_keeps_ascii_punctuation() -> None:
    assert normalise('Seize the "Belt and Road" (BRI): 70%, 9 times!', "en") == (
        'Seize the "Belt and Road" (BRI): 70%, 9 times!'
    )


def test_work_report_opening_split_into_venue_speaker_and_speech() -> None:
    stats = NormaliseStats()
    text = (
        "2021年3月2日在重庆市合川区第十七届人民代表大会第六次会议上"
        "重庆市合川区人民政府区长；徐万忠各位代表：我代表区人民政府，向大会报告工作。"
    )
    assert split_report_opening(text, stats) == (
        "2021年3月2日在重庆市合川区第十七届人民代表大会第六次会议上\n"
        "重庆市合川区人民政府区长徐万忠\n"
        "各位代表：我代表区人民政府，向大会报告工作。",
        "徐万忠",
    )
    assert stats.removed["stray_punctuation"] == 1
    assert stats.inserted["line_break"] == 2


def test_other_text_has_no_report_opening() -> None:
    text = "各位代表：现在，我代表县人民政府向大会报告工作。"
    assert split_report_opening(text, NormaliseStats()) == (text, "")


@pytest.mark.parametrize("text", ["", "\n", " \n \n", "\u200b\n"])
def test_text_of_nothing_counts_every_character(text: str) -> None:
    stats = NormaliseStats()
    assert normalise(text, "zh", stats) == ""
    assert sum(stats.removed.values()) == len(text)
