"""Topic stability: matching, reappearance, shares and interval widening on hand-made runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from policytopics.errors import UserError
from policytopics.models import stability as st


def run(
    seed: int,
    vocabulary: list[str],
    weights: list[list[float]],
    passage_topics: list[list[float]] | None = None,
    topics: list[int] | None = None,
) -> st.TopicRun:
    matrix = np.array(weights, dtype=float)
    k = len(matrix)
    mass = np.array(passage_topics if passage_topics is not None else np.eye(k)[[0, 1]], float)
    return st.TopicRun(
        seed=seed,
        topics=topics if topics is not None else list(range(k)),
        vocabulary=vocabulary,
        weights=matrix,
        top_words=[
            [vocabulary[j] for j in np.argsort(-row, kind="stable") if row[j] > 0] for row in matrix
        ],
        passage_ids=["p0", "p1"],
        passage_topics=mass,
        modelled=np.ones(len(mass), dtype=bool),
    )


# Reference topics are the words a, b, c. Run A lists its words in another order and has a
# word (d) the reference lacks: its topic 0 is 3a+4b (cosine 0.6 with a, 0.8 with b), topic
# 1 is a (cosine 1 with a), topic 2 is 5c+12d (cosine 5/13 with c).
REFERENCE = run(42, ["a", "b", "c"], [[1, 0, 0], [0, 1, 0], [0, 0, 1]], [[1, 0, 0], [0, 0.5, 0.5]])
RUN_A = run(1, ["b", "a", "c", "d"], [[4, 3, 0, 0], [0, 1, 0, 0], [0, 0, 5, 12]])
RUN_B = run(2, ["a", "b", "c"], [[0, 0, 2], [0, 3, 0], [1, 0, 0]], topics=[7, 8, 9])


def test_cosine_is_taken_over_the_union_of_both_vocabularies() -> None:
    similarity = st.similarity_matrix(REFERENCE, RUN_A, "cosine", 10)
    expected = [[0.6, 1.0, 0.0], [0.8, 0.0, 0.0], [0.0, 0.0, 5 / 13]]
    np.testing.assert_allclose(similarity, expected, rtol=1e-12, atol=1e-15)


def test_hungarian_matching_maximises_the_total_not_each_row() -> None:
    # Greedy row by row would give reference 0 its best (run 0, 0.9), then reference 1 only
    # 0.1: total 1.3. The assignment swaps them: 0.8 + 0.85 + 0.3 = 1.95.
    similarity = np.array([[0.9, 0.8, 0.0], [0.85, 0.1, 0.0], [0.0, 0.0, 0.3]])
    match = st.match_topics(similarity)
    assert match.run_index.tolist() == [1, 0, 2]
    assert match.similarity.tolist() == [0.8, 0.85, 0.3]


def test_a_reference_topic_left_without_a_partner_gets_no_match() -> None:
    match = st.match_topics(np.array([[0.9], [0.95]]))  # one run topic for two reference ones
    assert match.run_index.tolist() == [st.NO_MATCH, 0]
    assert match.similarity.tolist() == [0.0, 0.95]


def test_reappearance_share_and_mean_similarity_by_hand() -> None:
    runs = [RUN_A, RUN_B]
    matrices = [st.similarity_matrix(REFERENCE, r, "cosine", 10) for r in runs]
    matches = st.match_runs("lda", REFERENCE, runs, matrices, min_similarity=0.5)
    # run A: a -> topic 1 (1.0), b -> topic 0 (0.8), c -> topic 2 (5/13 < 0.5: not reappearing)
    # run B (topics 7, 8, 9 = 2c, 3b, a): a -> 9, b -> 8, c -> 7, all at 1.0
    assert matches["run_topic"].tolist() == [1, 0, 2, 9, 8, 7]
    assert matches["reappears"].tolist() == [True, True, False, True, True, True]
    table = st.topic_stability(REFERENCE, matches, {0: "ecology", 1: "ecology"}, 0.75, 10)
    assert table["theme"].tolist() == ["ecology", "ecology", "unmapped"]
    assert table["top_words"].tolist() == ["a", "b", "c"]
    assert table["reappear_share"].tolist() == [1.0, 1.0, 0.5]
    assert table["mean_similarity"].tolist() == pytest.approx([1.0, 0.9, (5 / 13 + 1) / 2])
    assert table["min_similarity"].tolist() == pytest.approx([1.0, 0.8, 5 / 13])
    assert table["stable"].tolist() == [True, True, False]


def test_jaccard_compares_top_words() -> None:
    similarity = st.jaccard_matrix([["a", "b"], ["c"]], [["b", "a", "d"], ["e"]])
    assert similarity.tolist() == [[2 / 3, 0.0], [0.0, 0.0]]


def test_shares_follow_the_partner_and_themes_follow_the_best_reference_topic() -> None:
    weights, codes = np.array([1.0, 3.0]), np.array([0, 1])
    own = st.topic_shares(REFERENCE, weights, np.zeros(2, dtype=np.int64), 1)[0]
    assert own.tolist() == [0.25, 0.375, 0.375]  # (1*1)/4, (3*0.5)/4, (3*0.5)/4
    by_group = st.topic_shares(REFERENCE, weights, codes, 2)
    assert by_group.tolist() == [[1.0, 0.0, 0.0], [0.0, 0.5, 0.5]]
    # run A: passage 0 all in topic 0, passage 1 all in topic 1
    shares = st.topic_shares(RUN_A, weights, np.zeros(2, dtype=np.int64), 1)
    matrix = st.similarity_matrix(REFERENCE, RUN_A, "cosine", 10)
    matches = st.match_runs("lda", REFERENCE, [RUN_A], [matrix], 0.5)
    partner = st.matched_shares(shares, matches, RUN_A)[0]
    assert partner[:2].tolist() == [0.75, 0.25] and np.isnan(partner[2])  # a->1, b->0, c: none
    ref_themes = ["ecology", "digital_economy", "liquor_industry"]
    run_themes = st.run_topic_themes(matrix, ref_themes, 0.5)
    # topic 0 is closest to b (0.8), topic 1 to a (1.0), topic 2 to nothing above 0.5
    assert run_themes == ["digital_economy", "ecology", st.UNMATCHED_THEME]
    assert st.theme_shares(shares[0], run_themes, ref_themes) == {
        "ecology": 0.75,
        "digital_economy": 0.25,
        "liquor_industry": 0.0,
        st.UNMATCHED_THEME: 0.0,
    }


def test_theme_spread_and_outlier_text() -> None:
    reference = {"ecology": 0.5, st.UNMATCHED_THEME: 0.0}
    runs = [{"ecology": 0.4, st.UNMATCHED_THEME: 0.1}, {"ecology": 0.6}]
    table = st.theme_spread("bertopic", reference, runs)
    assert table["seed_min"].tolist() == [0.4, 0.0]
    assert table["seed_max"].tolist() == [0.6, 0.1]
    assert table["seed_mean"].tolist() == pytest.approx([0.5, 0.05])
    assert table["seed_sd"].tolist() == pytest.approx([np.sqrt(0.02), np.sqrt(0.005)])
    # a passage in no topic (an outlier) is text no theme holds
    shares = st.theme_shares(np.array([0.7]), ["ecology"], ["ecology"])
    assert shares == {"ecology": 0.7, st.UNMATCHED_THEME: 0.3}


def test_seed_spread_counts_only_the_runs_a_topic_reappears_in() -> None:
    per_run = [np.array([[0.1, np.nan]]), np.array([[0.3, np.nan]]), np.array([[0.2, 0.5]])]
    reference = run(42, ["a", "b"], [[1, 0], [0, 1]])
    table = st.seed_spread("lda", ["泸州市"], reference, per_run)
    assert table["topic"].tolist() == [0, 1]
    assert table["seed_min"].tolist() == [0.1, 0.5]
    assert table["seed_max"].tolist() == [0.3, 0.5]
    assert table["seed_sd"].tolist()[0] == pytest.approx(0.1) and np.isnan(table["seed_sd"][1])
    assert table["n_runs"].tolist() == [3, 1]


def test_widen_interval_union_and_variance() -> None:
    point, low, high = np.array([0.2, 0.2]), np.array([0.15, 0.15]), np.array([0.25, 0.25])
    seed_min, seed_max = np.array([0.1, np.nan]), np.array([0.22, np.nan])
    seed_sd = np.array([0.05, np.nan])
    wide_low, wide_high = st.widen_interval(point, low, high, seed_min, seed_max, seed_sd)
    assert wide_low.tolist() == [0.1, 0.15]  # NaN seed figures: the interval stays
    assert wide_high.tolist() == [0.25, 0.25]
    var_low, var_high = st.widen_interval(
        point, low, high, seed_min, seed_max, seed_sd, method="variance", confidence=0.95
    )
    extra = 1.959963984540054 * 0.05
    assert var_low.tolist() == pytest.approx([0.2 - np.hypot(0.05, extra), 0.15])
    assert var_high.tolist() == pytest.approx([0.2 + np.hypot(0.05, extra), 0.25])
    one = [np.array([v]) for v in (0.01, 0.0, 0.02, 0.0, 0.0, 0.5)]
    clipped, _ = st.widen_interval(one[0], one[1], one[2], one[3], one[4], one[5], "variance")
    assert clipped.tolist() == [0.0]


def test_seeds_must_differ_from_each_other_and_from_the_global_seed() -> None:
    st.check_seeds([1, 2, 3], 42)
    with pytest.raises(UserError, match="repeated"):
        st.check_seeds([1, 1], 42)
    with pytest.raises(UserError, match="global seed"):
        st.check_seeds([1, 42], 42)


def layout() -> pd.DataFrame:
    passages = pd.DataFrame(
        {"passage_id": ["p0", "p1"], "locality": ["泸州市", " "], "n_chars": [1, 3]}
    )
    return st.passage_weights(passages, "n_chars", "unknown")


def test_engine_tables_are_deterministic_and_complete() -> None:
    assert layout()["locality"].tolist() == ["泸州市", "unknown"]
    themes = {0: "ecology", 1: "digital_economy", 2: "liquor_industry"}

    def tables() -> st.EngineTables:
        return st.engine_tables(
            "lda",
            REFERENCE,
            [RUN_A, RUN_B],
            themes,
            layout(),
            similarity="cosine",
            top_n=10,
            min_similarity=0.5,
            stable_share=0.75,
        )

    first, second = tables(), tables()
    for name in ("matches", "topics", "themes", "spread", "runs"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name))
    assert list(first.topics.columns) == list(st.TOPIC_COLUMNS)
    assert first.topics["reference_share"].tolist() == [0.25, 0.375, 0.375]
    # a: 0.75 in run A (topic 1), 0 in run B (topic 9); b: 0.25 (topic 0) and 0.75 (topic 8)
    assert first.topics["seed_share_min"].tolist()[:2] == [0.0, 0.25]
    assert first.topics["seed_share_max"].tolist()[:2] == [0.75, 0.75]
    assert first.metrics["unstable_topics"] == 1
    assert first.metrics["mean_reappearance"] == pytest.approx(round(2.5 / 3, 6))
    themes_table = first.themes.set_index("theme")
    assert themes_table.loc["ecology", "seed_min"] == 0.0  # run B: its topic 9 (a) is empty
    assert themes_table.loc[st.UNMATCHED_THEME, "reference_share"] == 0.0
    assert len(first.spread) == 2 * 3  # two localities x three reference topics
    outputs = st.StabilityOutputs({"lda": first})
    assert outputs.topics("bertopic").columns.tolist() == list(st.TOPIC_COLUMNS)
    assert len(outputs.combined("runs")) == 2
    assert outputs.metrics([1, 2], "cosine", "off")["lda"] == first.metrics


def test_no_engine_gives_empty_tables_and_a_note() -> None:
    outputs = st.StabilityOutputs({})
    assert outputs.combined("themes").columns.tolist() == list(st.THEME_COLUMNS)
    assert outputs.combined("themes").empty
    assert outputs.metrics([], "cosine", "nothing refitted") == {
        "seeds": [],
        "similarity": "cosine",
        "note": "nothing refitted",
    }
    assert outputs.summary() == "stability: off (stability.seeds is empty)"
