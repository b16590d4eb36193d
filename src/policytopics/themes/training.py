"""Train the theme classifier on hand + weak labels, score it honestly, classify every passage."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from policytopics.analysis.quantify import Calibration
from policytopics.compute import Executor
from policytopics.config import ClassifyParams, EmbedParams
from policytopics.errors import UserError
from policytopics.models.embed import Embedder, align_languages, embedding_matrix
from policytopics.text.normalize import detect_language
from policytopics.text.tokenize import Tokenizer
from policytopics.themes.bundle import ClassifierBundle, prepare_inputs, training_ood
from policytopics.themes.by_document import (
    evaluate_documents,
    grouped_cross_validate,
    grouped_cross_validate_proba,
)
from policytopics.themes.calibration import calibration_from, effective_priors, estimator_errors
from policytopics.themes.classifier import ThemeClassifier, ThemeInputs
from policytopics.themes.documents import document_rows, documents_of, place_labels
from policytopics.themes.evaluate import (
    FitTask,
    Scoring,
    TrainingData,
    calibration_report,
    cross_validate_weak,
    description_baseline,
    f1_intervals,
    f1_report,
    fit_on,
    keyword_baseline,
    run_fits,
    split_by_passage_mates,
    weak_rows_without,
)
from policytopics.themes.labels import SOURCES, combine_labels, containing_rows, match_key
from policytopics.themes.lexicon import Lexicon
from policytopics.themes.ood import OodModel, abstain, confidence, margin, ood_scores
from policytopics.themes.sentences import (
    SentenceTable,
    score_sentences,
    section_paths,
    theme_table,
)


@dataclass
class ClassifyResult:
    bundle: ClassifierBundle
    passage_themes: pd.DataFrame
    weak_labels: pd.DataFrame  # passage_id, theme, source (after the per-theme cap)
    metrics: dict[str, Any]
    sentence_themes: pd.DataFrame | None = None  # sentence_id, passage_id, theme, p_<key>...
    calibration: dict[str, Any] | None = None  # Calibration.to_record + the estimators' error

    def summary(self, n_hand: int) -> str:
        """One line: what was scored, from how many labels, and the headline F1s."""
        metrics = self.metrics
        grouped = metrics.get("document_grouped", {}).get("macro_f1")
        held = metrics.get("held_out", {}).get("macro_f1")
        cv = metrics.get("cross_validated", {}).get("macro_f1")
        scored = metrics.get("sentences", {}).get("scored", 0)
        return (
            f"{len(self.passage_themes)} passages scored by {metrics['passages']['unit']} "
            f"({scored} sentences); hand labels {n_hand}, weak labels {len(self.weak_labels)}; "
            f"held-out documents macro-F1 {grouped}, sentence-wise {held}, "
            f"cross-validated {cv}"
        )


def cap_per_theme(labels: pd.DataFrame, cap: int, seed: int) -> pd.DataFrame:
    """At most `cap` labels per theme (a seeded sample, original order kept); 0 = none."""
    rng = np.random.default_rng(seed)
    keep: list[int] = []
    for _, group in labels.groupby("theme", sort=True):
        index = group.index.to_numpy()
        keep.extend(index if len(index) <= cap else rng.choice(index, size=cap, replace=False))
    return labels.loc[sorted(keep)].reset_index(drop=True)


def training_data(
    passages: pd.DataFrame,
    passage_inputs: ThemeInputs,
    hand: pd.DataFrame,
    weak_candidates: Mapping[str, Mapping[str, str]],
    params: ClassifyParams,
    seed: int,
    embedder: Embedder,
    tokenizer: Tokenizer,
    anchors: dict[str, np.ndarray] | None,
) -> tuple[pd.DataFrame, pd.DataFrame, TrainingData]:
    """Hand items (as their own text) and capped weak passages, with their features.

    Returns the hand labels actually used (rows without text dropped; each placed in its
    document with its by-document split, `documents.place_labels`), the weak labels
    (passage_id, theme, source) and the `TrainingData` both are row-aligned with.
    """
    ids = passages["passage_id"].tolist()

    # Hand items are classified as their own text (a sentence or a passage).
    by_id = dict(zip(ids, passages["text"], strict=True))
    hand = hand.copy()
    hand["text"] = [
        t or by_id.get(p, "") for t, p in zip(hand["text"], hand["passage_id"], strict=True)
    ]
    hand = hand[hand["text"] != ""].reset_index(drop=True)
    hand = place_labels(hand, passages, params.evaluation.document_test_share)
    hand_langs = [detect_language(t) for t in hand["text"]]
    hand_inputs = prepare_inputs(hand["text"].tolist(), hand_langs, embedder, tokenizer, anchors)
    hand_rows = hand_passage_rows(hand, passages)
    hand_inputs = hand_inputs.with_passages(passage_inputs, hand_rows)

    # A passage that *is* a hand-labelled item is not also a weak item.
    hand_keys = {match_key(t) for t in hand["text"]}
    weak = combine_labels({k: dict(v) for k, v in weak_candidates.items() if k != "hand"}, ids)
    weak = weak[[match_key(by_id[p]) not in hand_keys for p in weak["passage_id"]]]
    weak = cap_per_theme(weak.reset_index(drop=True), params.weak_labels.max_per_theme, seed)
    row_of = {pid: i for i, pid in enumerate(ids)}
    weak_inputs = passage_inputs.subset([row_of[p] for p in weak["passage_id"]])
    doc_of = dict(zip(ids, passages["doc_id"].astype(str), strict=True))
    data = TrainingData(
        hand=hand_inputs,
        hand_themes=hand["theme"].tolist(),
        weak=weak_inputs,
        weak_themes=weak["theme"].tolist(),
        hand_in_weak=containing_rows(hand["text"].tolist(), weak_inputs.texts),
        hand_weight=params.weak_labels.hand_weight,
        hand_passages=hand_rows,
        weak_documents=[doc_of[p] for p in weak["passage_id"]],
    )
    return hand, weak, data


def hand_passage_rows(hand: pd.DataFrame, passages: pd.DataFrame) -> list[int | None]:
    """The row (in `passages`) of the passage each hand item comes from.

    By `passage_id` when the label names one, else the first passage (in table order) whose
    text contains the item's text, punctuation ignored; None when none does.
    """
    row_of = {pid: i for i, pid in enumerate(passages["passage_id"])}
    found = containing_rows(hand["text"].tolist(), passages["text"].tolist())
    out: list[int | None] = []
    for pid, rows in zip(hand["passage_id"], found, strict=True):
        row = row_of.get(pid) if pid else None
        out.append(min(rows) if row is None and rows else row)
    return out


def model_factory(
    lexicon: Lexicon, params: ClassifyParams, seed: int
) -> Callable[[], ThemeClassifier]:
    """A maker of fresh, unfitted classifiers with the settings in `params` (it pickles, so
    fits can run in other processes)."""
    return partial(ThemeClassifier.from_params, lexicon, params.model, seed)


def train_and_evaluate(
    passages: pd.DataFrame,
    passage_inputs: ThemeInputs,
    hand: pd.DataFrame,
    weak_candidates: Mapping[str, Mapping[str, str]],
    lexicon: Lexicon,
    params: ClassifyParams,
    seed: int,
    embedder: Embedder,
    tokenizer: Tokenizer,
    embed_params: EmbedParams,
    anchors: dict[str, np.ndarray] | None,
    progress: bool = False,
    sentences: SentenceTable | None = None,
    executor: Executor | None = None,
) -> ClassifyResult:
    """Fit on hand (train split) + weak labels; metrics never score an item the model saw.

    Every evaluation fit (held-out documents and corpora, cross-validation folds, the
    held-out sentences) is one task on `executor` (default: this process); the result does
    not depend on it. The saved model is fitted in this process.

    `passage_inputs` must be row-aligned with `passages` (embeddings already aligned if
    `anchors` is given). With `sentences`, every sentence is scored too, and under
    `params.unit == "sentence"` a passage's probabilities are the character-weighted mean of
    its sentences' (a passage with no sentence text keeps its own passage-level row);
    without `sentences` every passage is classified whole.
    """
    ids = passages["passage_id"].tolist()
    hand, weak, data = training_data(
        passages, passage_inputs, hand, weak_candidates, params, seed, embedder, tokenizer, anchors
    )
    hand_inputs = data.hand
    make_model = model_factory(lexicon, params, seed)
    evaluation = params.evaluation

    metrics: dict[str, Any] = {
        "labels": {
            "hand": len(hand),
            "hand_by_corpus": {
                str(corpus): {str(k): int(v) for k, v in group.value_counts().sort_index().items()}
                for corpus, group in hand.groupby("corpus", sort=True)["doc_split"]
            },
            "weak": {s: int((weak["source"] == s).sum()) for s in SOURCES if s != "hand"},
            "weak_per_theme": {
                k: int(v) for k, v in weak["theme"].value_counts().sort_index().items()
            },
        }
    }
    # the headline: whole documents no training item comes from, as plain text
    metrics.update(
        evaluate_documents(
            make_model,
            data,
            hand,
            set(passages["doc_id"].astype(str)),
            evaluation,
            seed,
            progress=progress,
            executor=executor,
        )
    )
    doc_train = document_rows(hand, "train")
    if len(doc_train) >= 2 * evaluation.cv_folds and len(set(documents_of(hand, doc_train))) > 1:
        cv_pred = grouped_cross_validate(
            make_model,
            data,
            doc_train,
            documents_of(hand, doc_train),
            evaluation.cv_folds,
            seed,
            progress=progress,
            executor=executor,
        )
        metrics["cross_validated"] = f1_report([data.hand_themes[i] for i in doc_train], cv_pred)

    # secondary: the sentence-wise split of files without documents (the seed labels); it
    # trains on every other item but the test documents of the other files
    sentence_wise = hand["split_by_document"].eq(False) & hand["split"].eq("test")
    test_rows = [i for i, flag in enumerate(sentence_wise) if flag]
    banned = set(test_rows) | {
        i for i in document_rows(hand, "test") if bool(hand["split_by_document"].iloc[i])
    }
    train_rows = [i for i in range(len(hand)) if i not in banned]
    metrics["labels"]["hand_train"] = len(train_rows)
    metrics["labels"]["hand_test"] = len(test_rows)
    test_truth = [data.hand_themes[i] for i in test_rows]
    if test_rows:
        held_task = FitTask(
            train_rows,
            weak_rows_without(data, test_rows),
            (Scoring(test_rows), Scoring(test_rows, plain_text=True)),
        )
        [held] = run_fits(make_model, data, [held_task], executor, "held-out fit", progress)
        test_inputs = hand_inputs.subset(test_rows)
        test_proba = held.probabilities[0]
        test_pred = [lexicon.keys[i] for i in test_proba.argmax(axis=1)]
        metrics["held_out"] = f1_report(test_truth, test_pred)
        metrics["held_out"]["calibration"] = calibration_report(
            test_truth, test_proba, lexicon.keys
        )
        metrics["held_out"]["interval"] = {
            "confidence": evaluation.f1_confidence,
            **f1_intervals(
                test_truth, test_pred, evaluation.f1_bootstrap, evaluation.f1_confidence, seed
            ),
        }
        # the same items, split by whether a train item shares their passage (and so their
        # heading and passage embedding)
        metrics["held_out_by_passage"] = split_by_passage_mates(
            data, test_rows, train_rows, test_truth, test_pred
        )
        # as `policytopics classify` sees plain text: no heading, no surrounding passage
        metrics["held_out_text_only"] = f1_report(test_truth, held.predicted(1))
        theme_vectors = embedder.embed(lexicon.descriptions(), "query")
        raw = embedder.embed(test_inputs.texts, "passage")
        metrics["baselines_held_out"] = {
            "keyword_count": f1_report(test_truth, keyword_baseline(test_inputs.texts, lexicon)),
            "nearest_description_e5": f1_report(
                test_truth, description_baseline(raw, theme_vectors, lexicon.keys)
            ),
        }
    # weak passages that hold a held-out item are never scored: the folds count the others
    weak_rows = weak_rows_without(data, test_rows)
    if len(weak_rows) >= 2 * evaluation.cv_folds:
        weak_pred = cross_validate_weak(
            make_model,
            data,
            train_rows,
            weak_rows,
            evaluation.cv_folds,
            seed,
            progress=progress,
            executor=executor,
        )
        truth = [data.weak_themes[i] for i in weak_rows]
        sources = [weak["source"].iloc[i] for i in weak_rows]
        agreement = {
            "all": round(float(np.mean([a == b for a, b in zip(truth, weak_pred, strict=True)])), 4)
        }
        for source in sorted(set(sources)):
            pairs = [
                (a, b) for a, b, s in zip(truth, weak_pred, sources, strict=True) if s == source
            ]
            agreement[source] = round(float(np.mean([a == b for a, b in pairs])), 4)
        metrics["weak_label_agreement"] = agreement

    # rates and priors for the prevalence estimators, and their measured error per document
    out_of_fold = out_of_fold_calibration(make_model, data, hand, params, seed, progress, executor)

    # the model that is saved and scores the corpus: every hand label (final_fit: all) or
    # those of train documents only (final_fit: train), and every weak passage that holds
    # no held-back item. Fitted here whatever the executor: a model unpickled from a worker
    # holds the same numbers but can pickle to other bytes (pickle records which strings are
    # one object, and a worker's inputs arrive as copies), and the bundle's bytes must not
    # depend on where the work ran
    final_rows = list(range(len(hand))) if params.final_fit == "all" else doc_train
    held_back = [i for i in range(len(hand)) if i not in set(final_rows)]
    weak_final = weak_rows_without(data, held_back)
    final = fit_on(make_model, data, final_rows, weak_final)
    metrics["final_model"] = {"fit": params.final_fit, "hand": len(final_rows)}

    # OOD reference for new text (issue 14): the aligned embeddings of the rows `final` fit on
    ood = training_ood(data.hand.embeddings[final_rows], data.weak.embeddings[weak_final])
    calibration: Calibration | None = None
    calibration_json: dict[str, Any] | None = None
    if out_of_fold is not None:
        priors = fit_priors(data, final_rows, weak_final, lexicon.keys, params)
        oof_true, oof_proba, errors = out_of_fold
        calibration = calibration_from(oof_true, oof_proba, priors)
        calibration_json = {
            **calibration.to_record(lexicon.keys),
            "source": "out-of-fold probabilities of every hand label, folds grouped by document",
            "n_labels": len(oof_true),
            "estimator_error": errors,
        }
        metrics["estimator_error"] = errors

    proba = final.predict_proba(passage_inputs)
    passage_counts: dict[str, Any] = {"n": len(ids), "unit": "passage"}
    sentence_themes = None
    if sentences is not None:
        scored = score_sentences(final, sentences, ids, proba)
        sentence_themes = with_trust_columns(
            scored.sentence_themes, sentences, lexicon.keys, ood, params
        )
        metrics["sentences"] = {
            "scored": len(sentence_themes),
            "not_in_passages": sentences.dropped,
            "by_theme": _theme_counts(sentence_themes),
        }
        if params.unit == "sentence":
            proba = scored.passage_proba
            passage_counts["unit"] = "sentence"
            passage_counts["from_sentences"] = int((~scored.fallback).sum())
            passage_counts["passage_level_fallback"] = int(scored.fallback.sum())
    table = theme_table("passage_id", ids, proba, lexicon.keys)
    metrics["passages"] = {**passage_counts, "by_theme": _theme_counts(table)}
    if sentence_themes is not None:
        metrics["sentences"]["abstained"] = int(sentence_themes["abstain"].sum())
    bundle = ClassifierBundle(
        final, tokenizer, embed_params, anchors, ood=ood, calibration=calibration
    )
    return ClassifyResult(
        bundle, table, weak.reset_index(drop=True), metrics, sentence_themes, calibration_json
    )


def out_of_fold_calibration(
    make_model: Callable[[], ThemeClassifier],
    data: TrainingData,
    hand: pd.DataFrame,
    params: ClassifyParams,
    seed: int,
    progress: bool = False,
    executor: Executor | None = None,
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]] | None:
    """Out-of-fold probabilities of every hand label (folds grouped by document, plain
    text) and the estimators' per-document share error on the labelled documents.

    The error is measured on the rows sampled at random from their documents (`pool`
    "random") when there are any, else on every labelled row (`sample` says which). Returns
    (theme codes, probabilities, error report), or None with too few labels or documents.
    """
    evaluation = params.evaluation
    rows = list(range(len(hand)))
    documents = hand["document"].astype(str).tolist()
    if len(rows) < 2 * evaluation.cv_folds or len(set(documents)) < 2:
        return None
    if len(set(data.hand_themes)) < 2:
        return None
    proba, keys = grouped_cross_validate_proba(
        make_model,
        data,
        rows,
        documents,
        evaluation.cv_folds,
        seed + 1,
        progress=progress,
        executor=executor,
    )
    code = {k: i for i, k in enumerate(keys)}
    true = np.array([code[t] for t in data.hand_themes], dtype=np.int64)
    pool = hand["pool"].astype(str) if "pool" in hand else pd.Series([""] * len(hand))
    random_rows = pool.to_numpy() == "random"
    measured = random_rows if random_rows.any() else np.ones(len(hand), dtype=bool)
    lengths = np.array([max(1, len(t)) for t in data.hand.texts], dtype=float)
    priors = fit_priors(data, rows, weak_rows_without(data, []), keys, params)
    errors = estimator_errors(
        true[measured],
        proba[measured],
        lengths[measured],
        [documents[i] for i in np.flatnonzero(measured)],
        hand["corpus"].astype(str).to_numpy()[measured].tolist(),
        priors,
        evaluation.f1_bootstrap,
        evaluation.f1_confidence,
        seed,
    )
    errors["sample"] = "random" if random_rows.any() else "all"
    return true, proba, errors


def fit_priors(
    data: TrainingData,
    hand_rows: list[int],
    weak_rows: list[int],
    keys: list[str],
    params: ClassifyParams,
) -> np.ndarray:
    """The theme distribution a fit on these rows sees (hand rows weigh hand_weight, weak
    rows 1, then the balanced class weights): the priors EM starts from."""
    themes = [data.hand_themes[i] for i in hand_rows] + [data.weak_themes[i] for i in weak_rows]
    weights = np.concatenate([np.full(len(hand_rows), data.hand_weight), np.ones(len(weak_rows))])
    return effective_priors(themes, weights, keys, params.model.class_weight == "balanced")


def with_trust_columns(
    scored: pd.DataFrame,
    sentences: SentenceTable,
    keys: list[str],
    ood: OodModel | None,
    params: ClassifyParams,
) -> pd.DataFrame:
    """Sentence scores with n_chars, confidence, margin, ood (NaN without a reference) and
    abstain (top probability below min_confidence or OOD above max_ood)."""
    proba = scored[[f"p_{k}" for k in keys]].to_numpy(dtype=np.float64)
    scores = (
        np.full(len(scored), np.nan)
        if ood is None
        else ood_scores(ood, sentences.inputs.embeddings)
    )
    flags = abstain(proba, np.nan_to_num(scores, nan=0.0), params.min_confidence, params.max_ood)
    return scored.assign(
        n_chars=[len(t) for t in sentences.inputs.texts],
        confidence=confidence(proba).astype(np.float32),
        margin=margin(proba).astype(np.float32),
        ood=scores.astype(np.float32),
        abstain=flags,
    )


def _theme_counts(table: pd.DataFrame) -> dict[str, int]:
    return {str(k): int(v) for k, v in table["theme"].value_counts().sort_index().items()}


def passage_inputs_from_tables(
    passages: pd.DataFrame,
    tokens: pd.DataFrame,
    embeddings: pd.DataFrame,
    anchors: dict[str, np.ndarray] | None,
) -> ThemeInputs:
    """Row-aligned classifier inputs from passages, tokens and embeddings tables."""
    tok = dict(zip(tokens["passage_id"], tokens["tokens"], strict=True))
    ids = passages["passage_id"].tolist()
    missing = [p for p in ids if p not in tok]
    if missing:
        raise UserError(
            f"{len(missing)} passages lack tokens (first: {missing[0]}); "
            "re-run `dvc repro tokenize`"
        )
    matrix = embedding_matrix(embeddings, "passage_id", ids, "passages")
    if anchors is not None:
        matrix = align_languages(matrix, passages["language"].tolist(), anchors)
    return ThemeInputs(
        texts=passages["text"].tolist(),
        embeddings=matrix,
        tokens=[list(tok[p]) for p in ids],
        contexts=section_paths(passages),
    )
