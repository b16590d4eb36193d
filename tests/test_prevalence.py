"""Prevalence on a hand-computed fixture: exact shares, lift, intervals, determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from policytopics.analysis.key_figures import contrast_figures, top_theme_by_locality
from policytopics.analysis.prevalence import (
    Bootstrap,
    bertopic_matrix,
    bootstrap_shares,
    lda_matrix,
    prevalence_table,
    theme_matrix,
)
from policytopics.analysis.tables import align
from policytopics.config import PrevalenceContrast
from policytopics.errors import UserError

# 江阳区: doc A (100 chars all liquor, 300 chars half/half), doc B (100 chars, 0.2 liquor).
# 渝北区: doc C, two passages of 200 chars (0.25 and 1.0 liquor).
PASSAGES = pd.DataFrame(
    {
        "passage_id": ["A/p0", "A/p1", "B/p0", "C/p0", "C/p1"],
        "doc_id": ["A", "A", "B", "C", "C"],
        "locality": ["江阳区", "江阳区", "江阳区", "渝北区", "渝北区"],
        "year": pd.array([2021, 2021, 2022, 2021, 2021], dtype="Int64"),
        "n_chars": [100, 300, 100, 200, 200],
    }
)
PROBS = np.array([[1.0, 0.0], [0.5, 0.5], [0.2, 0.8], [0.25, 0.75], [1.0, 0.0]])
LABELS = ["liquor_industry", "ecology"]
BOOT = Bootstrap(n_bootstrap=2000, confidence=0.95, seed=7)


def table(boot: Bootstrap = BOOT, group: str = "locality") -> pd.DataFrame:
    return prevalence_table(
        PASSAGES, PROBS, LABELS, group=group, label_name="theme", bootstrap=boot
    ).set_index([group, "theme"])


def test_shares_are_the_length_weighted_ratio() -> None:
    result = table()
    # 江阳区 liquor: (100*1 + 300*0.5 + 100*0.2) / 500 = 0.54; 渝北区: (50 + 200) / 400 = 0.625
    assert result.loc[("江阳区", "liquor_industry"), "prevalence"] == pytest.approx(0.54)
    assert result.loc[("江阳区", "ecology"), "prevalence"] == pytest.approx(0.46)
    assert result.loc[("渝北区", "liquor_industry"), "prevalence"] == pytest.approx(0.625)
    assert result.loc[("渝北区", "ecology"), "prevalence"] == pytest.approx(0.375)


def test_shares_sum_to_one_per_locality() -> None:
    sums = table().groupby(level="locality")["prevalence"].sum()
    assert sums.to_numpy() == pytest.approx([1.0, 1.0])


def test_lift_is_share_over_corpus_share() -> None:
    result = table()
    # corpus liquor share = (270 + 250) / 900 = 26/45
    assert result.loc[("江阳区", "liquor_industry"), "lift"] == pytest.approx(0.54 * 45 / 26)
    assert result.loc[("渝北区", "liquor_industry"), "lift"] == pytest.approx(0.625 * 45 / 26)
    assert result.loc[("渝北区", "ecology"), "lift"] == pytest.approx(0.375 / (19 / 45))


def test_n_passages_counts_the_group() -> None:
    result = table()
    assert result.loc[("江阳区", "ecology"), "n_passages"] == 3
    assert result.loc[("渝北区", "ecology"), "n_passages"] == 2


def test_interval_contains_estimate() -> None:
    result = table()
    assert (result["ci_low"] <= result["prevalence"] + 1e-12).all()
    assert (result["prevalence"] <= result["ci_high"] + 1e-12).all()


def test_interval_is_the_exact_within_document_resampling_range() -> None:
    # 渝北区 = one document of two equal passages: replicates take 0.25, 0.625 or 1.0
    # with probabilities 1/4, 1/2, 1/4, so the 2.5% and 97.5% percentiles are 0.25 and 1.0.
    result = table()
    assert result.loc[("渝北区", "liquor_industry"), "ci_low"] == pytest.approx(0.25)
    assert result.loc[("渝北区", "liquor_industry"), "ci_high"] == pytest.approx(1.0)


def test_resampling_stays_inside_documents() -> None:
    # By year, 2022 holds one single-passage document: nothing to resample, zero width,
    # although pooled resampling over the year's passages would vary.
    result = table(group="year")
    low, high = result.loc[("2022", "liquor_industry"), ["ci_low", "ci_high"]]
    assert low == high == pytest.approx(0.2)
    assert result.loc[("2021", "ecology"), "n_passages"] == 4


def test_fixed_seed_gives_identical_intervals_and_another_seed_differs() -> None:
    pd.testing.assert_frame_equal(table(), table())
    args = (
        PASSAGES["n_chars"].to_numpy(dtype=float),
        PROBS,
        np.array([0, 0, 0, 1, 1]),
        np.array([0, 0, 1, 2, 2]),
        2,
        200,
    )
    same = bootstrap_shares(*args, seed=7)
    assert np.array_equal(same, bootstrap_shares(*args, seed=7))
    assert not np.array_equal(same, bootstrap_shares(*args, seed=8))


def test_columns_follow_the_contract() -> None:
    result = prevalence_table(
        PASSAGES, PROBS, LABELS, group="locality", label_name="theme", bootstrap=BOOT
    )
    assert list(result.columns) == [
        "locality",
        "theme",
        "prevalence",
        "ci_low",
        "ci_high",
        "lift",
        "n_passages",
    ]
    assert len(result) == 4


def test_a_document_spanning_two_localities_is_an_error() -> None:
    bad = PASSAGES.assign(locality=["江阳区", "渝北区", "江阳区", "渝北区", "渝北区"])
    with pytest.raises(UserError, match="spans more than one"):
        prevalence_table(bad, PROBS, LABELS, group="locality", label_name="theme", bootstrap=BOOT)


def test_theme_matrix_normalises_rows() -> None:
    frame = pd.DataFrame(
        {"passage_id": ["a"], "theme": ["ecology"], "p_ecology": [0.6], "p_liquor_industry": [0.2]}
    )
    labels, probs = theme_matrix(frame)
    assert labels == ["ecology", "liquor_industry"]
    assert probs.tolist() == [pytest.approx([0.75, 0.25])]


def test_lda_matrix_orders_topics_numerically_and_masks_empty_rows() -> None:
    frame = pd.DataFrame({"topic_10": [0.5, 0.0], "topic_2": [0.5, 0.0], "topic_0": [1.0, 0.0]})
    labels, probs, keep = lda_matrix(frame)
    assert labels == ["0", "2", "10"]
    assert probs[0].tolist() == [0.5, 0.25, 0.25]
    assert keep.tolist() == [True, False]


def test_bertopic_matrix_is_one_hot_with_outliers_first() -> None:
    labels, probs = bertopic_matrix(pd.Series([1, -1, 0, 1]))
    assert labels == ["-1", "0", "1"]
    assert probs.tolist() == [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]]


def _liquor(rows: list[tuple[str, float, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [(loc, "liquor_industry", p, lo, hi, 1.0, 10) for loc, p, lo, hi in rows],
        columns=["locality", "theme", "prevalence", "ci_low", "ci_high", "lift", "n_passages"],
    )


def test_contrast_says_whether_focus_intervals_exclude_the_province() -> None:
    contrast = PrevalenceContrast(
        theme="liquor_industry", focus=["江阳区", "泸州市"], versus_province="重庆市"
    )
    provinces = {"江阳区": "四川省", "泸州市": "四川省", "渝北区": "重庆市", "巫山县": "重庆市"}
    separated = _liquor(
        [
            ("江阳区", 0.20, 0.15, 0.25),
            ("泸州市", 0.10, 0.06, 0.14),
            ("渝北区", 0.02, 0.01, 0.05),
            ("巫山县", 0.01, 0.00, 0.03),
        ]
    )
    figures = contrast_figures(separated, contrast, provinces)
    assert figures["versus_max"]["locality"] == "渝北区"
    assert figures["versus_max_ci_high"] == 0.05
    assert figures["focus_min_ci_low"] == 0.06
    assert figures["focus_excludes_versus_shares"] is True
    assert figures["focus_excludes_versus_intervals"] is True
    overlapping = separated.assign(ci_high=[0.25, 0.14, 0.07, 0.03])
    result = contrast_figures(overlapping, contrast, provinces)
    assert result["focus_excludes_versus_shares"] is True  # 0.06 > 0.02
    assert result["focus_excludes_versus_intervals"] is False  # 0.06 < 0.07
    above = overlapping.assign(prevalence=[0.20, 0.10, 0.065, 0.01])
    assert contrast_figures(above, contrast, provinces)["focus_excludes_versus_shares"] is False


def test_top_theme_by_locality_picks_the_largest_share() -> None:
    result = table().reset_index()
    top = top_theme_by_locality(result)
    assert top["江阳区"]["theme"] == "liquor_industry"
    assert top["江阳区"]["share"] == pytest.approx(0.54)


def test_stage_alignment_requires_every_passage_exactly_once() -> None:
    passages = PASSAGES.set_index("passage_id", drop=False)
    themes = pd.DataFrame({"passage_id": ["C/p1", "A/p0", "A/p1", "B/p0", "C/p0"], "x": range(5)})
    assert align(passages, themes, "passage_themes", "classify")["x"].tolist() == [1, 2, 3, 4, 0]
    with pytest.raises(UserError, match=r"1 passages of passages\.parquet missing"):
        align(passages, themes.iloc[1:], "passage_themes", "classify")
    with pytest.raises(UserError, match="duplicate"):
        align(passages, pd.concat([themes, themes.iloc[:1]]), "passage_themes", "classify")


@pytest.mark.parametrize(
    ("contrast", "reason", "missing"),
    [
        (
            PrevalenceContrast(theme="tourism", focus=["江阳区"], versus_province="重庆市"),
            "theme tourism is not among the classifier's themes",
            ["江阳区"],
        ),
        (
            PrevalenceContrast(
                theme="liquor_industry", focus=["泸州市", "仁怀市"], versus_province="重庆市"
            ),
            "none of 泸州市、仁怀市 is in this corpus",
            ["泸州市", "仁怀市"],
        ),
        (
            PrevalenceContrast(theme="liquor_industry", focus=["江阳区"], versus_province="浙江省"),
            "no other locality of 浙江省 is in this corpus",
            [],
        ),
    ],
)
def test_a_contrast_the_corpus_cannot_make_is_a_noted_skip(
    contrast: PrevalenceContrast, reason: str, missing: list[str]
) -> None:
    table = _liquor([("江阳区", 0.2, 0.1, 0.3), ("渝北区", 0.01, 0.0, 0.02)])
    figures = contrast_figures(table, contrast, {"江阳区": "四川省", "渝北区": "重庆市"})
    assert figures["skipped"] == reason
    assert "focus_excludes_versus_shares" not in figures
    assert figures["missing_focus"] == missing


def test_blank_and_missing_groups_are_unknown() -> None:
    passages = pd.DataFrame(
        {
            "doc_id": ["a", "b", "c"],
            "locality": ["江阳区", "", None],
            "n_chars": [10, 10, 10],
        }
    )
    table = prevalence_table(
        passages,
        np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]),
        ["ecology", "general"],
        group="locality",
        label_name="theme",
        bootstrap=Bootstrap(n_bootstrap=20, confidence=0.95, seed=1),
    )
    assert table["locality"].tolist() == ["unknown", "unknown", "江阳区", "江阳区"]
    assert table["n_passages"].tolist() == [2, 2, 1, 1]
