"""Topics -> themes on a tiny fixture, and the audit built from the mapping."""

import numpy as np
import pandas as pd
import pytest

from policytopics.text.stem import english_stem
from policytopics.themes.audit import audit_markdown, audit_table, seeds_found
from policytopics.themes.lexicon import load_lexicon
from policytopics.themes.mapping import (
    TopicEvidence,
    embedding_scores,
    map_topics,
    passage_lexicon_scores,
    representative_rows_bertopic,
    representative_rows_lda,
    topic_words,
    word_scores,
)

LEXICON = load_lexicon()
K = len(LEXICON.keys)
IDX = {k: i for i, k in enumerate(LEXICON.keys)}


def one_hot(theme: str) -> np.ndarray:
    v = np.zeros(K)
    v[IDX[theme]] = 1.0
    return v


def test_word_scores_share_the_topic_weight_between_matching_themes() -> None:
    words = [("白酒", 0.5), ("生态保护", 0.3), ("推进", 0.2)]
    scores = word_scores(words, LEXICON)
    # 推进 is no theme's seed: the shares are of the 0.8 that seed terms explain
    assert scores[IDX["liquor_industry"]] == pytest.approx(0.5 / 0.8)
    assert scores[IDX["ecology"]] == pytest.approx(0.3 / 0.8)
    assert scores.sum() == pytest.approx(1.0)
    assert word_scores([("产业生态圈", 1.0)], LEXICON).sum() == 0.0  # a trap word
    # one seed word carrying 5% of the weight is weak evidence: 0.05 / 0.25 of full
    weak = word_scores([("智慧", 0.05), ("城市", 0.95)], LEXICON, full_coverage=0.25)
    assert weak[IDX["digital_economy"]] == pytest.approx(0.2)


def test_passage_lexicon_scores_count_dominant_themes() -> None:
    texts = [
        "建设大数据中心，发展数字经济。",
        "加强生态保护。",
        "各项工作稳步推进。",
        "发展数字经济。",
    ]
    scores = passage_lexicon_scores(texts, LEXICON)
    assert scores[IDX["digital_economy"]] == pytest.approx(2 / 3)  # of the 3 with a theme
    assert scores[IDX["ecology"]] == pytest.approx(1 / 3)
    assert passage_lexicon_scores(["各项工作稳步推进。"], LEXICON).sum() == 0.0


def test_embedding_scores_are_a_softmax_of_mean_similarity() -> None:
    themes = np.eye(3)
    passages = np.array([[1.0, 0.0, 0.0], [0.8, 0.6, 0.0]])
    scores = embedding_scores(passages, themes, temperature=1.0)
    expected = np.exp([0.9, 0.3, 0.0]) / np.exp([0.9, 0.3, 0.0]).sum()
    assert scores == pytest.approx(expected)
    assert embedding_scores(np.zeros((0, 3)), themes, 1.0).tolist() == [0.0, 0.0, 0.0]


def evidence(
    model: str, topic: int, words: list[tuple[str, float]], texts: list[str], theme: str
) -> TopicEvidence:
    return TopicEvidence(model, topic, words, texts, np.vstack([one_hot(theme)] * len(texts)))


def test_map_topics_picks_the_best_theme_or_unmapped() -> None:
    topics = [
        evidence(
            "lda", 0, [("白酒", 0.6), ("酿酒", 0.4)], ["推进白酒产业发展。"], "liquor_industry"
        ),
        evidence("lda", 1, [("推进", 0.5), ("工作", 0.5)], ["各项工作稳步推进。"], "general"),
        evidence("bertopic", -1, [("生态", 1.0)], ["加强生态保护。"], "ecology"),
    ]
    table = map_topics(topics, LEXICON, np.eye(K), (0.4, 0.3, 0.3), temperature=0.05, min_score=0.5)
    rows = table.set_index(["model", "topic"])
    assert rows.loc[("lda", 0), "theme"] == "liquor_industry"
    assert rows.loc[("lda", 0), "word_score"] == 1.0
    assert table["score"].tolist()[0] == 1.0  # words, passages and embedding all agree
    assert rows.loc[("lda", 1), "theme"] == "unmapped"  # only the embedding speaks, too weakly
    assert rows.loc[("lda", 1), "best_theme"] == "general"
    assert rows.loc[("bertopic", -1), "theme"] == "unmapped"  # outliers are never a theme
    assert rows.loc[("bertopic", -1), "best_theme"] == "ecology"


def test_representative_passages_and_topic_words() -> None:
    lda = pd.DataFrame(
        {"passage_id": ["a", "b", "c"], "topic_0": [0.1, 0.9, 0.5], "topic_1": [0.9, 0.1, 0.0]}
    )
    assert representative_rows_lda(lda, 2) == {0: [1, 2], 1: [0, 1]}
    bt = pd.DataFrame(
        {"passage_id": ["a", "b", "c"], "topic": [0, 0, -1], "probability": [0.2, 0.7, 0.0]}
    )
    assert representative_rows_bertopic(bt, 5) == {-1: [2], 0: [1, 0]}
    words = pd.DataFrame(
        {
            "topic": [0, 0, 1],
            "rank": [2, 1, 1],
            "word": ["乙", "甲", "丙"],
            "weight": [0.2, 0.5, 1.0],
        }
    )
    assert topic_words(words, 5) == {0: [("甲", 0.5), ("乙", 0.2)], 1: [("丙", 1.0)]}


def test_audit_shows_carrying_topics_coverage_and_gaps() -> None:
    mapping = pd.DataFrame(
        {
            "model": ["lda", "lda", "bertopic"],
            "topic": [0, 1, 0],
            "theme": ["liquor_industry", "unmapped", "liquor_industry"],
            "score": [0.9, 0.2, 0.8],
            "best_theme": ["liquor_industry", "general", "liquor_industry"],
            "top_words": ["白酒 酿酒", "推进 工作", "白酒 泸州老窖"],
        }
    )
    corpus = ["推进白酒产业发展。", "做强泸州老窖品牌。", "新增四星级酒店3家。"]
    audit = audit_table(mapping, LEXICON, corpus).set_index("theme")
    liquor = audit.loc["liquor_industry"]
    n_seeds = len({s.lower() for s in LEXICON.theme("liquor_industry").seeds})
    assert liquor["lda_topics"] == "0 (0.90)"
    assert liquor["n_bertopic_topics"] == 1
    assert liquor["corpus_coverage"] == round(2 / n_seeds, 3)  # 白酒, 泸州老窖
    assert liquor["topic_word_coverage"] == round(3 / n_seeds, 3)  # 白酒, 酿酒, 泸州老窖
    assert audit.loc["ecology", "n_lda_topics"] == 0
    text = audit_markdown(audit.reset_index(), mapping, ("lda", "bertopic"), LEXICON, ())
    assert "- lda topic 1 (closest: general, score 0.20): 推进 工作" in text
    assert "- lda: ecology, digital_economy" in text
    assert "| liquor_industry | 白酒产业 | 0 (0.90) | 0 (0.80) |" in text


def test_seeds_found_honours_traps() -> None:
    found = seeds_found(["打造产业生态圈。", "新增四星级酒店。"], LEXICON)
    assert found["ecology"] == set()
    assert found["liquor_industry"] == set()
    assert found["services_finance"] == {"酒店"}


def test_audit_says_what_became_of_each_seeded_lda_topic() -> None:
    # topic 0 seeded with ecology and mapped to it; topic 1 seeded with digital economy but its
    # seed terms sit on top of passages about ecology (the prior put them there); topic 2
    # seeded with liquor shows no liquor term at all
    mapping = pd.DataFrame(
        {
            "model": ["lda", "lda", "lda", "bertopic"],
            "topic": [0, 1, 2, 0],
            "theme": ["ecology", "ecology", "agriculture_rural", "ecology"],
            "score": [0.81, 0.46, 0.55, 0.7],
            "best_theme": ["ecology", "ecology", "agriculture_rural", "ecology"],
            "top_words": ["生态环境 污水 推进", "大数据 数字经济 长江 保护", "农业 种植", "生态"],
        }
    )
    audit = audit_table(mapping, LEXICON, ["生态环境", "大数据"])
    seeded = ["ecology", "digital_economy", "liquor_industry"]
    text = audit_markdown(audit, mapping, ("lda", "bertopic"), LEXICON, seeded)
    section = text.split("## Seeded LDA topics\n\n")[1].split("\n\n")[0].splitlines()
    assert section[0] == "- lda topic 0, seeded with ecology: mapped to ecology (0.81), as seeded"
    assert section[1].startswith(
        "- **lda topic 1, seeded with digital_economy, is mapped to ecology (0.46)**: "
        "digital_economy's seed terms (大数据 数字经济) head its word list"
    )
    assert section[2] == (
        "- lda topic 2, seeded with liquor_industry: none of its top words is a "
        "liquor_industry seed term, so the seeding left no mark (the vocabulary holds few or "
        "none); mapped to agriculture_rural (0.55)"
    )
    assert len(section) == 3
    unseeded = audit_markdown(audit, mapping, ("lda", "bertopic"), LEXICON, ())
    assert "LDA was fitted without seeded topics" in unseeded
    # an audit without LDA has no such section
    assert "## Seeded LDA topics" not in audit_markdown(
        audit, mapping, ("bertopic",), LEXICON, seeded
    )


def test_stemmed_english_topic_words_count_with_the_lexicon_as_tokens_spell_it() -> None:
    words = [("ecolog", 0.4), ("pollut", 0.3), ("liquor", 0.2), ("develop", 0.1)]
    tokens = LEXICON.for_tokens(english_stem("snowball"))
    assert word_scores(words, LEXICON)[IDX["ecology"]] == 0.0  # ecolog is no raw seed
    scores = word_scores(words, tokens)
    assert scores[IDX["ecology"]] == pytest.approx(0.7 / 0.9)
    assert scores[IDX["liquor_industry"]] == pytest.approx(0.2 / 0.9)
    mapping = pd.DataFrame(
        {
            "model": ["lda"],
            "topic": [0],
            "theme": ["ecology"],
            "score": [0.7],
            "best_theme": ["ecology"],
            "top_words": ["ecolog pollut environment_protect develop"],
        }
    )
    audit = audit_table(mapping, LEXICON, ["Ecological protection."], ("lda",), tokens)
    ecology = LEXICON.theme("ecology").seeds
    n_seeds = len({s.lower() for s in ecology})
    # ecolog is ecology and ecological, pollut pollution, environment protect the phrase
    found = [s for s in {s.lower() for s in ecology} if s in
             ("ecology", "ecological", "pollution", "environmental protection")]  # fmt: skip
    assert audit.set_index("theme").loc["ecology", "topic_word_coverage"] == round(
        len(found) / n_seeds, 3
    )
