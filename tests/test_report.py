"""Findings building blocks on tiny hand-written tables: labels, quotes, shares, hashes, fonts."""

from __future__ import annotations

import base64

import pandas as pd
import pytest

from policytopics.errors import UserError
from policytopics.report import figures
from policytopics.report.content import (
    corpus_hash,
    corpus_topic_share,
    distinctive_themes,
    leading_sections,
    ledger_highlights,
    markdown_to_html,
    quote,
    representative_passages,
    theme_labels,
)
from policytopics.report.fonts import cjk_font_family, configure_matplotlib
from policytopics.report.html import pct, svg_uri

LEXICON = [("ecology", "生态环保", "Ecology"), ("liquor_industry", "白酒产业", "Liquor industry")]


def test_theme_labels_are_bilingual_in_lexicon_order_and_keep_unknown_keys() -> None:
    labels = theme_labels(LEXICON, ["liquor_industry", "unmapped"])
    assert labels == {
        "ecology": "生态环保 Ecology",
        "liquor_industry": "白酒产业 Liquor industry",
        "unmapped": "unmapped",
    }


def test_quote_flattens_and_cuts_with_an_ellipsis() -> None:
    assert quote("做强白酒产业，\n建设世界级优质白酒产业集群。", 8) == "做强白酒产业，…"
    assert quote("发展数字经济。", 20) == "发展数字经济。"


def test_distinctive_themes_rank_by_lift_and_skip_tiny_shares() -> None:
    rows = pd.DataFrame(
        {
            "theme": ["ecology", "liquor_industry", "general"],
            "prevalence": [0.30, 0.20, 0.01],
            "lift": [1.2, 3.0, 9.0],
        }
    )
    assert distinctive_themes(rows, 2)["theme"].tolist() == ["liquor_industry", "ecology"]


def test_representative_passages_quote_assigned_passages_by_probability() -> None:
    passages = pd.DataFrame(
        {
            "passage_id": ["a", "b", "c", "d"],
            "locality": ["江阳区", "江阳区", "江阳区", "渝北区"],
            "theme": ["liquor_industry", "liquor_industry", "ecology", "liquor_industry"],
            "p_liquor_industry": [0.7, 0.9, 0.8, 0.99],
            "text": ["支持泸州老窖扩能。", "建设白酒产业集群。", "保护长江。", "酒"],
            "title": ["江阳区规划"] * 4,
            "section_path": ["第三篇 > 第一节提质发展白酒产业集群"] * 4,
        }
    )
    quotes = representative_passages(passages, "江阳区", "liquor_industry", 5, 100)
    assert [q["passage_id"] for q in quotes] == ["b", "a"]
    assert quotes[0]["title"] == "江阳区规划"
    assert quotes[0]["section_path"] == "第三篇 > 第一节提质发展白酒产业集群"


def test_corpus_topic_share_is_share_over_lift() -> None:
    shares = pd.DataFrame(
        {
            "locality": ["甲", "甲", "乙", "乙"],
            "topic": [0, 1, 0, 1],
            "prevalence": [0.8, 0.2, 0.0, 1.0],
            "lift": [2.0, 1 / 3, 0.0, 5 / 3],
        }
    )
    assert corpus_topic_share(shares) == pytest.approx({0: 0.4, 1: 0.6})


def test_corpus_hash_ignores_order_and_sees_content() -> None:
    files = [("a.txt", "泸州".encode()), ("b.txt", b"x")]
    digest, entries = corpus_hash(files)
    assert digest == corpus_hash(reversed(files))[0]
    assert digest != corpus_hash([("a.txt", "泸州市".encode()), ("b.txt", b"x")])[0]
    assert [e["name"] for e in entries] == ["a.txt", "b.txt"]
    assert entries[0]["bytes"] == 6


def test_leading_sections_stop_before_the_next_second_level_heading() -> None:
    text = "# 概览\n\n## 总览 Totals\n| a |\n## 各地文档\n| b |\n"
    assert leading_sections(text, 1) == "# 概览\n\n## 总览 Totals\n| a |"


def test_markdown_wrapped_paragraph_is_one_paragraph_with_inline_code() -> None:
    text = "由 `ingest` 与 `segment` 两个阶段写出，\n请勿手工修改。\nEvery character is\nkept.\n"
    assert markdown_to_html(text) == (
        "<p>由 <code>ingest</code> 与 <code>segment</code> 两个阶段写出，请勿手工修改。\n"
        "Every character is\nkept.</p>\n"
    )


def test_markdown_headings_move_down_two_levels_and_stop_at_h6() -> None:
    rendered = markdown_to_html("# 语料概览\n\n## 总览\n\n##### 删除内容\n")
    assert rendered == "<h3>语料概览</h3>\n<h4>总览</h4>\n<h6>删除内容</h6>\n"


def test_markdown_table_with_chinese_cells() -> None:
    rendered = markdown_to_html("| 地区 | 段落 |\n|---|---|\n| 江阳区 | 175 |\n")
    assert rendered == (
        "<table>\n<thead>\n<tr>\n<th>地区</th>\n<th>段落</th>\n</tr>\n</thead>\n"
        "<tbody>\n<tr>\n<td>江阳区</td>\n<td>175</td>\n</tr>\n</tbody>\n</table>\n"
    )


def test_markdown_tables_longer_than_max_rows_are_cut_with_a_note() -> None:
    text = "| 地区 |\n|---|\n| 江阳区 |\n| 泸州市 |\n| 龙港市 |\n\n| 原因 |\n|---|\n| 空白 |\n"
    rendered = markdown_to_html(text, max_rows=1)
    assert rendered.count("<td>") == 2
    assert "<td>江阳区</td>" in rendered and "<td>空白</td>" in rendered
    assert "泸州市" not in rendered and "龙港市" not in rendered
    assert rendered.count('<p class="note">') == 1
    assert '</table>\n<p class="note">… 2 more rows</p>\n<table>' in rendered
    assert markdown_to_html(text) == markdown_to_html(text, max_rows=3)


def test_markdown_raw_html_is_escaped_not_passed_through() -> None:
    rendered = markdown_to_html("摘要<script>alert(1)</script>\n\n<div>泸州</div>\n")
    assert rendered == (
        "<p>摘要&lt;script&gt;alert(1)&lt;/script&gt;</p>\n<p>&lt;div&gt;泸州&lt;/div&gt;</p>\n"
    )


def test_ledger_highlights_count_removed_characters_per_file() -> None:
    ledger = {
        "totals": {"n_files": 1},
        "files": [
            {
                "file": "001.txt",
                "status": "ok",
                "encoding": "gb18030",
                "chars_kept": 100,
                "chars_removed": {"site_chrome": 7, "whitespace": 3},
                "documents": [{"doc_id": "001#01"}],
            }
        ],
        "skipped": [],
    }
    high = ledger_highlights(ledger)
    assert high["files"][0]["chars_removed"] == 10
    assert high["files"][0]["documents"] == 1
    assert high["totals"] == [("n_files", "1")]


def test_percent_and_svg_data_uri() -> None:
    assert pct(0.1234) == "12.3%"
    assert pct(float("nan")) == ""
    assert (
        base64.b64decode(svg_uri("<svg>生态</svg>").split(",", 1)[1]).decode() == "<svg>生态</svg>"
    )


def test_missing_cjk_font_is_a_one_line_error_naming_the_fix() -> None:
    with pytest.raises(UserError, match="make setup"):
        cjk_font_family("No Such CJK Font 123")


def test_heatmap_svg_keeps_chinese_text_and_is_identical_run_to_run() -> None:
    configure_matplotlib("Noto Sans CJK SC")
    table = pd.DataFrame(
        {
            "locality": ["江阳区", "江阳区", "渝北区", "渝北区"],
            "theme": ["ecology", "liquor_industry"] * 2,
            "prevalence": [0.3, 0.7, 0.9, 0.1],
        }
    )
    labels = theme_labels(LEXICON, [])
    first = figures.heatmap(table, "locality", "theme", labels, "t", transpose=True)
    assert first == figures.heatmap(table, "locality", "theme", labels, "t", transpose=True)
    assert "白酒产业 Liquor industry" in first and "江阳区" in first
    assert "Noto Sans CJK SC" in first
