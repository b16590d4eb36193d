"""Evaluation by document: labels placed in documents, by-document splits, leave-one-corpus-out,
intervals that resample documents, folds grouped by document, and the fits as executor tasks
(two local processes give the serial floats)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import partial
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
from _theme_fixtures import SENTENCES, FakeEmbedder, passages_frame

from policytopics.compute import DaskExecutor
from policytopics.config import (
    ClassifierModelParams,
    EvaluationParams,
    TokenizeParams,
)
from policytopics.text.tokenize import build_tokenizer
from policytopics.themes.bundle import prepare_inputs
from policytopics.themes.by_document import (
    clustered_f1_intervals,
    evaluate_documents,
    grouped_cross_validate,
    grouped_cross_validate_proba,
    headline_metrics,
)
from policytopics.themes.classifier import ThemeClassifier, ThemeInputs
from policytopics.themes.documents import corpus_rows, hash_is_test, place_labels
from policytopics.themes.evaluate import FitTask, Scoring, TrainingData, run_fits
from policytopics.themes.lexicon import load_lexicon

LEXICON = load_lexicon()
TOKENIZER = build_tokenizer(TokenizeParams())
EVALUATION = EvaluationParams(f1_bootstrap=200, min_test_per_theme=2)


def labels(texts: Sequence[str], **columns: Sequence[str] | str) -> pd.DataFrame:
    frame = pd.DataFrame({"text": list(texts), "theme": "general", "split": "train"})
    for name, values in columns.items():
        frame[name] = values if isinstance(values, str) else list(values)
    return frame


def test_the_hash_rule_is_fixed() -> None:
    # sha256 mod 1000 of doc0 is 645, of doc1 10: with a 40% test share doc1 alone is test
    assert int(hashlib.sha256(b"doc1").hexdigest(), 16) % 1000 == 10
    assert [hash_is_test(d, 0.4) for d in ("doc0", "doc1", "doc2")] == [False, True, False]


def test_labels_are_placed_in_their_document_and_a_document_is_never_split() -> None:
    passages = passages_frame()  # passage i is SENTENCES[i], in doc{i % 2}
    texts = [t for _, t in SENTENCES[:8]] + [
        "第八篇筑牢长江上游生态屏障新基础",
        "不在语料里的句子。",
    ]
    # the file's own split is sentence-wise: doc1's sentences are on both sides of it
    split = ["train", "test"] * 5
    placed = place_labels(
        labels(texts, split=split, corpus="seeds", document="", doc_split=""), passages, 0.4
    )
    digest = hashlib.sha256("不在语料里的句子".encode()).hexdigest()[:16]
    assert placed["document"].tolist() == [
        *(["doc0", "doc1"] * 4),
        "doc0",  # a heading: found in the document's section paths
        f"unplaced:seeds:{digest}",
    ]
    assert placed["doc_split"].tolist() == [
        *(["train", "test"] * 4),
        "train",
        "test" if hash_is_test(f"unplaced:seeds:{digest}", 0.4) else "train",
    ]
    assert placed.groupby("document")["doc_split"].nunique().max() == 1
    assert placed["split"].tolist() == split  # the sentence-wise split is kept as it was
    assert not placed["split_by_document"].any()


def test_a_file_split_by_document_keeps_its_split() -> None:
    hand = labels(
        ["加强生态文明建设。", "发展数字经济。"],
        split=["test", "train"],
        corpus="cpc",
        document=["congress_18", "congress_19"],
        doc_split=["test", "train"],
    )
    placed = place_labels(hand, passages_frame(), 0.4)
    assert placed["doc_split"].tolist() == ["test", "train"]
    assert placed["split_by_document"].tolist() == [True, True]


def test_leave_one_corpus_out_rows() -> None:
    hand = labels(["a", "b", "c", "d"], corpus=["seeds", "cpc", "seeds", "policy"])
    assert corpus_rows(hand, "seeds") == ([1, 3], [0, 2])
    assert corpus_rows(hand, "cpc") == ([0, 2, 3], [1])


def test_clustered_intervals_resample_documents_not_sentences() -> None:
    # doc A: 10 sentences all right; doc B: 10 all wrong. Resampling sentences would give a
    # tight interval around 0.5; resampling the two documents gives 0 (B twice) to 1 (A twice).
    truth = ["ecology", "general"] * 10
    pred = truth[:10] + [{"ecology": "general", "general": "ecology"}[t] for t in truth[10:]]
    groups = ["A"] * 10 + ["B"] * 10
    bounds = clustered_f1_intervals(truth, pred, groups, 500, 0.95, seed=3)
    assert bounds["macro_f1"] == {"low": 0.0, "high": 1.0}
    assert bounds == clustered_f1_intervals(truth, pred, groups, 500, 0.95, seed=3)
    perfect = clustered_f1_intervals(truth, truth, groups, 100, 0.95, seed=0)
    assert perfect["per_theme_f1"]["ecology"] == {"low": 1.0, "high": 1.0}
    assert clustered_f1_intervals([], [], [], 10, 0.95, 0) == {"macro_f1": None, "per_theme_f1": {}}


class Recording(ThemeClassifier):
    """A classifier that records the texts it trains on and predicts."""

    log: ClassVar[list[tuple[str, list[str]]]] = []

    def fit(
        self, inputs: ThemeInputs, themes: Sequence[str], sample_weight: np.ndarray | None = None
    ) -> ThemeClassifier:
        Recording.log.append(("fit", list(inputs.texts)))
        return super().fit(inputs, themes, sample_weight)

    def predict_proba(self, inputs: ThemeInputs) -> np.ndarray:
        Recording.log.append(("predict", list(inputs.texts)))
        return super().predict_proba(inputs)


def corpus_data() -> tuple[TrainingData, pd.DataFrame, dict[str, str]]:
    """24 hand labels in 8 documents of 3 corpora (seeds: the pipeline's), 2 weak passages."""
    texts = [t for _, t in SENTENCES]
    corpus = ["seeds"] * 8 + ["cpc"] * 8 + ["policy"] * 8
    document = [f"{c}_{i % 3}" if c != "seeds" else f"doc{i % 2}" for i, c in enumerate(corpus)]
    hand = labels(
        texts,
        corpus=corpus,
        document=document,
        doc_split=["test" if d in ("doc1", "cpc_0", "policy_2") else "train" for d in document],
    )
    hand["theme"] = [k for k, _ in SENTENCES]
    inputs = prepare_inputs(texts, ["zh"] * len(texts), FakeEmbedder(), TOKENIZER, None)
    weak_texts = ["加强生态保护修复，建设美丽河湖。", "各位代表，请予审议。"]
    weak = prepare_inputs(weak_texts, ["zh"] * 2, FakeEmbedder(), TOKENIZER, None)
    data = TrainingData(
        hand=inputs,
        hand_themes=hand["theme"].tolist(),
        weak=weak,
        weak_themes=["ecology", "general"],
        hand_in_weak=[set() for _ in texts],
        hand_weight=1.0,
        weak_documents=["doc0", "doc1"],
    )
    return (
        data,
        hand,
        dict(zip(texts, document, strict=True))
        | dict(zip(weak_texts, ["doc0", "doc1"], strict=True)),
    )


def test_grouped_folds_never_train_on_a_document_they_score() -> None:
    data, hand, document_of = corpus_data()
    Recording.log = []
    rows = list(range(len(hand)))
    predicted = grouped_cross_validate(
        lambda: Recording(LEXICON, random_state=0), data, rows, hand["document"].tolist(), 4, 0
    )
    assert len(predicted) == 24 and all(predicted)
    fits = [texts for kind, texts in Recording.log if kind == "fit"]
    scored = [texts for kind, texts in Recording.log if kind == "predict"]
    assert len(fits) == len(scored) == 4
    for trained, held in zip(fits, scored, strict=True):
        assert not {document_of[t] for t in trained} & {document_of[t] for t in held}
    assert sorted(t for held in scored for t in held) == sorted(hand["text"])


def test_evaluation_by_document_and_leave_one_corpus_out_train_without_the_held_out() -> None:
    data, hand, _ = corpus_data()
    Recording.log = []
    report = evaluate_documents(
        lambda: Recording(LEXICON, random_state=0), data, hand, {"doc0", "doc1"}, EVALUATION, 0
    )
    fits = [texts for kind, texts in Recording.log if kind == "fit"]
    scored = [texts for kind, texts in Recording.log if kind == "predict"]
    grouped = report["document_grouped"]
    assert (grouped["n"], grouped["documents"]) == (4 + 3 + 3, 3)
    assert grouped["train"] == {"hand": 24 - 10, "weak": 1}  # doc1's weak passage is out
    assert sorted(grouped["by_corpus"]) == ["cpc", "policy", "seeds"]
    loco = report["leave_one_corpus_out"]
    assert sorted(loco) == ["cpc", "policy", "seeds"]
    assert loco["seeds"]["train"] == {"hand": 16, "weak": 0}  # weak labels are the seeds'
    assert loco["cpc"]["train"] == {"hand": 16, "weak": 2}
    corpus_of = dict(zip(hand["text"], hand["corpus"], strict=True))
    for trained, held in zip(fits[1:], scored[1:], strict=True):
        held_corpora = {corpus_of[t] for t in held}
        assert len(held_corpora) == 1
        assert not {corpus_of.get(t, "seeds") for t in trained} & held_corpora
    headline = headline_metrics(report)
    assert set(headline) == {
        "document_grouped",
        "theme_f1",
        "theme_f1_low",
        "theme_f1_high",
        "theme_n",
        "by_corpus",
        "by_corpus_low",
        "by_corpus_high",
        "leave_one_corpus_out",
    }
    assert headline["theme_n"] == {"ecology": 3, "digital_economy": 2, "liquor_industry": 3}
    per_theme = grouped["per_theme"]
    assert headline["theme_f1_low"] == {k: per_theme[k]["low"] for k in headline["theme_n"]}
    assert headline["theme_f1_high"] == {k: per_theme[k]["high"] for k in headline["theme_n"]}
    for bound in ("low", "high"):
        assert headline[f"by_corpus_{bound}"] == {
            k: v["interval"][bound] for k, v in grouped["by_corpus"].items()
        }
    assert headline["document_grouped"]["macro_f1"] == pytest.approx(grouped["macro_f1"])
    assert grouped["calibration"]["n"] == 10
    assert grouped["by_corpus"]["seeds"]["per_theme_n"] == {"digital_economy": 1, "ecology": 3}
    assert grouped["untested_themes"] == [
        k
        for k in LEXICON.keys
        if k not in {"ecology", "digital_economy", "liquor_industry", "general"}
    ]


def test_fit_tasks_on_two_local_processes_equal_the_fits_in_process(
    two_processes: DaskExecutor,
) -> None:
    data, hand, _ = corpus_data()
    make_model = partial(ThemeClassifier.from_params, LEXICON, ClassifierModelParams(), 0)
    rows, documents = list(range(len(hand))), hand["document"].tolist()
    tasks = [
        FitTask(rows[:16], [0, 1], (Scoring(rows[16:]), Scoring(rows[16:], plain_text=True))),
        FitTask(rows[8:], [1], (Scoring([0], weak=True),)),
        FitTask(rows, [], (Scoring(rows[:4]),)),
    ]
    serial_fits = run_fits(make_model, data, tasks)
    serial_cv = grouped_cross_validate_proba(make_model, data, rows, documents, 4, 0)
    fits = run_fits(make_model, data, tasks, two_processes)
    cv = grouped_cross_validate_proba(
        make_model, data, rows, documents, 4, 0, True, False, two_processes
    )
    assert cv[1] == serial_cv[1] and np.array_equal(cv[0], serial_cv[0])  # bit for bit
    assert [len(f.probabilities) for f in fits] == [2, 1, 1]
    for there, here in zip(fits, serial_fits, strict=True):
        assert there.keys == here.keys == LEXICON.keys
        for a, b in zip(there.probabilities, here.probabilities, strict=True):
            assert a.shape == b.shape and np.array_equal(a, b)
