"""Refit LDA and BERTopic with another seed, as their stages fit them, and describe each fit
(or the pipeline's saved model) as a `stability.TopicRun`.

LDA goes through the lda stage's own sweep (`lda_sweep.sweep`) restricted to the K it chose;
BERTopic through `bertopic.fit_topics` with the bertopic stage's inputs (aligned embeddings,
token documents, fitted languages). One refit is one task on the executor: `refit` takes the
shared inputs and an `(engine, seed)` pair and returns a `TopicRun`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from bertopic import BERTopic
from scipy import sparse

from policytopics.compute import Shared
from policytopics.config import BertopicParams, LdaParams
from policytopics.errors import UserError, no_passages_in_languages
from policytopics.models import lda_sweep
from policytopics.models.bertopic import fit_topics, token_documents, topic_words
from policytopics.models.bertopic_check import (
    fit_language_mask,
    guidance,
    passage_frame,
    quality_metrics,
)
from policytopics.models.embed import Embedder, align_languages
from policytopics.models.lda_report import theme_seed_words
from policytopics.models.stability import TopicRun
from policytopics.precision import single_threaded
from policytopics.themes.lexicon import Lexicon

Engine = Literal["lda", "bertopic"]


@dataclass(frozen=True)
class LdaInputs:
    """What the lda stage fits on, with K fixed to the one it chose."""

    passage_ids: list[str]
    tokens: list[list[str]]
    languages: list[str]
    params: LdaParams  # num_topics = [the reference K]
    seed_words: list[list[str]]


@dataclass(frozen=True)
class BertopicInputs:
    """What the bertopic stage fits on."""

    passage_ids: list[str]
    docs: list[str]  # token documents
    texts: list[list[str]]  # tokens, for the coherence scores
    vectors: np.ndarray  # language-aligned embeddings
    fit_mask: list[bool]
    params: BertopicParams
    seed_topics: list[list[str]] | None = None  # bertopic.guided
    seed_embedder: Any = None  # AnchoredEmbedder when guided


@dataclass(frozen=True)
class RefitInputs:
    """Everything the refit tasks share (sent to each worker once)."""

    lda: LdaInputs | None
    bertopic: BertopicInputs | None
    top_n: int  # top words kept per topic


def lda_inputs(
    tokens: pd.DataFrame, params: LdaParams, num_topics: int, lexicon: Lexicon
) -> LdaInputs:
    """The lda stage's passages and seed words (`lda_report.model_topics`), K = `num_topics`."""
    token_lists = [list(t) for t in tokens["tokens"]]
    languages = tokens["language"].tolist()
    in_scope = [
        t for t, lang in zip(token_lists, languages, strict=True) if lang in params.fit_languages
    ]
    if not in_scope:
        raise no_passages_in_languages(
            "lda.fit_languages", params.fit_languages, languages, "tokens.parquet"
        )
    if not any(in_scope):
        raise UserError("tokens.parquet: the passages in lda.fit_languages have no tokens left")
    seed_words = theme_seed_words(params, lexicon, (w for text in in_scope for w in text))
    return LdaInputs(
        passage_ids=tokens["passage_id"].tolist(),
        tokens=token_lists,
        languages=languages,
        params=params.model_copy(update={"num_topics": [num_topics]}),
        seed_words=seed_words,
    )


def bertopic_inputs(
    passages: pd.DataFrame,
    tokens: pd.DataFrame,
    embeddings: pd.DataFrame,
    anchors: dict[str, np.ndarray] | None,
    params: BertopicParams,
    lexicon: Lexicon | None = None,
    embedder: Embedder | None = None,
) -> BertopicInputs:
    """The bertopic stage's passages, as `bertopic_check.model_passage_topics` prepares them."""
    frame, raw = passage_frame(passages, tokens, embeddings)
    languages = frame["language"].tolist()
    vectors = align_languages(raw, languages, anchors) if anchors else raw
    seed_topics, seed_embedder = guidance(params, lexicon, embedder, anchors)
    fit_mask = fit_language_mask(params, languages)
    return BertopicInputs(
        passage_ids=frame["passage_id"].tolist(),
        docs=token_documents(frame["tokens"].tolist()),
        texts=frame["tokens"].map(list).tolist(),
        vectors=vectors,
        fit_mask=fit_mask,
        params=params,
        seed_topics=seed_topics,
        seed_embedder=seed_embedder,
    )


def lda_run(
    fit: lda_sweep.TopicFit,
    doc_topics: pd.DataFrame,
    top_n: int,
    quality: dict[str, float] | None = None,
) -> TopicRun:
    """An LDA model and its passage table (`lda_sweep.doc_topics_table`'s layout) as a run."""
    dictionary = fit.dictionary
    columns = [f"topic_{k}" for k in range(fit.num_topics)]
    modelled = (doc_topics["status"] == lda_sweep.STATUS_MODELLED).to_numpy()
    matrix = doc_topics[columns].to_numpy(dtype=float, copy=True)
    matrix[~modelled] = 0.0
    return TopicRun(
        seed=fit.seed,
        topics=list(range(fit.num_topics)),
        vocabulary=[dictionary[i] for i in range(len(dictionary))],
        weights=lda_sweep.topic_term_of(fit),
        top_words=[[w for w, _ in words] for words in lda_sweep.words_of(fit, top_n)],
        passage_ids=doc_topics["passage_id"].astype(str).tolist(),
        passage_topics=matrix,
        modelled=modelled,
        quality=quality or {},
    )


def bertopic_run(
    model: BERTopic,
    seed: int,
    passage_ids: list[str],
    assignments: list[int],
    top_n: int,
    quality: dict[str, float] | None = None,
) -> TopicRun:
    """A BERTopic model (c-TF-IDF rows, outlier topic left out) and its assignments as a run."""
    words = topic_words(model, top_n)  # every topic but the outliers (-1), in id order
    topics = list(words)
    ctfidf = model.c_tf_idf_
    rows = ctfidf[[t + model._outliers for t in topics]]
    weights = rows.toarray() if sparse.issparse(rows) else np.asarray(rows)
    column = {t: i for i, t in enumerate(topics)}
    matrix = np.zeros((len(assignments), len(topics)))
    for row, topic in enumerate(assignments):
        if topic in column:
            matrix[row, column[topic]] = 1.0
    return TopicRun(
        seed=seed,
        topics=topics,
        vocabulary=[str(w) for w in model.vectorizer_model.get_feature_names_out()],
        weights=np.asarray(weights, dtype=float),
        top_words=[[w for w, _ in words[t]] for t in topics],
        passage_ids=list(passage_ids),
        passage_topics=matrix,
        modelled=np.ones(len(assignments), dtype=bool),
        quality=quality or {},
    )


def refit_lda(inputs: LdaInputs, seed: int, top_n: int) -> TopicRun:
    """The lda stage's fit at its chosen K with `seed`."""
    params = inputs.params
    in_scope = [
        t
        for t, lang in zip(inputs.tokens, inputs.languages, strict=True)
        if lang in params.fit_languages
    ]
    _, points, fits = lda_sweep.sweep(in_scope, params, seed, inputs.seed_words, progress=False)
    fit = next(iter(fits.values()))
    table = lda_sweep.doc_topics_table(
        fit, inputs.passage_ids, inputs.tokens, inputs.languages, params.fit_languages
    )
    point = points[0]
    quality = {"c_v": point.c_v, "c_npmi": point.c_npmi, "diversity": point.diversity}
    return lda_run(fit, table, top_n, quality)


def refit_bertopic(inputs: BertopicInputs, seed: int, top_n: int) -> TopicRun:
    """The bertopic stage's fit with `seed` (UMAP's random_state)."""
    fit = fit_topics(
        inputs.docs,
        inputs.vectors,
        inputs.params,
        seed,
        inputs.seed_topics,
        inputs.seed_embedder,
        inputs.fit_mask,
    )
    chosen = quality_metrics(fit, inputs.texts, inputs.params.top_words)["chosen"]
    assert isinstance(chosen, dict)
    quality = {k: float(chosen[k]) for k in ("c_v", "c_npmi", "diversity") if chosen[k] is not None}
    return bertopic_run(fit.model, seed, inputs.passage_ids, fit.topics, top_n, quality)


def refit(shared: Shared[RefitInputs], task: tuple[Engine, int]) -> TopicRun:
    """One task: refit `engine` with `seed` (BLAS on one thread, so any worker agrees)."""
    engine, seed = task
    inputs = shared.get()
    with single_threaded():
        if engine == "lda" and inputs.lda is not None:
            return refit_lda(inputs.lda, seed, inputs.top_n)
        if engine == "bertopic" and inputs.bertopic is not None:
            return refit_bertopic(inputs.bertopic, seed, inputs.top_n)
    raise ValueError(f"no inputs for engine {engine}")
