"""Sentence splitting: Chinese (quotes and brackets kept whole) and English (abbreviations)."""

from policytopics.corpus.sentences import clauses, sentences


def test_chinese_sentences_keep_final_punctuation() -> None:
    assert sentences("推进生态保护。发展数字经济！提高效率？加强监管；完善制度", "zh") == [
        "推进生态保护。",
        "发展数字经济！",
        "提高效率？",
        "加强监管；",
        "完善制度",
    ]


def test_closing_quote_stays_with_its_sentence() -> None:
    assert sentences("他说：“好。”然后", "zh") == ["他说：“好。”", "然后"]


def test_no_split_inside_quotes_brackets_and_titles() -> None:
    text = (
        "提出“一是补短板。二是强弱项。”的要求。印发《方案。附件》并实施。建设（一期。二期）完成。"
    )
    assert sentences(text, "zh") == [
        "提出“一是补短板。二是强弱项。”的要求。",
        "印发《方案。附件》并实施。",
        "建设（一期。二期）完成。",
    ]


def test_quote_that_ends_the_sentence_closes_it() -> None:
    assert sentences("口号是“绿水青山就是金山银山！”全面推进。", "zh") == [
        "口号是“绿水青山就是金山银山！”",
        "全面推进。",
    ]


def test_stray_opening_bracket_does_not_block_splitting() -> None:
    assert sentences("数据（截至年底。后续说明。没有闭合", "zh") == [
        "数据（截至年底。",
        "后续说明。",
        "没有闭合",
    ]


def test_ascii_punctuation_and_repeated_marks() -> None:
    assert sentences("各位代表!时间不等人！！机遇不等人?是的", "zh") == [
        "各位代表!",
        "时间不等人！！",
        "机遇不等人?",
        "是的",
    ]


def test_line_breaks_split_and_blank_pieces_vanish() -> None:
    assert sentences("发展目标\n  \n到2025年，城市能级显著提升。 ", "zh") == [
        "发展目标",
        "到2025年，城市能级显著提升。",
    ]


def test_decimal_points_do_not_split() -> None:
    assert sentences("增长2.5%，达到1.3万亿元。", "zh") == ["增长2.5%，达到1.3万亿元。"]


def test_english_sentences_and_abbreviations() -> None:
    text = (
        'Mr. Li met Dr. Wang in the U.S. Army base. He said "It works." Then he left! '
        "Output grew 2.5 percent in Jan. 2021. J. Smith agreed? Yes."
    )
    assert sentences(text, "en") == [
        "Mr. Li met Dr. Wang in the U.S. Army base.",
        'He said "It works."',
        "Then he left!",
        "Output grew 2.5 percent in Jan. 2021.",
        "J. Smith agreed?",
        "Yes.",
    ]


def test_english_lowercase_continuation_is_not_a_new_sentence() -> None:
    assert sentences("See e.g. the plan. the rest", "en") == ["See e.g. the plan. the rest"]


def test_clauses_keep_their_punctuation() -> None:
    assert clauses("加快发展，提升品质；完善制度、强化保障", "zh") == [
        "加快发展，",
        "提升品质；",
        "完善制度、",
        "强化保障",
    ]
