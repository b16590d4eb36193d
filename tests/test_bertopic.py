"""BERTopic layer on a tiny hand-made corpus with synthetic embeddings (no model is loaded)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from policytopics.config import BertopicParams, HdbscanParams, OutlierParams, UmapParams
from policytopics.errors import UserError
from policytopics.models.bertopic import (
    AnchoredEmbedder,
    TopicFit,
    fit_topics,
    load_topic_model,
    predict_topics,
    resolve_min_cluster_size,
    save_topic_model,
    select_vocabulary,
    token_documents,
    topic_table,
    topic_words,
)
from policytopics.models.embed import Kind

SUBJECTS = {
    "ecology": ["生态", "保护", "长江", "修复", "污染", "河长制"],
    "digital": ["数字", "经济", "数据", "智慧", "平台", "5G"],
    "liquor": ["白酒", "酱香", "酒业", "品牌", "集群", "窖池"],
}
PER_SUBJECT = 20
N_STRAYS = 6


def tiny_corpus() -> tuple[list[list[str]], np.ndarray, list[str]]:
    """60 passages on three subjects (tight embedding clusters) plus 6 scattered strays."""
    rng = np.random.default_rng(0)
    tokens: list[list[str]] = []
    vectors: list[np.ndarray] = []
    subjects: list[str] = []
    for k, (subject, words) in enumerate(SUBJECTS.items()):
        centre = np.zeros(16)
        centre[k * 4 : k * 4 + 4] = 1.0
        for i in range(PER_SUBJECT):
            tokens.append([words[i % 6], words[(i + 1) % 6], words[(i + 2) % 6], "推进"])
            vectors.append(centre + rng.normal(0, 0.05, 16))
            subjects.append(subject)
    stray_rng = np.random.default_rng(1)
    stray_centre = np.zeros(16)
    stray_centre[12:] = 1.0
    stray_centre[:4] = 0.6  # a small group off the ecology cluster, too small to be a topic
    for i in range(N_STRAYS):
        tokens.append([SUBJECTS["ecology"][i], "推进"])
        vectors.append(stray_centre + stray_rng.normal(0, 0.3, 16))
        subjects.append("stray")
    matrix = np.array(vectors)
    return (
        tokens,
        (matrix / np.linalg.norm(matrix, axis=1, keepdims=True)).astype(np.float32),
        subjects,
    )


PARAMS = BertopicParams(
    umap=UmapParams(n_neighbors=5, n_components=2, min_dist=0.0, metric="cosine"),
    hdbscan=HdbscanParams(min_cluster_size=8, min_samples=10),
    outliers=OutlierParams(strategy="embeddings", threshold=0.0),
    top_words=5,
    min_df=2,
    max_df=0.9,
)


@pytest.fixture(scope="module")
def fitted() -> TopicFit:
    tokens, embeddings, _ = tiny_corpus()
    return fit_topics(token_documents(tokens), embeddings, PARAMS, seed=42)


def test_token_documents_join_tokens_and_protect_inner_spaces() -> None:
    assert token_documents([["生态", "保护"], ["smart city", "数据"], []]) == [
        "生态 保护",
        "smart_city 数据",
        "",
    ]


def test_select_vocabulary_mirrors_lda_filtering() -> None:
    docs = ["生态 保护 推进", "生态 推进", "数字 推进", "生态 数据"]
    assert select_vocabulary(docs, min_df=2, max_df=0.75) == ["推进", "生态"]
    assert select_vocabulary(docs, min_df=1, max_df=0.5) == ["保护", "数字", "数据"]
    with pytest.raises(UserError, match="min_df"):
        select_vocabulary(docs, min_df=9, max_df=0.5)


def test_three_subjects_become_three_chinese_topics(fitted: TopicFit) -> None:
    _, _, subjects = tiny_corpus()
    words = topic_words(fitted.model, 6)
    assert len(words) == 3
    for topic, pairs in words.items():
        members = {s for s, t in zip(subjects, fitted.topics, strict=True) if t == topic}
        members.discard("stray")
        assert len(members) == 1  # every topic is one subject
        (subject,) = members
        assert {w for w, _ in pairs} <= set(SUBJECTS[subject])  # Chinese words survive


def test_outliers_are_reduced_and_reported(fitted: TopicFit) -> None:
    assert fitted.outlier_share_before > 0
    assert fitted.outlier_share_after == 0.0
    _, _, subjects = tiny_corpus()
    moved = [b != a for b, a in zip(fitted.topics_before, fitted.topics, strict=True)]
    assert all(b == -1 for b, m in zip(fitted.topics_before, moved, strict=True) if m)
    ecology = fitted.topics[0]
    assert {t for t, s in zip(fitted.topics, subjects, strict=True) if s == "stray"} == {ecology}
    assert fitted.probability.shape == (PER_SUBJECT * 3 + N_STRAYS,)
    assert ((fitted.probability >= 0) & (fitted.probability <= 1)).all()


def test_no_reduction_keeps_outliers() -> None:
    tokens, embeddings, _ = tiny_corpus()
    params = PARAMS.model_copy(update={"outliers": OutlierParams(strategy="none")})
    fit = fit_topics(token_documents(tokens), embeddings, params, seed=42)
    assert fit.topics == fit.topics_before and fit.outlier_share_after > 0


def test_same_seed_same_assignments(fitted: TopicFit) -> None:
    tokens, embeddings, _ = tiny_corpus()
    again = fit_topics(token_documents(tokens), embeddings, PARAMS, seed=42)
    assert again.topics_before == fitted.topics_before and again.topics == fitted.topics
    assert topic_table(again.model, 5).equals(topic_table(fitted.model, 5))


def test_reloaded_model_predicts_like_the_fitted_one(fitted: TopicFit, tmp_path: Path) -> None:
    _, embeddings, _ = tiny_corpus()
    anchors = {"zh": np.zeros(16, np.float32), "en": np.ones(16, np.float32)}
    save_topic_model(fitted.model, tmp_path / "model", anchors, {0: ["生态保护。"]})
    model, loaded_anchors = load_topic_model(tmp_path / "model")
    before, _ = predict_topics(fitted.model, embeddings)
    after, scores = predict_topics(model, embeddings)
    assert after == before
    assert (scores > 0).all()
    assert loaded_anchors is not None and np.array_equal(loaded_anchors["en"], anchors["en"])
    assert topic_table(model, 5).equals(topic_table(fitted.model, 5))


def test_centroid_prediction_agrees_with_clean_training_passages(fitted: TopicFit) -> None:
    _, embeddings, subjects = tiny_corpus()
    predicted, _ = predict_topics(fitted.model, embeddings)
    clean = [i for i, s in enumerate(subjects) if s != "stray"]
    assert [predicted[i] for i in clean] == [fitted.topics[i] for i in clean]


def test_topic_table_columns_and_ranks(fitted: TopicFit) -> None:
    table = topic_table(fitted.model, 3)
    assert list(table.columns) == ["topic", "rank", "word", "weight"]
    assert table.groupby("topic")["rank"].apply(list).tolist() == [[1, 2, 3]] * 3


def test_loading_a_missing_model_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no saved BERTopic model"):
        load_topic_model(tmp_path / "models/bertopic")


def test_mismatched_inputs_are_user_errors() -> None:
    tokens, embeddings, _ = tiny_corpus()
    with pytest.raises(UserError, match="embeddings"):
        fit_topics(token_documents(tokens), embeddings[:5], PARAMS, seed=1)


class SubjectEmbedder:
    """Embeds seed-word lists onto the tiny corpus's subject centres (guided mode)."""

    name = "fake/subjects"

    def embed(self, texts: Sequence[str], kind: Kind = "passage") -> np.ndarray:
        rows = []
        for text in texts:
            k = next(i for i, words in enumerate(SUBJECTS.values()) if words[0] in text)
            row = np.zeros(16, np.float32)
            row[k * 4 : k * 4 + 4] = 0.5
            rows.append(row)
        return np.array(rows)


def test_guided_mode_uses_seed_words_and_is_not_saved(tmp_path: Path) -> None:
    tokens, embeddings, subjects = tiny_corpus()
    seeds = [["生态", "保护"], ["白酒", "酱香"]]
    embedder = AnchoredEmbedder(SubjectEmbedder(), None)
    fit = fit_topics(token_documents(tokens), embeddings, PARAMS, 42, seeds, embedder)
    by_subject = {
        s: {t for t, x in zip(fit.topics, subjects, strict=True) if x == s} for s in SUBJECTS
    }
    assert all(len(v) == 1 for v in by_subject.values())
    assert len(set().union(*by_subject.values())) == 3
    save_topic_model(fit.model, tmp_path / "m", None)
    model, anchors = load_topic_model(tmp_path / "m")
    assert model.seed_topic_list is None and anchors is None


def test_passages_left_out_of_the_fit_are_assigned_to_their_subject() -> None:
    tokens, embeddings, _ = tiny_corpus()
    mask = [i not in (2, 45) for i in range(len(tokens))]  # an ecology and a liquor passage
    fit = fit_topics(token_documents(tokens), embeddings, PARAMS, 42, fit_mask=mask)
    assert fit.fitted.tolist() == mask
    assert fit.topics[2] == fit.topics[0] and fit.topics[45] == fit.topics[44]
    assert fit.topics_before[2] == fit.topics[2]  # never clustered, so never an outlier
    assert fit.model.topics_ == fit.topics and 0 <= fit.probability[2] <= 1


@pytest.mark.parametrize(
    ("n_fitted", "expected"), [(60, 10), (1174, 10), (1500, 12), (2942, 25), (5772, 48)]
)
def test_auto_min_cluster_size_grows_with_the_corpus(n_fitted: int, expected: int) -> None:
    assert resolve_min_cluster_size("auto", n_fitted) == expected


def test_a_set_min_cluster_size_is_kept_and_checked() -> None:
    assert resolve_min_cluster_size(8, 5772) == 8
    with pytest.raises(UserError, match=r"bertopic\.hdbscan\.min_cluster_size must be auto"):
        resolve_min_cluster_size(1, 100)


def test_auto_min_cluster_size_is_recorded(fitted: TopicFit) -> None:
    tokens, embeddings, _ = tiny_corpus()
    params = PARAMS.model_copy(update={"hdbscan": HdbscanParams(min_cluster_size="auto")})
    fit = fit_topics(token_documents(tokens), embeddings, params, seed=42)
    assert (fit.min_cluster_size, fit.n_clusters) == (10, 3)
    assert (fitted.min_cluster_size, fitted.n_clusters) == (8, 3)


def test_more_topics_than_nr_topics_are_merged() -> None:
    tokens, embeddings, subjects = tiny_corpus()
    params = PARAMS.model_copy(update={"nr_topics": 2})
    fit = fit_topics(token_documents(tokens), embeddings, params, seed=42)
    assert fit.n_clusters == 3
    assert sorted(set(fit.topics)) == [0, 1]
    assert sorted(set(fit.topics_before)) == [-1, 0, 1]  # merged before outlier reduction
    by_subject = {
        s: {t for t, x in zip(fit.topics, subjects, strict=True) if x == s} for s in SUBJECTS
    }
    assert all(len(v) == 1 for v in by_subject.values())  # a subject is never split
    assert len(topic_words(fit.model, 5)) == 2
    again = fit_topics(token_documents(tokens), embeddings, params, seed=42)
    assert again.topics == fit.topics and again.topics_before == fit.topics_before


@pytest.mark.parametrize("nr_topics", [3, 40, "none"])
def test_nr_topics_at_or_above_the_clusters_changes_nothing(
    fitted: TopicFit, nr_topics: int | str
) -> None:
    tokens, embeddings, _ = tiny_corpus()
    params = PARAMS.model_copy(update={"nr_topics": nr_topics})
    fit = fit_topics(token_documents(tokens), embeddings, params, seed=42)
    assert fit.topics_before == fitted.topics_before and fit.topics == fitted.topics


def test_nr_topics_below_two_is_a_user_error() -> None:
    tokens, embeddings, _ = tiny_corpus()
    params = PARAMS.model_copy(update={"nr_topics": 1})
    with pytest.raises(UserError, match=r"bertopic\.nr_topics must be auto, none or an integer"):
        fit_topics(token_documents(tokens), embeddings, params, seed=42)


def test_nr_topics_auto_lets_bertopic_merge_and_stays_deterministic() -> None:
    tokens, embeddings, subjects = tiny_corpus()
    params = PARAMS.model_copy(update={"nr_topics": "auto"})
    fit = fit_topics(token_documents(tokens), embeddings, params, seed=42)
    again = fit_topics(token_documents(tokens), embeddings, params, seed=42)
    assert fit.topics == again.topics and fit.n_clusters == 3
    assert 1 <= len(set(fit.topics)) <= 3 and -1 not in fit.topics
    by_subject = {
        s: {t for t, x in zip(fit.topics, subjects, strict=True) if x == s} for s in SUBJECTS
    }
    assert all(len(v) == 1 for v in by_subject.values())


def test_a_corpus_too_small_for_any_topic_is_a_one_line_user_error() -> None:
    """12 scattered passages cannot hold two clusters of 8: HDBSCAN finds none."""
    tokens, embeddings, _ = tiny_corpus()
    with pytest.raises(UserError) as raised:
        fit_topics(token_documents(tokens[:12]), embeddings[::5][:12], PARAMS, seed=42)
    assert str(raised.value) == (
        "bertopic: HDBSCAN found no topic among the 12 fitted passages (min_cluster_size 8): "
        "add documents, or lower bertopic.hdbscan.min_cluster_size in params.yaml"
    )
