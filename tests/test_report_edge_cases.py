"""The findings with any corpus: blank metadata, one locality, national documents, absent
contrasts, few topics, many localities and years. Each gives a section or a note, never a crash.

Inputs are tiny synthetic corpora (tests/_report_corpus.py) run through the real prevalence
code and a CSV round trip, as in a pipeline run.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import pandas as pd
import pytest
from _report_corpus import CorpusSpec, Place, build
from markupsafe import escape

from policytopics.analysis.prevalence import UNKNOWN_GROUP
from policytopics.config import PrevalenceContrast, ReportParams
from policytopics.report import figures
from policytopics.report.assemble import findings_html, provenance
from policytopics.report.build import (
    NATIONAL_GROUP,
    UNKNOWN,
    UNKNOWN_PROVINCE,
    findings_context,
    is_blank,
)
from policytopics.report.fonts import configure_matplotlib
from policytopics.report.html import render_html
from policytopics.report.sections import extra_context

SMALL = ReportParams(heatmap_max_columns=4, heatmap_max_rows=5, max_profiles=3, collapse_rows=6)
TWO = [Place("江阳区"), Place("渝北区", "重庆市")]


def liquor(focus: list[str], versus: str, theme: str = "liquor_industry") -> PrevalenceContrast:
    return PrevalenceContrast(theme=theme, focus=focus, versus_province=versus)


CASES: dict[str, CorpusSpec] = {
    "unknown_locality": CorpusSpec([Place("江阳区"), Place("", "")]),
    "single": CorpusSpec([Place("江阳区")]),
    "national": CorpusSpec([Place("全国", "", "national")], years=[1978, 2025], docs_per_place=2),
    "missing_metadata": CorpusSpec(
        [Place("江阳区", ""), Place("渝北区", "重庆市")], years=[None, 2021], doc_types=[""]
    ),
    "silent_theme": CorpusSpec(TWO, silent_themes=("liquor_industry",)),
    "absent_focus": CorpusSpec(TWO, contrasts=[liquor(["泸州市"], "重庆市")]),
    "absent_theme": CorpusSpec(TWO, contrasts=[liquor(["江阳区"], "重庆市", "tourism")]),
    "absent_province": CorpusSpec(TWO, contrasts=[liquor(["江阳区", "泸州市"], "浙江省")]),
    "contrast": CorpusSpec(
        [Place("江阳区"), Place("渝北区", "重庆市"), Place("巫山县", "重庆市")],
        contrasts=[liquor(["江阳区"], "重庆市")],
    ),
    "few_topics": CorpusSpec(TWO, lda_topics=2, bertopic_topics=0),
    "many_topics": CorpusSpec(TWO, passages_per_doc=8, lda_topics=12, bertopic_topics=7),
    "many": CorpusSpec(
        [
            *[Place(f"县{i}", "四川省", "county") for i in range(4)],
            Place("泸州市", "四川省", "prefecture"),
            *[Place(f"区{i}", "重庆市", "county") for i in range(2)],
            Place("全国", "", "national"),
        ],
        years=list(range(2015, 2023)),
        docs_per_place=2,
    ),
}


@cache
def context(name: str) -> dict[str, Any]:
    configure_matplotlib("Noto Sans CJK SC")
    inputs, _ = build(CASES[name])
    return findings_context(inputs, SMALL)


@cache
def page(name: str) -> str:
    """The page rendered from `context(name)` (as `findings_html` renders it)."""
    inputs, out = build(CASES[name])
    files = [(f"{k:02d}.txt", b"x") for k in range(8)] if name == "many" else []
    reproduction = provenance(files, "seed: 1\n", out.metrics)
    values = {"title": SMALL.title, **context(name), **reproduction, "classify_unit": "passage"}
    values |= extra_context(inputs, SMALL, interactive=True)
    return render_html(values, SMALL.font_family)


def top_rows(name: str) -> list[tuple[str, str]]:
    return [
        (g["name"], r["locality"]) for g in context(name)["top_theme_groups"] for r in g["rows"]
    ]


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_case_renders_the_whole_page(name: str) -> None:
    html = page(name)
    assert html.rstrip().endswith("</html>")
    assert 'id="method"' in html


def test_the_stage_entry_point_renders_the_same_page() -> None:
    inputs, out = build(CASES["unknown_locality"])
    html = findings_html(inputs, SMALL, provenance([], "seed: 1\n", out.metrics))
    assert html == page("unknown_locality")


def test_a_document_without_locality_is_the_unknown_locality() -> None:
    assert top_rows("unknown_locality") == [("四川省", "江阳区"), (UNKNOWN_PROVINCE, UNKNOWN)]
    assert context("unknown_locality")["notes"][0] == (
        "1 of 2 documents have no locality; they are counted as the locality “unknown”."
    )
    assert re.search(r'<h3 id="loc-\d">unknown <span', page("unknown_locality"))


def test_a_single_locality_has_no_distinctive_theme_and_says_so() -> None:
    ctx = context("single")
    (group,) = ctx["profile_groups"]
    assert [loc["distinctive"] for loc in group["rows"]] == [[]]
    assert any(n.startswith("The corpus has one locality") for n in ctx["notes"])
    assert "None: no theme fills more of this locality's text" in page("single")
    assert top_rows("single") == [("四川省", "江阳区")]


def test_national_documents_form_their_own_group_with_years_from_1978() -> None:
    ctx = context("national")
    assert top_rows("national") == [(NATIONAL_GROUP, "全国")]
    assert "2 documents are national" in ctx["notes"][0]
    assert [v["name"] for v in ctx["by_group"]] == ["year"]
    assert ctx["by_group"][0]["note"] == ""


def test_missing_year_province_and_doc_type_are_named_not_crashed() -> None:
    ctx = context("missing_metadata")
    assert top_rows("missing_metadata") == [("重庆市", "渝北区"), (UNKNOWN_PROVINCE, "江阳区")]
    assert "1 documents have no year; they form the year “unknown”." in ctx["notes"]
    assert "Every passage has the same doc_type (unknown): no view by doc_type." in ctx["notes"]
    assert [(d["province"], d["year"]) for d in ctx["documents"]] == [("", ""), ("重庆市", 2021)]


def test_a_theme_no_passage_is_about_is_never_distinctive() -> None:
    ctx = context("silent_theme")
    distinctive = [
        t["theme"] for g in ctx["profile_groups"] for r in g["rows"] for t in r["distinctive"]
    ]
    assert "liquor_industry" not in distinctive
    legend = {t["key"]: t["share"] for t in ctx["theme_legend"]}
    assert legend["liquor_industry"] == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("absent_focus", "none of 泸州市 is in this corpus"),
        ("absent_theme", "theme tourism is not among the classifier's themes"),
        ("absent_province", "no other locality of 浙江省 is in this corpus"),
    ],
)
def test_a_contrast_the_corpus_cannot_make_is_a_note(name: str, reason: str) -> None:
    (contrast,) = context(name)["contrasts"]
    assert contrast["skipped"] == reason
    assert contrast["rows"] == [] and contrast["figure"] == ""
    assert f"Not compared: {escape(reason)}" in page(name)


def test_a_contrast_it_can_make_compares_focus_and_province() -> None:
    (contrast,) = context("contrast")["contrasts"]
    assert contrast["skipped"] == ""
    assert sorted(r["locality"] for r in contrast["rows"]) == ["巫山县", "江阳区", "渝北区"]
    assert [r["locality"] for r in contrast["rows"] if r["focus"]] == ["江阳区"]
    assert contrast["figure"].startswith("<?xml")


def test_a_model_without_topics_says_so() -> None:
    lda, bertopic = context("few_topics")["models"]
    assert [r["topic"] for r in lda["rows"]] == [0, 1]
    assert bertopic["rows"] == []
    assert bertopic["empty_note"] == (
        "BERTopic found no topic in this corpus (every passage is an outlier)."
    )
    assert "BERTopic found no topic in this corpus" in page("few_topics")


def test_topics_beyond_the_room_are_counted() -> None:
    lda, bertopic = context("many_topics")["models"]
    assert lda["heatmap_note"] == "Showing the 5 largest topics of 12; every row is in the CSV."
    assert bertopic["heatmap_note"] == "Showing the 5 largest topics of 7; every row is in the CSV."
    assert len(lda["rows"]) == 12  # the table keeps every topic


def test_many_localities_are_grouped_capped_and_counted() -> None:
    ctx = context("many")
    assert [(g["name"], len(g["rows"])) for g in ctx["top_theme_groups"]] == [
        (NATIONAL_GROUP, 1),
        ("四川省", 5),
        ("重庆市", 2),
    ]
    assert [r["locality"] for r in ctx["top_theme_groups"][1]["rows"]] == [
        "泸州市", "县0", "县1", "县2", "县3",
    ]  # fmt: skip  # a prefecture before its counties
    assert [r["level"] for r in ctx["top_theme_groups"][1]["rows"]][:2] == [
        "prefecture 地级",
        "county 县级",
    ]
    assert not ctx["heatmap_across"]
    assert ctx["heatmap_note"] == (
        "Showing the 5 localities with the most passages of 8; every row is in the CSV."
    )
    profiled = [r["name"] for g in ctx["profile_groups"] for r in g["rows"]]
    assert profiled == ["全国", "区0", "区1"]  # 3 of 8, ties by name, shown by province
    assert ctx["n_unprofiled"] == 5
    (years,) = [v for v in ctx["by_group"] if v["name"] == "year"]
    assert (
        years["note"] == "Showing the 5 years with the most passages of 8; every row is in the CSV."
    )
    assert ctx["collapse_documents"]  # 16 documents > collapse_rows 6
    html = page("many")
    assert "<details><summary>16 documents" in html
    assert "<details><summary>8 files (table)" in html  # the corpus files, collapse_rows 6
    assert "the other 5 are listed here" in html


def test_the_report_names_blanks_as_the_prevalence_tables_do() -> None:
    assert UNKNOWN == UNKNOWN_GROUP


def test_blank_values() -> None:
    assert [is_blank(v) for v in (None, float("nan"), pd.NA, "", " ", "nan", "全国", 0)] == [
        True, True, True, True, True, True, False, False,
    ]  # fmt: skip


def test_heatmap_rows_in_the_given_order_with_labels_and_blank_missing_cells() -> None:
    configure_matplotlib("Noto Sans CJK SC")
    table = pd.DataFrame(
        {
            "locality": ["江阳区", "渝北区", "渝北区"],
            "theme": ["ecology", "ecology", "general"],
            "prevalence": [0.25, 0.5, 0.5],
        }
    )
    svg = figures.heatmap(
        table,
        "locality",
        "theme",
        {"ecology": "生态", "general": "综合"},
        "t",
        row_order=["渝北区", "江阳区"],
        row_labels={"渝北区": "渝北区 · 重庆市"},
    )
    assert "渝北区 · 重庆市" in svg and "nan" not in svg
    assert svg.index("渝北区 · 重庆市") < svg.index("江阳区")
