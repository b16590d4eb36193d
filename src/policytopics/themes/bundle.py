"""The saved classifier: everything needed to classify new text, and classifying with it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np

from policytopics.analysis.quantify import Calibration
from policytopics.config import EmbedParams
from policytopics.errors import UserError
from policytopics.io import atomic_path, write_json_atomic
from policytopics.models.embed import Embedder, Kind, align_languages, build_embedder
from policytopics.text.normalize import detect_language
from policytopics.text.tokenize import Tokenizer
from policytopics.themes.classifier import ThemeClassifier, ThemeInputs
from policytopics.themes.ood import OodModel, confidence, fit_ood, margin, ood_scores

PIPELINE_FILE = "pipeline.joblib"
SPEC_FILE = "spec.json"
EMBEDDING_KIND: Kind = "passage"  # training and new text both use e5's passage encoding


@dataclass
class ClassifierBundle:
    """The fitted classifier with the tokenizer, language anchors and embedder settings."""

    classifier: ThemeClassifier
    tokenizer: Tokenizer
    embed_params: EmbedParams
    anchors: dict[str, np.ndarray] | None  # None = embeddings used as they are
    # the OOD reference (themes/ood.py): aligned embeddings of the rows the model was fit on;
    # None in bundles saved before it existed (their predictions carry "ood": null)
    ood: OodModel | None = None
    # misclassification rates and training priors for the prevalence estimators
    # (analysis/quantify.py), from out-of-fold probabilities; None in older bundles
    calibration: Calibration | None = None

    @property
    def keys(self) -> list[str]:
        return self.classifier.keys

    def spec(self) -> dict[str, Any]:
        """A readable description of the features, for people and for checks on load."""
        return {
            "themes": self.keys,
            "embedding": {
                "backend": self.embed_params.backend,
                "model": self.embed_params.model,
                "kind": EMBEDDING_KIND,
                "language_aligned": self.anchors is not None,
            },
            "features": {
                "embedding_weight": self.classifier.embedding_weight,
                "tfidf_weight": self.classifier.tfidf_weight,
                "lexicon_weight": self.classifier.lexicon_weight,
                "context_weight": self.classifier.context_weight,
                "passage_weight": self.classifier.passage_weight,
                "tfidf_vocabulary": len(self.classifier.vectorizer_.vocabulary_),
            },
            "regression": {"C": self.classifier.c, "random_state": self.classifier.random_state},
            "neighbour_vote": None
            if self.classifier.knn_weight <= 0
            else {
                "weight": self.classifier.knn_weight,
                "k": self.classifier.knn_k,
                "temperature": self.classifier.knn_temperature,
                "items": len(self.classifier.neighbours_),
            },
            "ood": None
            if self.ood is None
            else {"k": self.ood.k, "reference_texts": len(self.ood.reference)},
        }


def training_ood(*embeddings: np.ndarray) -> OodModel | None:
    """The OOD reference from the (aligned) embeddings of the rows a model was fit on; None
    when there are fewer than two of them."""
    rows = [np.asarray(e, dtype=np.float32) for e in embeddings if len(e)]
    reference = np.vstack(rows) if rows else np.zeros((0, 0), np.float32)
    return fit_ood(reference) if len(reference) >= 2 else None


def save_bundle(bundle: ClassifierBundle, directory: Path) -> None:
    """Write pipeline.joblib and spec.json into `directory` (each atomically)."""
    directory.mkdir(parents=True, exist_ok=True)
    with atomic_path(directory / PIPELINE_FILE) as tmp:
        joblib.dump(bundle, tmp, compress=3)
    write_json_atomic(bundle.spec(), directory / SPEC_FILE)


def load_bundle(directory: Path) -> ClassifierBundle:
    """Read a saved classifier; a missing one is a one-line error that says how to make it."""
    path = directory / PIPELINE_FILE
    if not path.is_file():
        raise UserError(
            f"no trained classifier in {directory}/ (missing {PIPELINE_FILE}); "
            "run `dvc repro` (or `dvc repro classify`) first, or pass --model PATH"
        )
    try:
        bundle = joblib.load(path)
    except Exception as error:  # a truncated or foreign file: say which, in one line
        raise UserError(f"{path}: not a policytopics classifier ({error})") from None
    if not isinstance(bundle, ClassifierBundle):
        raise UserError(f"{path}: not a policytopics classifier; re-run `dvc repro classify`")
    return bundle


def prepare_inputs(
    texts: Sequence[str],
    languages: Sequence[str],
    embedder: Embedder,
    tokenizer: Tokenizer,
    anchors: dict[str, np.ndarray] | None,
    contexts: Sequence[str] | None = None,
) -> ThemeInputs:
    """Embed (passage encoding), align languages if asked, and tokenize new texts.

    `contexts`: each text's heading path, when known (None = no context for any text).
    """
    texts = list(texts)
    embeddings = embedder.embed(texts, EMBEDDING_KIND) if texts else np.zeros((0, 0), np.float32)
    if anchors is not None and texts:
        embeddings = align_languages(embeddings, list(languages), anchors)
    tokens = [tokenizer.tokenize(t, lang) for t, lang in zip(texts, languages, strict=True)]
    return ThemeInputs(
        texts=texts,
        embeddings=embeddings,
        tokens=tokens,
        contexts=list(contexts) if contexts is not None else [],
    )


def with_passage_texts(
    inputs: ThemeInputs,
    passages: Sequence[str],
    embedder: Embedder,
    anchors: dict[str, np.ndarray] | None,
) -> ThemeInputs:
    """`inputs` with the embedding of the paragraph each text comes from ("": its own)."""
    distinct = sorted({p for p in passages if p})
    if not distinct:
        return inputs
    vectors = embedder.embed(distinct, EMBEDDING_KIND)
    if anchors is not None:
        vectors = align_languages(vectors, [detect_language(p) for p in distinct], anchors)
    row = {p: i for i, p in enumerate(distinct)}
    return inputs.with_passage_vectors(vectors, [row[p] if p else None for p in passages])


def classify_texts(
    texts: Sequence[str],
    bundle: ClassifierBundle,
    embedder: Embedder | None = None,
    contexts: Sequence[str] | None = None,
    passages: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """One {"text", "theme", "scores", "confidence", "margin", "ood", "known_words"} record
    per text.

    `scores` are probabilities per theme; `confidence` the top one, `margin` its lead over the
    runner-up, `ood` the text's OOD score (themes/ood.py; None when the bundle has no OOD
    reference), `known_words` how many of its tokens the model's vocabulary holds (0: nothing
    but the embedding to go on). `contexts`: the heading path each text sits under, if known
    ("" or None: none);
    `passages`: the paragraph each text comes from, if known ("" or None: the text alone).
    """
    if not texts:
        return []
    embedder = embedder if embedder is not None else build_embedder(bundle.embed_params)
    languages = [detect_language(t) for t in texts]
    inputs = prepare_inputs(texts, languages, embedder, bundle.tokenizer, bundle.anchors, contexts)
    if passages is not None and bundle.classifier.passage_weight > 0:
        inputs = with_passage_texts(inputs, passages, embedder, bundle.anchors)
    proba = bundle.classifier.predict_proba(inputs)
    tops, leads = confidence(proba), margin(proba)
    oods: list[float | None] = (
        [None] * len(texts)
        if bundle.ood is None
        else [round(float(v), 4) for v in ood_scores(bundle.ood, inputs.embeddings)]
    )
    known = known_words(inputs.tokens, bundle.classifier)
    records = []
    for text, row, top, lead, ood, words in zip(
        texts, proba, tops, leads, oods, known, strict=True
    ):
        scores = {k: round(float(p), 4) for k, p in zip(bundle.keys, row, strict=True)}
        records.append(
            {
                "text": text,
                "theme": bundle.keys[int(row.argmax())],
                "scores": scores,
                "confidence": round(float(top), 4),
                "margin": round(float(lead), 4),
                "ood": ood,
                "known_words": words,
            }
        )
    return records


def known_words(tokens: Sequence[Sequence[str]], classifier: ThemeClassifier) -> list[int]:
    """Per text, how many of its tokens are in the classifier's TF-IDF vocabulary."""
    vocabulary = classifier.vectorizer_.vocabulary_
    return [sum(token in vocabulary for token in text) for text in tokens]


def describe(bundle: ClassifierBundle) -> str:
    """The spec as indented JSON (for `policytopics classify --info`)."""
    return json.dumps(bundle.spec(), ensure_ascii=False, indent=2)
