"""The first screen, the methods side by side and the explorer's data, on hand-written tables."""

from __future__ import annotations

import dataclasses
import json
import math

import pandas as pd
import pytest
from _report_corpus import CorpusSpec, Place, build

from policytopics.analysis.methods import (
    agreement,
    disagreeing_themes,
    mapped_theme_shares,
    side_by_side,
)
from policytopics.config import ReportParams
from policytopics.report.assemble import findings_pages, provenance
from policytopics.report.build import topic_label
from policytopics.report.explorer import lift_heatmap_spec, passage_data, script_json
from policytopics.report.headline import (
    caveats,
    confounding_caveats,
    locality_highlights,
    strongest_contrasts,
)

CORPUS = {"liquor_industry": 0.01, "ecology": 0.10, "general": 0.30}


def shares(rows: list[tuple[str, str, float, float, float]]) -> pd.DataFrame:
    """(locality, theme, share, ci_low, ci_high) -> a by-locality table with lift."""
    table = pd.DataFrame(rows, columns=["locality", "theme", "prevalence", "ci_low", "ci_high"])
    return table.assign(lift=table["prevalence"] / table["theme"].map(CORPUS))


TABLE = shares(
    [
        ("江阳区", "liquor_industry", 0.08, 0.05, 0.11),  # 8x, interval above 1%
        ("江阳区", "ecology", 0.12, 0.06, 0.18),  # 1.2x, interval reaches below 10%
        ("江阳区", "general", 0.50, 0.40, 0.60),  # catch-all: never distinctive
        ("渝北区", "liquor_industry", 0.03, 0.005, 0.06),  # 3x but interval reaches 0.5%
        ("渝北区", "ecology", 0.20, 0.15, 0.25),  # 2x, above
        ("渝北区", "general", 0.40, 0.30, 0.50),
        ("巫山县", "liquor_industry", 0.001, 0.0, 0.002),
        ("巫山县", "ecology", 0.05, 0.02, 0.08),
        ("巫山县", "general", 0.20, 0.10, 0.30),
    ]
)


def test_highlights_leave_out_catch_all_themes_and_put_sure_ones_first() -> None:
    out = locality_highlights(TABLE, CORPUS, ["general"], 3)
    got = list(zip(out["locality"], out["theme"], out["stands_out"], strict=True))
    assert got == [
        ("江阳区", "liquor_industry", True),
        ("江阳区", "ecology", False),
        ("渝北区", "ecology", True),  # 2x and sure comes before 3x and unsure
        ("渝北区", "liquor_industry", False),
    ]


def test_strongest_contrasts_rank_by_the_lift_the_interval_guarantees() -> None:
    out = strongest_contrasts(TABLE, CORPUS, ["general"], 5)
    assert list(zip(out["locality"], out["theme"], strict=True)) == [
        ("江阳区", "liquor_industry"),
        ("渝北区", "ecology"),
    ]
    assert out["low_lift"].tolist() == pytest.approx([5.0, 1.5])
    assert strongest_contrasts(TABLE, CORPUS, ["general"], 1)["theme"].tolist() == [
        "liquor_industry"
    ]


def test_caveats_name_thin_localities_confounded_years_disagreement_and_lda_gaps() -> None:
    info = pd.DataFrame(
        {"locality": ["江阳区", "龙港市"], "n_passages": [175, 14], "n_documents": [1, 2]}
    )
    effects = {
        "confounding": [
            {
                "scope": "corpus",
                "covariate": "language",
                "cramers_v": 1.0,
                "by_year": {"2021": ["zh"], "2022": ["en"], "2023": ["en"]},
            },
            {"scope": "泸州市", "covariate": "doc_type", "cramers_v": 1.0, "by_year": {}},
        ]
    }
    out = caveats(
        info, 30, effects, ["liquor_industry"], {"liquor_industry": "白酒产业 Liquor"}, ["龙港市"]
    )
    assert out == [
        "Thin evidence: 1 of 2 localities have fewer than 30 passages (龙港市 (14)); their "
        "intervals are wide and one passage can move a share by several points.",
        "Years are confounded in the corpus: year goes with language (Cramér's V 1.00; "
        "2021: zh; 2022–2023 (2 years): en), so a difference between years may be a difference "
        "of genre or language.",
        "Years are also confounded within 1 locality (泸州市); their trends carry the caveat "
        "(reports/prevalence/panel.csv).",
        "The methods disagree on 白酒产业: the classifier's ranking of localities agrees with "
        "neither topic model's (Spearman < 0.5; see Methods side by side).",
        "LDA did not model 龙港市 (a language outside lda.fit_languages, e.g. English): no LDA "
        "share there.",
    ]
    assert caveats(info.head(1), 30, None, [], {}, []) == []
    assert confounding_caveats({"confounding": []}) == []


TOPICS = {
    "lda": pd.DataFrame(
        {
            "locality": ["江阳区", "江阳区", "江阳区", "渝北区", "渝北区", "渝北区"],
            "topic": [0, 1, 2, 0, 1, 2],
            "prevalence": [0.1, 0.3, 0.6, 0.02, 0.5, 0.48],
        }
    ),
    "bertopic": pd.DataFrame(
        {
            "locality": ["江阳区", "江阳区", "渝北区", "渝北区", "龙港市", "龙港市"],
            "topic": [-1, 0, -1, 0, -1, 0],
            "prevalence": [0.4, 0.6, 0.9, 0.1, 0.5, 0.5],
        }
    ),
}
MAPPING = pd.DataFrame(
    {
        "model": ["lda", "lda", "lda", "bertopic"],
        "topic": [0, 1, 2, 0],
        "theme": ["liquor_industry", "ecology", "ecology", "liquor_industry"],
    }
)


def test_mapped_theme_shares_sum_the_topics_of_a_theme_and_drop_outliers() -> None:
    out = mapped_theme_shares(TOPICS["lda"], MAPPING, "lda")
    assert out.to_dict("records") == [
        {"locality": "江阳区", "theme": "ecology", "share": pytest.approx(0.9), "topics": 2},
        {"locality": "江阳区", "theme": "liquor_industry", "share": 0.1, "topics": 1},
        {"locality": "渝北区", "theme": "ecology", "share": pytest.approx(0.98), "topics": 2},
        {"locality": "渝北区", "theme": "liquor_industry", "share": 0.02, "topics": 1},
    ]
    bert = mapped_theme_shares(TOPICS["bertopic"], MAPPING, "bertopic")
    assert bert["share"].tolist() == [0.6, 0.1, 0.5]  # 江阳区, 渝北区, 龙港市: topic -1 is no theme


def test_side_by_side_leaves_unmodelled_localities_blank_not_zero() -> None:
    classifier = pd.DataFrame(
        {
            "locality": ["江阳区", "渝北区", "龙港市"] * 2,
            "theme": ["liquor_industry"] * 3 + ["ecology"] * 3,
            "prevalence": [0.08, 0.01, 0.0, 0.1, 0.3, 0.2],
        }
    )
    out = side_by_side(classifier, TOPICS, MAPPING)
    liquor = out[out["theme"] == "liquor_industry"].set_index("locality")
    assert liquor["lda"].tolist()[:2] == [0.1, 0.02]
    assert liquor["lda"].isna().tolist() == [False, False, True]  # English: LDA did not model it
    assert liquor["bertopic"].tolist() == [0.6, 0.1, 0.5]
    ecology = out[out["theme"] == "ecology"].set_index("locality")
    assert ecology.loc["龙港市", "bertopic"] == 0.0  # modelled, no topic maps to ecology


def test_agreement_is_spearman_per_theme_and_overall() -> None:
    table = pd.DataFrame(
        {
            "theme": ["a"] * 4 + ["b"] * 4,
            "locality": ["甲", "乙", "丙", "丁"] * 2,
            "classifier": [0.1, 0.2, 0.3, 0.4, 0.4, 0.3, 0.2, 0.1],
            "lda": [0.01, 0.02, 0.03, float("nan"), 0.1, 0.2, 0.3, 0.4],
            "bertopic": [0.4, 0.3, 0.2, 0.1, 0.0, 0.0, 0.0, 0.0],
        }
    )
    out = agreement(table).set_index(["theme", "pair"])
    assert out.loc[("a", "classifier~lda"), "spearman"] == pytest.approx(1.0)
    assert out.loc[("a", "classifier~lda"), "n_localities"] == 3
    assert out.loc[("a", "classifier~bertopic"), "spearman"] == pytest.approx(-1.0)
    assert out.loc[("b", "classifier~lda"), "spearman"] == pytest.approx(-1.0)
    assert (
        out["spearman"].isna().tolist() == [False] * 3 + [False, True, True] + [False] * 3
    )  # constant
    assert out.loc[("overall", "classifier~lda"), "n_localities"] == 4
    assert disagreeing_themes(agreement(table), 0.5) == ["b"]


def test_passage_data_keeps_full_text_and_the_assigned_themes_probability() -> None:
    passages = pd.DataFrame(
        {
            "passage_id": ["b", "a"],
            "doc_id": ["d1", "d1"],
            "title": ["江阳区规划", "江阳区规划"],
            "locality": ["江阳区", "江阳区"],
            "year": pd.array([2021, None], dtype="Int64"),
            "theme": ["liquor_industry", "ecology"],
            "p_liquor_industry": [0.9, 0.1],
            "p_ecology": [0.1, 0.8],
            "section_path": ["第三篇 > 白酒", ""],
            "text": ["做强白酒产业。" * 50, "保护长江。"],
        }
    )
    data = passage_data(passages, {"ecology": "生态环保 Ecology"})
    assert data["rows"][0] == [
        "a",
        "d1",
        "江阳区规划",
        "江阳区",
        "",
        "ecology",
        0.8,
        "",
        "保护长江。",
    ]
    assert data["rows"][1][4:7] == ["2021", "liquor_industry", 0.9]
    assert len(data["rows"][1][8]) == 350  # never cut


def test_script_json_cannot_close_its_script_element() -> None:
    text = script_json({"t": "</script><b>&"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"t": "</script><b>&"}


def test_lift_heatmap_colours_log2_lift_and_carries_the_cell_for_a_click() -> None:
    spec = lift_heatmap_spec(
        TABLE,
        {"liquor_industry": "白酒产业 Liquor", "ecology": "生态环保 Ecology"},
        ["江阳区", "巫山县"],
        {"江阳区": "江阳区 · 四川省"},
        {("江阳区", "liquor_industry"): 2},
        "Noto Sans CJK SC",
    )
    trace = spec["data"][0]
    assert trace["x"] == ["白酒产业", "生态环保"]
    assert trace["y"] == ["江阳区 · 四川省", "巫山县"]
    assert trace["z"] == [[3.0, pytest.approx(math.log2(1.2), abs=1e-4)], [-3.0, -1.0]]
    assert trace["text"][0] == ["8", "12"]
    assert trace["customdata"][1][0] == ["巫山县", "liquor_industry"]
    assert "2 passages assigned" in trace["hovertext"][0][0]


def test_topic_rows_are_labelled_with_their_top_words_and_theme() -> None:
    row = {"topic": 3, "words": "绿色、生活、生产、能源", "theme": "生态环保 Ecology"}
    assert topic_label(row) == "T3 绿色、生活、生产 · 生态环保"
    assert topic_label({"topic": 4, "words": "", "theme": "unmapped"}) == "T4 unmapped"


def test_the_page_shows_stability_effects_caveats_and_the_classifiers_evaluation() -> None:
    inputs, out = build(CorpusSpec([Place("江阳区"), Place("渝北区", "重庆市")]))
    effects = pd.DataFrame(
        {
            "formula": ["~ year"] * 2,
            "theme": ["ecology", "liquor_industry"],
            "term": ["year"] * 2,
            "estimate": [0.1, -0.2],
            "ci_low": [-0.1, float("-inf")],
            "ci_high": [0.3, 0.1],
            "n_documents": [2, 2],
            "n_replicates_failed": [0, 0],
        }
    )
    inputs = dataclasses.replace(
        inputs,
        stability={
            "seeds": [1, 2],
            "similarity": "cosine",
            "lda": {
                "reference_topics": 3,
                "mean_reappearance": 0.83,
                "mean_similarity": 0.71,
                "unstable_topics": 1,
                "n_topics_seed_min": 3,
                "n_topics_seed_max": 3,
                "c_v_seed_min": 0.41,
                "c_v_seed_max": 0.47,
            },
        },
        effects_metrics={
            "cluster": "document",
            "n_bootstrap": 20,
            "formulas": [{"formula": "~ year", "n_documents": 2, "caveats": ["year is X"]}],
            "skipped": [{"formula": "~ doc_type", "reason": "one value"}],
            "confounding": [
                {"scope": "corpus", "covariate": "language", "cramers_v": 1.0, "by_year": {}}
            ],
        },
        effects={"effects": effects},
        evaluation={
            "document_grouped": {
                "n": 40,
                "documents": 4,
                "macro_f1": 0.81,
                "interval": {"low": 0.7, "high": 0.9},
                "per_theme": {"liquor_industry": {"f1": 1.0, "low": 1.0, "high": 1.0, "n": 7}},
                "thin_themes": ["liquor_industry"],
                "calibration": {
                    "ece": 0.024,
                    "brier": 0.15,
                    "share": {"ecology": {"predicted": 0.11, "observed": 0.10}},
                },
            }
        },
    )
    html, printed = findings_pages(inputs, ReportParams(), provenance([], "seed: 1\n", out.metrics))
    for page in (html, printed):
        assert '<td>LDA</td><td class="num">3</td><td class="num">0.83</td>' in page
        assert "Years are confounded in the corpus: year goes with language" in page
        assert "Caveat: year is X" in page and "Not fitted: ~ doc_type: one value." in page
        assert '<td class="num thin">7 ⚠ few</td>' in page
        assert 'alt="calibration"' in page
    assert 'id="passages-data"' in html and 'id="passages-data"' not in printed
    assert "<script" not in printed
