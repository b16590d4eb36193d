"""The theme classifier, its evaluation and training, on a tiny corpus with a fake embedder."""

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from _theme_fixtures import SENTENCES, FakeEmbedder, passages_frame

from policytopics.config import (
    ClassifierModelParams,
    ClassifyParams,
    EmbedParams,
    EvaluationParams,
    TokenizeParams,
    WeakLabelParams,
)
from policytopics.text.tokenize import build_tokenizer
from policytopics.themes.bundle import classify_texts, load_bundle, prepare_inputs, save_bundle
from policytopics.themes.classifier import ThemeClassifier, ThemeInputs, neighbour_vote
from policytopics.themes.evaluate import (
    TrainingData,
    calibration_report,
    cross_validate_hand,
    description_baseline,
    f1_intervals,
    f1_report,
    keyword_baseline,
    split_by_passage_mates,
    weak_rows_without,
)
from policytopics.themes.labels import weak_label_candidates
from policytopics.themes.lexicon import load_lexicon
from policytopics.themes.training import cap_per_theme, hand_passage_rows, train_and_evaluate

LEXICON = load_lexicon()
EMBEDDER = FakeEmbedder()
TOKENIZER = build_tokenizer(TokenizeParams())


def inputs(texts: list[str]) -> ThemeInputs:
    return prepare_inputs(texts, ["zh"] * len(texts), EMBEDDER, TOKENIZER, None)


def one_block(context_weight: float = 0.0, passage_weight: float = 0.0) -> ThemeClassifier:
    """One feature block at a time: the text blocks at weight 1, the context blocks as given."""
    return ThemeClassifier(
        LEXICON,
        lexicon_weight=1.0,
        context_weight=context_weight,
        passage_weight=passage_weight,
        random_state=0,
    )


def fitted(model: ThemeClassifier | None = None) -> ThemeClassifier:
    """`model` (default: the classifier as the pipeline configures it) fitted on SENTENCES."""
    texts = [t for _, t in SENTENCES]
    chosen = model or ThemeClassifier(LEXICON, random_state=0)
    return chosen.fit(inputs(texts), [k for k, _ in SENTENCES])


def test_probabilities_cover_every_theme_and_sum_to_one() -> None:
    proba = fitted().predict_proba(inputs(["加强生态环境保护。", "发展数字经济。"]))
    assert proba.shape == (2, len(LEXICON.keys))
    assert proba.sum(axis=1) == pytest.approx([1.0, 1.0])
    assert proba[:, LEXICON.keys.index("livelihood")].tolist() == [0.0, 0.0]  # never trained


def test_unseen_sentences_get_their_themes() -> None:
    predicted = fitted().predict(
        inputs(["实施长江生态修复工程。", "建设数据中心和5G网络。", "做强白酒品牌，发展酿酒产业。"])
    )
    assert predicted == ["ecology", "digital_economy", "liquor_industry"]


def test_fit_rejects_labels_outside_the_lexicon() -> None:
    with pytest.raises(ValueError, match="outside the lexicon"):
        ThemeClassifier(LEXICON).fit(inputs(["甲", "乙"]), ["ecology", "green"])


def test_f1_report_and_baselines() -> None:
    report = f1_report(["ecology", "ecology", "general"], ["ecology", "general", "general"])
    assert report["macro_f1"] == pytest.approx(round((2 / 3 + 2 / 3) / 2, 4))
    assert report["per_theme_f1"] == {
        "ecology": pytest.approx(0.6667),
        "general": pytest.approx(0.6667),
    }
    assert keyword_baseline(["加强生态保护。", "各项工作稳步推进。"], LEXICON) == [
        "ecology",
        "general",
    ]
    assert description_baseline(np.eye(2), np.array([[0.0, 1.0], [1.0, 0.0]]), ["a", "b"]) == [
        "b",
        "a",
    ]


def test_f1_intervals_bracket_the_point_estimate_and_are_seeded() -> None:
    perfect = f1_intervals(["ecology", "general"] * 5, ["ecology", "general"] * 5, 200, 0.95, 1)
    assert perfect["macro_f1"] == {"low": 1.0, "high": 1.0}
    truth = ["ecology"] * 6 + ["digital_economy"] * 4 + ["general"] * 10
    pred = ["ecology"] * 5 + ["general"] + ["digital_economy"] * 2 + ["general"] * 12
    point = f1_report(truth, pred)["per_theme_f1"]
    first = f1_intervals(truth, pred, 500, 0.9, 7)
    assert first == f1_intervals(truth, pred, 500, 0.9, 7)
    per_theme = first["per_theme_f1"]
    assert isinstance(per_theme, dict) and isinstance(point, dict)
    assert set(per_theme) == {"digital_economy", "ecology", "general"}
    for theme, bounds in per_theme.items():
        assert bounds["low"] <= point[theme] <= bounds["high"]
    assert per_theme["digital_economy"]["low"] < per_theme["digital_economy"]["high"]
    # a theme never predicted has F1 0 in every replicate that contains it
    never = f1_intervals(["ecology", "general"], ["general", "general"], 50, 0.95, 0)
    assert never["per_theme_f1"] == {
        "ecology": {"low": 0.0, "high": 0.0},
        "general": {"low": 0.6667, "high": 1.0},
    }
    assert f1_intervals([], [], 10, 0.95, 0) == {"macro_f1": None, "per_theme_f1": {}}


def test_calibration_report_brier_ece_and_shares() -> None:
    keys = ["ecology", "digital_economy", "general"]
    proba = np.array([[0.9, 0.1, 0.0], [0.6, 0.4, 0.0], [0.3, 0.7, 0.0], [0.5, 0.0, 0.5]])
    report = calibration_report(["ecology", "ecology", "digital_economy", "general"], proba, keys)
    # Brier (0.02 + 0.32 + 0.18 + 0.5) / 4; four one-item bins: (0.1 + 0.4 + 0.3 + 0.5) / 4,
    # the last item wrong (a tie goes to the first theme, as in predict)
    assert report["brier"] == pytest.approx(0.255)
    assert report["ece"] == pytest.approx(0.325)
    assert report["share"] == {
        "ecology": {"predicted": 0.575, "observed": 0.5},
        "digital_economy": {"predicted": 0.3, "observed": 0.25},
        "general": {"predicted": 0.125, "observed": 0.25},
    }
    assert calibration_report([], np.zeros((0, 3)), keys)["brier"] is None


def test_weak_rows_holding_a_held_out_item_are_dropped() -> None:
    empty = inputs([])
    data = TrainingData(empty, [], empty, [], hand_in_weak=[{0, 2}, set(), {3}], hand_weight=3.0)
    object.__setattr__(data, "weak", inputs(["a", "b", "c", "d", "e"]))
    assert weak_rows_without(data, [0]) == [1, 3, 4]
    assert weak_rows_without(data, [0, 2]) == [1, 4]
    assert weak_rows_without(data, []) == [0, 1, 2, 3, 4]


class FoldRecorder(ThemeClassifier):
    """Predicts "general" and appends the texts each fit saw to `fits`."""

    def __init__(self, fits: list[set[str]]) -> None:
        super().__init__(LEXICON)
        self.fits = fits

    def fit(
        self, inputs: ThemeInputs, themes: Sequence[str], sample_weight: np.ndarray | None = None
    ) -> ThemeClassifier:
        self.fits.append(set(inputs.texts))
        return self

    def predict_proba(self, inputs: ThemeInputs) -> np.ndarray:
        proba = np.zeros((len(inputs), len(self.keys)))
        proba[:, self.keys.index("general")] = 1.0
        return proba


def test_cross_validation_keeps_a_passage_in_one_fold() -> None:
    texts = [f"句子{i}。" for i in range(12)]
    themes = ["ecology", "general"] * 6
    passages = [0, 0, 1, 1, 2, 2, 3, 3, None, None, 4, 4]  # pairs share a passage
    data = TrainingData(
        inputs(texts), themes, inputs([]), [], [set()] * 12, 1.0, hand_passages=passages
    )
    assert data.passage_groups([0, 1, 8, 9]).tolist() == [0, 0, -9, -10]
    fits: list[set[str]] = []
    cross_validate_hand(lambda: FoldRecorder(fits), data, list(range(12)), 3, seed=0)
    assert len(fits) == 3
    for seen in fits:
        held = set(texts) - seen
        for a, b in [(0, 1), (2, 3), (4, 5), (6, 7), (10, 11)]:
            assert (texts[a] in held) == (texts[b] in held)  # mates held out together


def test_held_out_split_by_passage_mates() -> None:
    data = TrainingData(
        inputs(["甲", "乙", "丙", "丁"]),
        ["ecology", "ecology", "general", "general"],
        inputs([]),
        [],
        [set()] * 4,
        1.0,
        hand_passages=[7, 7, 8, None],
    )
    # test items 1, 2, 3; train item 0 shares passage 7 with item 1 only
    split = split_by_passage_mates(
        data, [1, 2, 3], [0], ["ecology", "general", "general"], ["ecology", "ecology", "general"]
    )
    assert split["with_train_passage_mate"]["n"] == 1
    assert split["with_train_passage_mate"]["accuracy"] == 1.0
    assert split["without"]["n"] == 2
    assert split["without"]["accuracy"] == 0.5


def test_cap_per_theme_is_seeded_and_keeps_order() -> None:
    labels = pd.DataFrame(
        {"passage_id": list("abcdef"), "theme": list("xxxxyy"), "source": ["lexicon"] * 6}
    )
    capped = cap_per_theme(labels, 2, seed=1)
    assert capped["theme"].tolist() == ["x", "x", "y", "y"]
    assert capped.equals(cap_per_theme(labels, 2, seed=1))
    assert cap_per_theme(labels, 0, seed=1).empty


def train_fixture(
    held_out_clauses: Sequence[tuple[str, str]] = (),
) -> tuple[pd.DataFrame, object]:
    """`held_out_clauses`: more test items (theme, text), e.g. clauses of weak passages."""
    passages = passages_frame()
    # the 12 sentences of doc0 (a train document) and one of each theme from doc1 (test)
    chosen = [SENTENCES[i] for i in [*range(0, 24, 2), 1, 7, 13, 19]]
    splits = ["test" if i % 3 == 0 else "train" for i in range(len(chosen))]
    chosen += list(held_out_clauses)
    splits += ["test"] * len(held_out_clauses)
    hand = pd.DataFrame(
        {
            "text": [t for _, t in chosen],
            "passage_id": "",
            "theme": [k for k, _ in chosen],
            "split": splits,
            "source_file": "",
        }
    )
    candidates = weak_label_candidates(passages, LEXICON, headings=True, lexicon_dominance=(1, 1.0))
    result = train_and_evaluate(
        passages,
        inputs(passages["text"].tolist()),
        hand,
        candidates,
        LEXICON,
        ClassifyParams(
            evaluation=EvaluationParams(cv_folds=2), weak_labels=WeakLabelParams(max_per_theme=50)
        ),
        seed=0,
        embedder=EMBEDDER,
        tokenizer=TOKENIZER,
        embed_params=EmbedParams(),
        anchors=None,
    )
    return passages, result


def test_training_scores_held_out_items_and_classifies_every_passage() -> None:
    passages, result = train_fixture()
    table = result.passage_themes  # type: ignore[attr-defined]
    metrics = result.metrics  # type: ignore[attr-defined]
    assert table["passage_id"].tolist() == passages["passage_id"].tolist()
    assert list(table.columns) == ["passage_id", "theme"] + [f"p_{k}" for k in LEXICON.keys]
    assert table.filter(like="p_").sum(axis=1).to_numpy() == pytest.approx(1.0, abs=1e-5)
    # secondary, sentence-wise: every third label of the file is a test item
    assert metrics["labels"]["hand_test"] == 6
    assert metrics["held_out"]["n"] == 6
    assert metrics["held_out_text_only"]["n"] == 6  # the same items as plain text (CLI)
    assert metrics["held_out"]["calibration"]["n"] == 6
    assert {"keyword_count", "nearest_description_e5"} <= set(metrics["baselines_held_out"])
    # headline: doc1 (sha256 rule: test) against doc0's 12 labels, as plain text
    grouped = metrics["document_grouped"]
    assert (grouped["n"], grouped["documents"], grouped["train"]["hand"]) == (4, 1, 12)
    assert {k: v["n"] for k, v in grouped["per_theme"].items()} == dict.fromkeys(
        ["digital_economy", "ecology", "general", "liquor_industry"], 1
    )
    assert "cross_validated" not in metrics  # one train document: nothing to group folds by
    # every weak passage is of doc1 (doc0 is all hand items): none trains the grouped model
    weak_docs = [p.split("/")[0] for p in result.weak_labels["passage_id"]]  # type: ignore[attr-defined]
    assert grouped["train"]["weak"] == weak_docs.count("doc0") == 0 < len(weak_docs)
    assert metrics["final_model"] == {"fit": "all", "hand": 16}
    # passages that *are* hand items are not weak items too
    weak_ids = set(result.weak_labels["passage_id"])  # type: ignore[attr-defined]
    assert weak_ids and not weak_ids & {
        f"doc{i % 2}/p{i:04d}" for i in [*range(0, 24, 2), 1, 7, 13, 19]
    }


def test_weak_agreement_needs_enough_weak_passages_without_held_out_items() -> None:
    # seven held-out clauses sit in seven of the eight weak passages: one weak passage is
    # left to score, fewer than the 2 folds, so the weak-label agreement is not measured
    clauses = [
        ("ecology", "推进污水处理厂建设"),
        ("ecology", "坚持生态优先绿色发展"),
        ("digital_economy", "推动工业互联网平台建设"),
        ("digital_economy", "引进人工智能和区块链企业"),
        ("liquor_industry", "建设白酒产业园区"),
        ("liquor_industry", "鼓励酒类企业兼并重组"),
        ("general", "今年是十四五规划开局之年"),
    ]
    _, result = train_fixture(clauses)
    metrics = result.metrics  # type: ignore[attr-defined]
    assert len(result.weak_labels) == 8  # type: ignore[attr-defined]
    assert metrics["labels"]["hand_test"] == 6 + 7
    assert "weak_label_agreement" not in metrics
    assert "weak_label_agreement" in train_fixture()[1].metrics  # type: ignore[attr-defined]


def test_saved_bundle_classifies_new_text(tmp_path) -> None:  # type: ignore[no-untyped-def]
    _, result = train_fixture()
    save_bundle(result.bundle, tmp_path)  # type: ignore[attr-defined]
    bundle = load_bundle(tmp_path)
    records = classify_texts(["建设大数据中心，发展数字经济。"], bundle, embedder=EMBEDDER)
    assert records[0]["text"] == "建设大数据中心，发展数字经济。"
    assert records[0]["theme"] == "digital_economy"
    assert set(records[0]["scores"]) == set(LEXICON.keys)
    spec = json.loads((tmp_path / "spec.json").read_text(encoding="utf-8"))
    n_items = len(result.bundle.classifier.neighbours_)  # type: ignore[attr-defined]
    assert spec["neighbour_vote"] == {"weight": 0.4, "k": 20, "temperature": 0.03, "items": n_items}
    assert n_items == len(result.bundle.classifier.neighbour_themes_) > 0  # type: ignore[attr-defined]


# headings that name a theme, as in the plans: 第X节 + the theme's words
HEADINGS = {
    "ecology": "第八篇 筑牢长江上游生态屏障",
    "digital_economy": "第二节 加快发展数字经济",
    "liquor_industry": "第一节 提质发展白酒产业集群",
    "general": "",
}
AMBIGUOUS = "新引进重点企业十家，新开工项目二十个。"


def test_inputs_carry_contexts_through_subset_and_concat() -> None:
    plain = inputs(["甲乙", "丙丁"])
    assert plain.contexts == ["", ""]  # no context given: "" for every text
    with_heading = prepare_inputs(
        ["甲乙", "丙丁"], ["zh", "zh"], EMBEDDER, TOKENIZER, None, ["第一节", "第二节"]
    )
    assert with_heading.subset([1]).contexts == ["第二节"]
    assert ThemeInputs.concat([with_heading, plain]).contexts == ["第一节", "第二节", "", ""]
    assert with_heading.without_context().contexts == ["", ""]
    with pytest.raises(ValueError, match="1 contexts"):
        ThemeInputs(["甲", "乙"], np.zeros((2, 4)), [["甲"], ["乙"]], ["第一节"])


def test_heading_context_decides_a_sentence_its_text_leaves_open() -> None:
    texts = [t for _, t in SENTENCES]
    themes = [k for k, _ in SENTENCES]
    training = prepare_inputs(
        texts, ["zh"] * len(texts), EMBEDDER, TOKENIZER, None, [HEADINGS[k] for k in themes]
    )
    model = one_block(context_weight=2.0).fit(training, themes)
    under = prepare_inputs(
        [AMBIGUOUS] * 3,
        ["zh"] * 3,
        EMBEDDER,
        TOKENIZER,
        None,
        [HEADINGS["digital_economy"], HEADINGS["liquor_industry"], HEADINGS["ecology"]],
    )
    assert model.predict(under) == ["digital_economy", "liquor_industry", "ecology"]
    # without a heading, text evidence alone decides as before
    assert model.predict(inputs(["建设大数据中心，发展数字经济。"])) == ["digital_economy"]
    text_only = one_block().fit(training, themes)
    assert len(set(text_only.predict(under))) == 1  # context_weight 0: the heading is ignored


def test_hand_items_are_read_in_their_passage() -> None:
    passages = passages_frame()
    hand = pd.DataFrame(
        {
            "text": ["加强长江流域生态保护修复", "", "全新的句子。"],
            "passage_id": ["", "doc0/p0012", ""],
            "theme": ["ecology", "liquor_industry", "general"],
        }
    )
    # by text (punctuation ignored), by passage_id, and None when no passage holds the text
    rows = hand_passage_rows(hand, passages)
    assert rows == [0, 12, None]
    texts = ["加强长江流域生态保护修复", SENTENCES[12][1], "全新的句子。"]
    own = inputs(texts)
    read = own.with_passages(
        prepare_inputs(
            passages["text"].tolist(),
            ["zh"] * len(passages),
            EMBEDDER,
            TOKENIZER,
            None,
            passages["section_path"].tolist(),
        ),
        rows,
    )
    assert read.contexts == ["第八篇筑牢长江上游生态屏障新基础", "第一节提质发展白酒产业集群", ""]
    assert np.array_equal(read.passages[0], EMBEDDER.embed([SENTENCES[0][1]])[0])
    assert np.array_equal(read.passages[2], own.embeddings[2])  # no passage: its own vector


def test_inputs_carry_passage_embeddings_and_stand_alone_without_them() -> None:
    plain = inputs(["甲乙", "丙丁"])
    assert plain.passages is plain.embeddings  # a text on its own is its own passage
    paragraph = inputs(["加强长江流域生态保护修复，推进岸线整治。"])
    read = plain.with_passages(paragraph, [0, None])
    assert np.array_equal(read.passages, np.vstack([paragraph.embeddings[0], plain.embeddings[1]]))
    assert np.array_equal(read.subset([0]).passages, paragraph.embeddings)
    both = ThemeInputs.concat([plain, read])
    assert np.array_equal(both.passages[1:3], np.vstack([plain.embeddings[1], read.passages[0]]))
    assert np.array_equal(read.without_context().passages, plain.embeddings)
    with pytest.raises(ValueError, match="1 passage rows for 2 texts"):
        plain.with_passages(paragraph, [0])
    with pytest.raises(ValueError, match="passage embeddings"):
        ThemeInputs(["甲"], np.zeros((1, 4)), [["甲"]], passage_embeddings=np.zeros((1, 3)))


def test_passage_embedding_decides_a_sentence_its_text_leaves_open() -> None:
    texts = [t for _, t in SENTENCES]
    themes = [k for k, _ in SENTENCES]
    model = one_block(passage_weight=3.0).fit(inputs(texts), themes)
    paragraphs = inputs([SENTENCES[6][1], SENTENCES[12][1], SENTENCES[0][1]])
    under = inputs([AMBIGUOUS] * 3).with_passages(paragraphs, [0, 1, 2])
    assert model.predict(under) == ["digital_economy", "liquor_industry", "ecology"]
    text_only = one_block().fit(inputs(texts), themes)
    assert len(set(text_only.predict(under))) == 1  # passage_weight 0: the passage is ignored


def test_models_saved_before_the_context_blocks_load_without_them() -> None:
    # as models were before the blocks existed
    model = fitted(ThemeClassifier(LEXICON, context_weight=0.0, passage_weight=0.0, random_state=0))
    state = dict(model.__dict__)
    del state["context_weight"], state["passage_weight"]
    old = ThemeClassifier.__new__(ThemeClassifier)
    old.__setstate__(state)
    assert (old.context_weight, old.passage_weight) == (0.0, 0.0)
    probe = inputs(["建设大数据中心，发展数字经济。"])
    assert np.array_equal(old.predict_proba(probe), model.predict_proba(probe))


def test_the_classifier_defaults_are_the_pipeline_settings(repo_root: Path) -> None:
    data = yaml.safe_load((repo_root / "params.yaml").read_text(encoding="utf-8"))
    pipeline = ClassifierModelParams.model_validate(data["classify"]["model"])
    assert pipeline == ClassifierModelParams()  # config defaults = params.yaml
    model = ThemeClassifier(LEXICON)
    assert {
        k: getattr(model, k) for k in ClassifierModelParams.model_fields if k != "align_languages"
    } == {k: v for k, v in pipeline.model_dump().items() if k != "align_languages"}


def test_neighbour_vote_weighs_the_k_nearest_by_similarity_and_weight() -> None:
    neighbours = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0], [-1.0, 0.0]])
    themes = np.array([0, 1, 1, 2])
    weights = np.array([1.0, 2.0, 1.0, 5.0])
    queries = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    vote = neighbour_vote(queries, neighbours, themes, weights, k=2, n_themes=3, chunk=2)
    # [1, 0]: itself (1.0 x 1) and [0.8, 0.6] (0.8 x 2); [0, 1]: itself (1 x 1) and
    # [0.8, 0.6] (0.6 x 2); [-1, 0]: itself (1 x 5) and a tie at 0 similarity (counts 0)
    expected = np.array([[1 / 2.6, 1.6 / 2.6, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    assert vote == pytest.approx(expected)
    one = neighbour_vote(queries, neighbours, themes, weights, k=1, n_themes=3)
    assert one.tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    # a query orthogonal or opposite to every neighbour gets no vote at all
    none = neighbour_vote(np.array([[0.0, -1.0]]), neighbours[:2], themes[:2], weights[:2], 2, 3)
    assert none.tolist() == [[0.0, 0.0, 0.0]]


def test_probabilities_blend_the_regression_and_the_neighbour_vote() -> None:
    texts = [t for _, t in SENTENCES]
    themes = [k for k, _ in SENTENCES]
    new = inputs(["加强生态环境保护。", "发展数字经济。", "做强白酒品牌。"])
    regression = ThemeClassifier(LEXICON, knn_weight=0.0, random_state=0).fit(inputs(texts), themes)
    vote_only = ThemeClassifier(LEXICON, knn_weight=1.0, knn_k=1, random_state=0)
    vote_only.fit(inputs(texts), themes)
    blended = ThemeClassifier(LEXICON, knn_weight=0.25, knn_k=1, random_state=0)
    blended.fit(inputs(texts), themes)
    one_hot = vote_only.predict_proba(new)
    assert sorted(set(one_hot.ravel().tolist())) == [0.0, 1.0]  # k = 1: the nearest item's theme
    nearest = inputs(texts).embeddings / np.linalg.norm(inputs(texts).embeddings, axis=1)[:, None]
    query = new.embeddings / np.linalg.norm(new.embeddings, axis=1)[:, None]
    expected = [themes[i] for i in (query @ nearest.T).argmax(axis=1)]
    assert [LEXICON.keys[i] for i in one_hot.argmax(axis=1)] == expected
    assert blended.predict_proba(new) == pytest.approx(
        0.75 * regression.predict_proba(new) + 0.25 * one_hot
    )


def test_a_model_saved_before_the_neighbour_vote_loads_without_it() -> None:
    model = fitted(ThemeClassifier(LEXICON, knn_weight=0.0, random_state=0))
    state = dict(model.__dict__)
    del state["knn_weight"], state["knn_k"]
    old = ThemeClassifier.__new__(ThemeClassifier)
    old.__setstate__(state)
    new = inputs(["加强生态环境保护。"])
    assert old.knn_weight == 0.0
    assert old.predict_proba(new).tolist() == model.predict_proba(new).tolist()


def test_a_temperature_lets_the_nearest_neighbour_count_most() -> None:
    neighbours = np.array([[1.0, 0.0], [0.8, 0.6]])
    themes = np.array([0, 1])
    weights = np.ones(2)
    query = np.array([[1.0, 0.0]])
    plain = neighbour_vote(query, neighbours, themes, weights, k=2, n_themes=2)
    sharp = neighbour_vote(query, neighbours, themes, weights, 2, 2, temperature=0.1)
    assert plain == pytest.approx(np.array([[1 / 1.8, 0.8 / 1.8]]))
    # exp(0) for itself, exp((0.8 - 1) / 0.1) = exp(-2) for the other
    assert sharp == pytest.approx(np.array([[1, np.exp(-2)]]) / (1 + np.exp(-2)))
