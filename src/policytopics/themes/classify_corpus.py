"""The classify stage's work as one call: inputs from the pipeline's tables, train, score."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from policytopics.compute import Executor
from policytopics.config import Params
from policytopics.errors import UserError
from policytopics.models.embed import (
    Embedder,
    KnownEmbedder,
    anchors_from_table,
    language_anchors,
    load_parallel_pairs,
)
from policytopics.precision import single_threaded
from policytopics.text.tokenize import Tokenizer, build_tokenizer
from policytopics.themes.classifier import ThemeInputs
from policytopics.themes.lexicon import Lexicon
from policytopics.themes.sentences import SentenceTable, sentence_inputs_from_tables
from policytopics.themes.training import (
    ClassifyResult,
    passage_inputs_from_tables,
    train_and_evaluate,
)
from policytopics.themes.weak_labels import candidates, topic_votes

PASSAGE_FIELDS = ("passage_id", "doc_id", "language", "section_path", "text")


@dataclass(frozen=True)
class ClassifyTables:
    """The pipeline outputs the classifier learns from (None: not given / not needed)."""

    passages: pd.DataFrame  # segment: PASSAGE_FIELDS
    tokens: pd.DataFrame  # tokenize: passage_id, tokens
    embeddings: pd.DataFrame  # embed: passage_id, embedding
    hand: pd.DataFrame  # validated hand labels (themes.labels.read_hand_labels)
    sentences: pd.DataFrame | None = None  # segment: sentence_id, passage_id, text
    sentence_vectors: pd.DataFrame | None = None  # embed: sentence_id, embedding
    anchors: pd.DataFrame | None = None  # embed: language, embedding (None: packaged pairs)
    topic_themes: pd.DataFrame | None = None  # themes: model, topic, theme, score
    lda_doc_topics: pd.DataFrame | None = None
    bertopic_doc_topics: pd.DataFrame | None = None


@dataclass
class ClassifyInputs:
    """Everything training reads, built from `ClassifyTables` (see `prepare_inputs`)."""

    passages: pd.DataFrame
    passage_inputs: ThemeInputs
    hand: pd.DataFrame
    candidates: Mapping[str, Mapping[str, str]]
    lexicon: Lexicon
    tokenizer: Tokenizer
    embedder: KnownEmbedder
    anchors: dict[str, np.ndarray] | None
    sentences: SentenceTable | None


def language_anchors_of(table: pd.DataFrame | None, embedder: Embedder) -> dict[str, np.ndarray]:
    """The embed stage's language anchors, else computed from the packaged parallel pairs."""
    if table is not None:
        return anchors_from_table(table)
    return language_anchors(embedder, load_parallel_pairs())


def _sentences(
    tables: ClassifyTables,
    passage_inputs: ThemeInputs,
    tokenizer: Tokenizer,
    anchors: dict[str, np.ndarray] | None,
) -> tuple[SentenceTable | None, dict[str, np.ndarray]]:
    """Sentence inputs, and the embed stage's vector for each sentence text (for reuse)."""
    sentences, vectors = tables.sentences, tables.sentence_vectors
    if sentences is None and vectors is None:
        return None, {}
    if sentences is None or vectors is None:
        raise UserError("--sentences and --sentence-embeddings go together")
    table = sentence_inputs_from_tables(
        sentences, tables.passages, passage_inputs, vectors, tokenizer, anchors, True
    )
    by_id = dict(zip(vectors["sentence_id"], vectors["embedding"], strict=True))
    known = {
        str(t): np.asarray(by_id[i], np.float32)
        for i, t in zip(sentences["sentence_id"], sentences["text"], strict=True)
        if i in by_id
    }
    return table, known


def prepare_inputs(
    tables: ClassifyTables, params: Params, lexicon: Lexicon, embedder: Embedder
) -> ClassifyInputs:
    """Classifier inputs for passages (and sentences), and the weak-label candidates."""
    settings = params.classify
    passages = tables.passages
    anchors = (
        language_anchors_of(tables.anchors, embedder) if settings.model.align_languages else None
    )
    inputs = passage_inputs_from_tables(passages, tables.tokens, tables.embeddings, anchors)
    tokenizer = build_tokenizer(params.tokenize)
    sentences, known = _sentences(tables, inputs, tokenizer, anchors)
    if settings.unit == "sentence" and sentences is None:
        raise UserError(
            "classify.unit: sentence needs the sentences table and its embeddings "
            "(--sentences, --sentence-embeddings); or set classify.unit: passage"
        )
    weak = settings.weak_labels
    votes = []
    if weak.topic:
        topic_themes, lda = tables.topic_themes, tables.lda_doc_topics
        bert = tables.bertopic_doc_topics
        if topic_themes is None or lda is None or bert is None:
            raise UserError(
                "classify.weak_labels.topic needs the topic-theme mapping and both "
                "models' passage topics"
            )
        votes = topic_votes(topic_themes, lda, bert, weak)
    return ClassifyInputs(
        passages=passages,
        passage_inputs=inputs,
        hand=tables.hand,
        candidates=candidates(passages, lexicon, weak, votes),
        lexicon=lexicon,
        tokenizer=tokenizer,
        embedder=KnownEmbedder(embedder, known),  # hand sentences the embed stage has seen
        anchors=anchors,
        sentences=sentences,
    )


def classify_corpus(
    tables: ClassifyTables,
    params: Params,
    lexicon: Lexicon,
    embedder: Embedder,
    executor: Executor | None = None,
) -> ClassifyResult:
    """Train on hand + weak labels, score honestly, classify every passage (and sentence).

    The evaluation's model fits are tasks on `executor` (default: this process). BLAS runs
    on one thread, here and in every fit wherever it runs: L-BFGS sums its dot products (over ~10^5
    coefficients) in an order the thread count chooses, which moved probabilities in their
    last digits.
    """
    loaded = prepare_inputs(tables, params, lexicon, embedder)
    with single_threaded():
        return _train(loaded, params, executor)


def _train(loaded: ClassifyInputs, params: Params, executor: Executor | None) -> ClassifyResult:
    return train_and_evaluate(
        loaded.passages,
        loaded.passage_inputs,
        loaded.hand,
        loaded.candidates,
        loaded.lexicon,
        params.classify,
        params.seed,
        loaded.embedder,
        loaded.tokenizer,
        params.embed,
        loaded.anchors,
        progress=True,
        sentences=loaded.sentences,
        executor=executor,
    )
