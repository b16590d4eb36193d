"""Sentence-level theme scoring: inputs per sentence, char-weighted passage means, fallback."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _theme_fixtures import FakeEmbedder

from policytopics.config import TokenizeParams
from policytopics.errors import UserError
from policytopics.text.tokenize import build_tokenizer
from policytopics.themes.classifier import ThemeClassifier, ThemeInputs
from policytopics.themes.lexicon import load_lexicon
from policytopics.themes.sentences import (
    SentenceTable,
    char_weighted_mean,
    score_sentences,
    sentence_inputs_from_tables,
)

TEN = "推进白酒产业集群发展。"[:10]  # 10 characters
THIRTY = "加强长江流域生态保护修复，推进岸线整治，打好蓝天保卫战，全面落实河长制。"[:30]


class FixedClassifier(ThemeClassifier):
    """Returns a fixed probability row per text (columns in lexicon order)."""

    def __init__(self, rows: dict[str, dict[str, float]]) -> None:
        super().__init__(load_lexicon(None))
        self.rows = rows

    def predict_proba(self, inputs: ThemeInputs) -> np.ndarray:
        out = np.zeros((len(inputs), len(self.keys)))
        for i, text in enumerate(inputs.texts):
            for key, p in self.rows[text].items():
                out[i, self.keys.index(key)] = p
        return out


def test_fixture_sentence_lengths() -> None:
    assert (len(TEN), len(THIRTY)) == (10, 30)


def test_char_weighted_mean_is_exact_and_flags_passages_without_text() -> None:
    proba = np.array([[0.8, 0.2], [0.2, 0.8], [0.5, 0.5]])
    means, empty = char_weighted_mean(["a", "a", "c"], [10, 30, 0], proba, ["a", "b", "c"])
    # a: (10 * 0.8 + 30 * 0.2) / 40 = 0.35 ; (10 * 0.2 + 30 * 0.8) / 40 = 0.65
    np.testing.assert_allclose(means[0], [0.35, 0.65], rtol=0, atol=1e-12)
    assert empty.tolist() == [False, True, True]
    assert means[1:].tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_score_sentences_weights_by_characters_and_falls_back_per_passage() -> None:
    classifier = FixedClassifier(
        {TEN: {"liquor_industry": 0.9, "general": 0.1}, THIRTY: {"ecology": 1.0}}
    )
    keys = classifier.keys
    sentences = pd.DataFrame(
        {
            "sentence_id": ["d/p0/s0", "d/p0/s1"],
            "passage_id": ["d/p0", "d/p0"],
            "text": [TEN, THIRTY],
        }
    )
    inputs = ThemeInputs([TEN, THIRTY], np.zeros((2, 4), np.float32), [["白酒"], ["生态"]])
    passage_proba = np.zeros((2, len(keys)))
    passage_proba[:, keys.index("manufacturing")] = 1.0  # the passage-level rows
    scored = score_sentences(
        classifier, SentenceTable(sentences, inputs, 0), ["d/p0", "d/p1"], passage_proba
    )
    first = dict(zip(keys, scored.passage_proba[0], strict=True))
    assert first["liquor_industry"] == pytest.approx(10 * 0.9 / 40, abs=1e-12)  # 0.225
    assert first["general"] == pytest.approx(10 * 0.1 / 40, abs=1e-12)  # 0.025
    assert first["ecology"] == pytest.approx(30 / 40, abs=1e-12)  # 0.75
    assert scored.passage_proba[0].sum() == pytest.approx(1.0)
    # d/p1 has no sentence: it keeps its passage-level row
    assert scored.fallback.tolist() == [False, True]
    assert scored.passage_proba[1].tolist() == passage_proba[1].tolist()
    table = scored.sentence_themes
    assert table.columns[:3].tolist() == ["sentence_id", "passage_id", "theme"]
    assert table["theme"].tolist() == ["liquor_industry", "ecology"]
    assert [c for c in table.columns if c.startswith("p_")] == [f"p_{k}" for k in keys]


def test_sentence_inputs_align_by_passage_language_and_drop_unknown_passages() -> None:
    passages = pd.DataFrame({"passage_id": ["z/p0", "e/p0"], "language": ["zh", "en"]})
    passage_inputs = ThemeInputs(
        ["发展数字经济。建设数据中心。", "Protect the ecology."],
        np.array([[0.6, 0.8], [0.8, 0.6]], np.float32),
        [["数字经济"], ["ecology"]],
        ["第三章 数字经济", ""],
    )
    sentences = pd.DataFrame(
        {
            "sentence_id": ["z/p0/s0", "e/p0/s0", "gone/p0/s0"],
            "passage_id": ["z/p0", "e/p0", "gone/p0"],
            "text": ["发展数字经济。", "Protect the ecology.", "多余的句子。"],
        }
    )
    embeddings = pd.DataFrame(
        {
            "sentence_id": ["z/p0/s0", "e/p0/s0", "gone/p0/s0"],
            "embedding": [np.array([1.0, 1.0], np.float32)] * 3,
        }
    )
    anchors = {"zh": np.array([1.0, 0.0], np.float32), "en": np.array([0.0, 1.0], np.float32)}
    tokenizer = build_tokenizer(TokenizeParams())
    table = sentence_inputs_from_tables(
        sentences, passages, passage_inputs, embeddings, tokenizer, anchors
    )
    assert table.dropped == 1
    assert table.sentences["sentence_id"].tolist() == ["z/p0/s0", "e/p0/s0"]
    assert table.inputs.embeddings.tolist() == [[0.0, 1.0], [1.0, 0.0]]  # anchor removed
    assert table.inputs.tokens[0] == tokenizer.tokenize("发展数字经济。", "zh")
    assert table.inputs.tokens[1] == tokenizer.tokenize("Protect the ecology.", "en")
    # each sentence's context is its passage's heading path and (aligned) passage embedding
    assert table.inputs.contexts == ["第三章 数字经济", ""]
    assert table.inputs.passages.tolist() == passage_inputs.embeddings.tolist()
    with pytest.raises(UserError, match="1 sentences lack embeddings"):
        sentence_inputs_from_tables(
            sentences, passages, passage_inputs, embeddings.iloc[1:], tokenizer, None
        )


def test_sentence_inputs_use_the_given_vectors_unaligned_without_anchors() -> None:
    passages = pd.DataFrame({"passage_id": ["z/p0"], "language": ["zh"]})
    sentences = pd.DataFrame(
        {"sentence_id": ["z/p0/s0"], "passage_id": ["z/p0"], "text": ["建设大数据中心。"]}
    )
    vector = FakeEmbedder().embed(["建设大数据中心。"])[0]
    embeddings = pd.DataFrame({"sentence_id": ["z/p0/s0"], "embedding": [vector]})
    tokenizer = build_tokenizer(TokenizeParams())
    passage_inputs = ThemeInputs(["建设大数据中心。"], vector[None, :], [["数据"]])
    table = sentence_inputs_from_tables(
        sentences, passages, passage_inputs, embeddings, tokenizer, None
    )
    assert np.array_equal(table.inputs.embeddings[0], vector)
