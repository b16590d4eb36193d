"""Year x locality panel on a hand-made table: shape, exact shares, intervals, the caveat."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from policytopics.analysis.composition import Units
from policytopics.analysis.panel import (
    PANEL_COLUMNS,
    cramers_v,
    panel_localities,
    panel_table,
    year_confounding,
)
from policytopics.compute import DaskExecutor

THEMES = ["ecology", "general"]
# 全国: reports in 2012 (two documents) and 2017 (one); 渝北区: a single year.
DOCUMENTS = pd.DataFrame(
    {
        "doc_id": ["n12a", "n12b", "n17", "y21"],
        "locality": ["全国", "全国", "全国", "渝北区"],
        "year": pd.array([2012, 2012, 2017, 2021], dtype="Int64"),
        "doc_type": ["congress_report"] * 3 + ["government_work_report"],
        "language": ["zh"] * 4,
    }
)
# passages: n12a (100 chars ecology, 300 chars general), n12b (200 chars, 0.5),
# n17 (two of 100 chars, both ecology), y21 (one of 50 chars).
PASSAGES = pd.DataFrame(
    {
        "doc_id": ["n12a", "n12a", "n12b", "n17", "n17", "y21"],
        "locality": ["全国", "全国", "全国", "全国", "全国", "渝北区"],
        "year": pd.array([2012, 2012, 2012, 2017, 2017, 2021], dtype="Int64"),
    }
)
PROBS = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5], [1.0, 0.0], [1.0, 0.0], [0.2, 0.8]])
UNITS = Units(
    doc=np.array([0, 0, 1, 2, 2, 3]),
    weight=np.array([100.0, 300.0, 200.0, 100.0, 100.0, 50.0]),
    probs=PROBS,
    pieces=np.array([1, 1, 2, 1, 1, 1]),
)


def panel(documents: pd.DataFrame = DOCUMENTS, seed: int = 9) -> pd.DataFrame:
    return panel_table(
        PASSAGES,
        UNITS,
        THEMES,
        documents,
        min_years=2,
        max_cramers_v=0.5,
        n_bootstrap=400,
        confidence=0.95,
        seed=seed,
    ).table


def test_panel_has_one_row_per_locality_year_and_theme() -> None:
    table = panel()
    assert list(table.columns) == list(PANEL_COLUMNS)
    # 渝北区 has one year: not a panel locality
    assert table[["locality", "year", "theme"]].values.tolist() == [
        ["全国", 2012, "ecology"],
        ["全国", 2012, "general"],
        ["全国", 2017, "ecology"],
        ["全国", 2017, "general"],
    ]
    assert table["n_documents"].tolist() == [2, 2, 1, 1]
    assert table["n_passages"].tolist() == [3, 3, 2, 2]
    # 2012 ecology: (100 * 1 + 300 * 0 + 200 * 0.5) / 600 = 1/3
    assert table["share"].tolist() == pytest.approx([1 / 3, 2 / 3, 1.0, 0.0])
    assert (table["caveat"] == "").all()


def test_intervals_come_from_documents_passages_and_sentence_draws() -> None:
    table = panel()
    ecology = table[table["theme"] == "ecology"]
    bounds = dict(
        zip(ecology["year"], zip(ecology["ci_low"], ecology["ci_high"], strict=True), strict=True)
    )
    # 2017: one document whose passages are all ecology, one-hot: no uncertainty at all
    assert bounds[2017] == (1.0, 1.0)
    # 2012: passage and document draws move it; bounds are attainable values
    low, high = bounds[2012]
    assert 0.0 <= low < 1 / 3 < high <= 1.0


def test_panel_is_deterministic_for_a_seed() -> None:
    # each passage ten times, with probabilities spread over (0.2, 0.8), three sentences each
    rng = np.random.default_rng(2)
    share = rng.uniform(0.2, 0.8, 60)
    passages = PASSAGES.loc[PASSAGES.index.repeat(10)].reset_index(drop=True)
    units = Units(
        doc=np.repeat(UNITS.doc, 10),
        weight=np.repeat(UNITS.weight, 10),
        probs=np.column_stack([share, 1 - share]),
        pieces=np.full(60, 3),
    )

    def run(seed: int) -> pd.DataFrame:
        return panel_table(
            passages,
            units,
            THEMES,
            DOCUMENTS,
            min_years=2,
            max_cramers_v=0.5,
            n_bootstrap=200,
            confidence=0.95,
            seed=seed,
        ).table

    pd.testing.assert_frame_equal(run(9), run(9))
    assert not run(9)["ci_low"].equals(run(10)["ci_low"])


def test_panel_replicates_on_two_local_processes_equal_those_in_process(
    two_processes: DaskExecutor,
) -> None:
    there = panel_table(
        PASSAGES,
        UNITS,
        THEMES,
        DOCUMENTS,
        min_years=2,
        max_cramers_v=0.5,
        n_bootstrap=400,  # 8 chunks of 50
        confidence=0.95,
        seed=9,
        executor=two_processes,
    ).table
    here = panel()
    pd.testing.assert_frame_equal(there, here, check_exact=True)
    assert (here["ci_high"] > here["ci_low"]).any()  # real intervals


def test_panel_localities_need_several_years() -> None:
    assert panel_localities(DOCUMENTS, 2) == ["全国"]
    assert panel_localities(DOCUMENTS, 3) == []
    empty = panel_table(
        PASSAGES,
        UNITS,
        THEMES,
        DOCUMENTS,
        min_years=3,
        max_cramers_v=0.5,
        n_bootstrap=20,
        confidence=0.95,
        seed=1,
    )
    assert empty.table.empty
    assert list(empty.table.columns) == list(PANEL_COLUMNS)


def test_cramers_v_is_one_for_a_perfect_association_and_zero_for_none() -> None:
    assert cramers_v(pd.Series([1, 1, 2, 2]), pd.Series(["a", "a", "b", "b"])) == 1.0
    assert cramers_v(pd.Series([1, 1, 2, 2]), pd.Series(["a", "b", "a", "b"])) == 0.0
    assert cramers_v(pd.Series([1, 2]), pd.Series(["a", "a"])) == 0.0


def test_year_confounded_with_language_gets_a_caveat() -> None:
    # 2017's only document is an English one, which 2012 lacks
    documents = DOCUMENTS.assign(language=["zh", "zh", "en", "zh"])
    found = year_confounding(documents[documents["locality"] == "全国"], "全国", 0.5)
    assert [(c.scope, c.covariate, c.cramers_v) for c in found] == [("全国", "language", 1.0)]
    assert found[0].by_year == {"2012": ["zh"], "2017": ["en"]}
    caveats = panel(documents)["caveat"].unique().tolist()
    assert caveats == [
        "year is confounded with language (Cramér's V 1.00; 2012: zh; 2017: en): "
        "a change between years may be a change of language"
    ]


def test_a_weak_association_gets_no_caveat() -> None:
    # 2012: 3 zh, 1 en; 2017: 2 zh, 1 en. chi2 = 7 (3*1 - 1*2)^2 / (4*3*5*2) = 7/120,
    # V = sqrt(chi2 / 7) = sqrt(1/120) = 0.091: below the threshold
    documents = pd.DataFrame(
        {
            "year": [2012, 2012, 2012, 2012, 2017, 2017, 2017],
            "doc_type": ["report"] * 7,
            "language": ["zh", "zh", "zh", "en", "zh", "zh", "en"],
        }
    )
    assert cramers_v(documents["year"], documents["language"]) == pytest.approx(
        np.sqrt(1 / 120), abs=1e-12
    )
    assert year_confounding(documents, "corpus", 0.5) == []
