from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from policytopics.config import ComputeParams, LdaParams
from policytopics.errors import UserError
from policytopics.models import lda, lda_sweep
from policytopics.models.lda_sweep import SweepPoint, select_num_topics

ECOLOGY = ["生态", "长江", "污染", "保护", "湿地"]
DIGITAL = ["数字", "大数据", "电子信息", "软件", "算力"]


def rotated(words: list[str], n_docs: int) -> list[list[str]]:
    """Documents of 4 words each, cycling through `words`, so every word co-occurs."""
    return [[words[(i + j) % len(words)] for j in range(4)] for i in range(n_docs)]


TEXTS = rotated(ECOLOGY, 12) + rotated(DIGITAL, 12)
PARAMS = LdaParams(num_topics=[2], min_df=1, max_df=0.9, passes=20, chunksize=24)


def fit_two_topics(texts: list[list[str]] = TEXTS, seed: int = 7) -> lda.LdaFit:
    dictionary = lda.build_dictionary(texts, PARAMS.min_df, PARAMS.max_df, PARAMS.keep_n)
    return lda.fit_lda(lda.to_bows(dictionary, texts), dictionary, 2, PARAMS, seed)


def test_lda_finds_the_two_word_groups() -> None:
    fit = fit_two_topics()
    groups = sorted(sorted(w for w, _ in words) for words in lda.topic_words(fit, 5))
    assert groups == sorted([sorted(ECOLOGY), sorted(DIGITAL)])


def test_same_seed_gives_identical_topic_tables() -> None:
    first = lda_sweep.topics_table(fit_two_topics(), 5)
    second = lda_sweep.topics_table(fit_two_topics(), 5)
    pd.testing.assert_frame_equal(first, second)
    assert list(first.columns) == ["topic", "rank", "word", "weight"]
    assert first["rank"].tolist()[:5] == [1, 2, 3, 4, 5]


def test_every_passage_gets_a_distribution_and_a_status() -> None:
    fit = fit_two_topics()
    tokens = [ECOLOGY[:3], [], ["未知词"], ["sustainability"], DIGITAL[:3]]
    table = lda_sweep.doc_topics_table(
        fit, ["a", "b", "c", "d", "e"], tokens, ["zh", "zh", "zh", "en", "zh"], ["zh"]
    )
    assert table["passage_id"].tolist() == ["a", "b", "c", "d", "e"]
    assert list(table.columns) == ["passage_id", "topic_0", "topic_1", "status"]
    assert table["status"].tolist() == [
        "modelled",
        "empty",
        "no_vocabulary",
        "other_language",
        "modelled",
    ]
    matrix = table[["topic_0", "topic_1"]].to_numpy()
    np.testing.assert_allclose(matrix.sum(axis=1), 1.0)
    for row in (1, 2, 3):  # not modelled: the model's prior
        np.testing.assert_allclose(matrix[row], lda.prior(fit))
    # the ecology and the digital passage lean to different topics
    assert matrix[0].argmax() != matrix[4].argmax()
    assert matrix[0].max() > 0.8 and matrix[4].max() > 0.8


def test_document_topics_do_not_depend_on_earlier_inference() -> None:
    fit = fit_two_topics()
    bows = lda.to_bows(fit.dictionary, [ECOLOGY[:2] + DIGITAL[:2]])
    first = lda.document_topics(fit, bows)
    lda.document_topics(fit, lda.to_bows(fit.dictionary, TEXTS))
    np.testing.assert_array_equal(lda.document_topics(fit, bows), first)


def test_save_load_roundtrip_keeps_topics_and_distributions(tmp_path: Path) -> None:
    fit = fit_two_topics()
    lda_sweep.save_fit(fit, tmp_path / "lda")
    loaded = lda_sweep.load_fit(tmp_path / "lda")
    assert isinstance(loaded, lda.LdaFit)
    pd.testing.assert_frame_equal(lda_sweep.topics_table(loaded, 5), lda_sweep.topics_table(fit, 5))
    bows = lda.to_bows(fit.dictionary, TEXTS)
    np.testing.assert_array_equal(lda.document_topics(loaded, bows), lda.document_topics(fit, bows))


def test_load_from_an_empty_directory_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no LDA model"):
        lda_sweep.load_fit(tmp_path)


def test_seeded_eta_boosts_each_themes_words_in_its_topic() -> None:
    dictionary = lda.build_dictionary(TEXTS, 1, 1.0, 100)
    eta = lda.seeded_eta(dictionary, 3, 0.1, [["生态", "不在词典"], ["数字"]], 5.0)
    assert eta.shape == (3, len(dictionary))
    assert eta[0, dictionary.token2id["生态"]] == 5.0
    assert eta[1, dictionary.token2id["数字"]] == 5.0
    assert eta[1, dictionary.token2id["生态"]] == 0.1
    assert (eta == 5.0).sum() == 2
    with pytest.raises(UserError, match="at least as many topics"):
        lda.seeded_eta(dictionary, 1, 0.1, [["生态"], ["数字"]], 5.0)


def test_dictionary_filtering_that_leaves_nothing_is_a_user_error() -> None:
    with pytest.raises(UserError, match="no word is left"):
        lda.build_dictionary(TEXTS, 100, 0.5, 100)


def point(k: int, c_v: float, diversity: float = 1.0, c_npmi: float = 0.0) -> SweepPoint:
    return SweepPoint(num_topics=k, c_v=c_v, c_npmi=c_npmi, diversity=diversity)


def test_k_selection_takes_the_best_score_and_the_smaller_k_on_ties() -> None:
    points = [point(10, 0.5), point(15, 0.6), point(20, 0.6), point(25, 0.55)]
    assert select_num_topics(points, "c_v").num_topics == 15
    by_npmi = [point(10, 0.5, c_npmi=0.1), point(15, 0.6, c_npmi=0.05)]
    assert select_num_topics(by_npmi, "c_npmi").num_topics == 10
    assert select_num_topics([point(10, float("nan")), point(15, 0.1)], "c_v").num_topics == 15
    # differences below the 6 decimals written to metrics.json are ties
    assert select_num_topics([point(10, 0.5), point(15, 0.5 + 1e-9)], "c_v").num_topics == 10


def test_k_selection_skips_low_diversity_unless_nothing_is_left() -> None:
    points = [point(10, 0.5, 0.8), point(15, 0.7, 0.4)]
    assert select_num_topics(points, "c_v", min_diversity=0.5).num_topics == 10
    assert select_num_topics(points, "c_v", min_diversity=0.9).num_topics == 15


def test_sweep_scores_every_k_with_the_shared_quality_measures() -> None:
    params = PARAMS.model_copy(update={"num_topics": [3, 2], "coherence_top_n": 5})
    dictionary, points, fits = lda_sweep.sweep([*TEXTS, []], params, seed=1, progress=False)
    assert [p.num_topics for p in points] == [2, 3]
    assert sorted(fits) == [2, 3]
    two = points[0]
    assert two.c_npmi > 0.3  # the two recovered groups co-occur perfectly
    assert two.diversity == 0.5  # each topic's top 25 holds all 10 words: 10 unique of 20
    assert len(dictionary) == 10


def test_sweep_rejects_a_bad_topic_list() -> None:
    with pytest.raises(UserError, match=r"lda\.num_topics"):
        lda_sweep.sweep(TEXTS, PARAMS.model_copy(update={"num_topics": [1]}), 1, progress=False)


@pytest.mark.parametrize(
    ("n_passages", "n_seeded", "expected"),
    [
        (1174, 3, [15, 20, 25, 30]),  # the seeds: the sweep set before auto
        (2942, 3, [15, 30, 45, 60]),
        (5772, 3, [15, 30, 45, 60]),  # capped at 60 topics
        (600, 3, [7, 10, 12, 15]),
        (100, 3, [3, 4, 5]),  # never below the seeded themes
        (100, 13, [13]),
        (24, 0, [2, 3, 4, 5]),
    ],
)
def test_auto_sweep_scales_with_the_corpus(
    n_passages: int, n_seeded: int, expected: list[int]
) -> None:
    assert lda_sweep.sweep_values("auto", n_passages, n_seeded) == expected


def test_an_explicit_sweep_is_kept_sorted_and_deduplicated() -> None:
    assert lda_sweep.sweep_values([30, 15, 15], 5772, 3) == [15, 30]
    with pytest.raises(UserError, match=r"lda\.num_topics: need auto or a list"):
        lda_sweep.sweep_values([], 100, 0)


def test_sweep_on_two_local_processes_equals_the_sweep_in_process() -> None:
    params = PARAMS.model_copy(update={"num_topics": [2, 3, 4]})
    _, here, here_fits = lda_sweep.sweep(TEXTS, params, seed=1, progress=False)
    parallel = ComputeParams(workers=2, min_local_tasks=1)  # one K per task, largest first
    _, there, there_fits = lda_sweep.sweep(TEXTS, params, 1, progress=False, compute=parallel)
    assert there == here
    for k in (2, 3, 4):
        there_table = lda_sweep.topics_table(there_fits[k], 5)
        pd.testing.assert_frame_equal(there_table, lda_sweep.topics_table(here_fits[k], 5))


def test_auto_sweep_fits_the_scaled_range() -> None:
    params = PARAMS.model_copy(update={"num_topics": "auto", "coherence_top_n": 5})
    _, points, fits = lda_sweep.sweep(TEXTS, params, seed=1, progress=False)
    assert [p.num_topics for p in points] == [2, 3, 4, 5] == sorted(fits)  # 24 passages
