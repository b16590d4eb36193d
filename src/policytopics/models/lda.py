"""LDA with gensim's LdaModel: dictionary, seeded priors, fit, transform, topic words, save/load."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from gensim.corpora import Dictionary
from gensim.models import LdaModel

from policytopics.config import LdaParams
from policytopics.errors import UserError
from policytopics.precision import significant

Bow = list[tuple[int, int]]

MODEL_FILE = "lda.model"
DICTIONARY_FILE = "dictionary.dict"
META_FILE = "meta.json"


@dataclass(frozen=True)
class LdaFit:
    """A fitted LDA model with the dictionary that maps its word ids to words."""

    model: LdaModel
    dictionary: Dictionary
    seed: int

    @property
    def num_topics(self) -> int:
        return int(self.model.num_topics)


def build_dictionary(
    texts: Sequence[Sequence[str]], min_df: int, max_df: float, keep_n: int
) -> Dictionary:
    """Vocabulary of `texts` without rare words (< min_df passages) and near-ubiquitous ones
    (in more than a `max_df` share of passages), then the `keep_n` most frequent."""
    dictionary = Dictionary(texts)
    dictionary.filter_extremes(no_below=min_df, no_above=max_df, keep_n=keep_n)
    if len(dictionary) == 0:
        raise UserError(
            f"lda: no word is left after filtering (min_df={min_df}, max_df={max_df}); "
            "lower lda.min_df or raise lda.max_df"
        )
    return dictionary


def to_bows(dictionary: Dictionary, texts: Sequence[Sequence[str]]) -> list[Bow]:
    """Bag-of-words of each text over `dictionary` (unknown words are ignored)."""
    return [dictionary.doc2bow(list(text)) for text in texts]


def seeded_eta(
    dictionary: Dictionary,
    num_topics: int,
    base: float,
    seed_words: Sequence[Sequence[str]],
    weight: float,
) -> np.ndarray:
    """Topic-word prior: `base` everywhere, `weight` for theme i's seed words in topic i.

    Theme i seeds topic i; words missing from the dictionary are skipped.
    """
    if len(seed_words) > num_topics:
        raise UserError(
            f"lda: {len(seed_words)} seeded themes need at least as many topics, "
            f"got num_topics={num_topics}"
        )
    eta = np.full((num_topics, len(dictionary)), base, dtype=np.float64)
    for topic, words in enumerate(seed_words):
        ids = [dictionary.token2id[w] for w in words if w in dictionary.token2id]
        eta[topic, ids] = weight
    return eta


def fit_lda(
    bows: Sequence[Bow],
    dictionary: Dictionary,
    num_topics: int,
    params: LdaParams,
    seed: int,
    seed_words: Sequence[Sequence[str]] = (),
) -> LdaFit:
    """Fit gensim's LdaModel (single process, so a fixed seed gives identical topics)."""
    eta: str | float | np.ndarray = params.eta
    if params.seed_priors and seed_words:
        base = 1.0 / num_topics if params.eta in ("symmetric", "auto") else float(params.eta)
        eta = seeded_eta(dictionary, num_topics, base, seed_words, params.seed_prior_weight)
    model = LdaModel(
        corpus=list(bows),
        id2word=dictionary,
        num_topics=num_topics,
        passes=params.passes,
        iterations=params.iterations,
        chunksize=params.chunksize,
        alpha=params.alpha,
        eta=eta,
        random_state=seed,
        eval_every=None,  # perplexity logging is slow and unused
        dtype=np.float64,
    )
    quantize(model)
    return LdaFit(model=model, dictionary=dictionary, seed=seed)


def quantize(model: LdaModel) -> None:
    """Round the fitted state to `precision.SIGNIFICANT_DIGITS` significant digits, in place.

    Variational Bayes sums in an order the BLAS kernel and thread count choose, so two machines
    agree on the model only to ~15 digits; everything written (topic words, passage topics,
    the saved model) is computed from this rounded state, so they agree on all of it.
    """
    model.state.sstats = significant(model.state.sstats)
    model.alpha = significant(model.alpha)
    model.eta = significant(model.eta)
    model.state.eta = significant(model.state.eta)
    model.sync_state()  # expElogbeta from the rounded counts ...
    model.expElogbeta = significant(model.expElogbeta)  # ... rounded in turn


def topic_words(fit: LdaFit, top_n: int) -> list[list[tuple[str, float]]]:
    """Each topic's `top_n` most probable words with their probabilities."""
    return [
        [(word, float(weight)) for word, weight in fit.model.show_topic(topic, topn=top_n)]
        for topic in range(fit.num_topics)
    ]


def topic_term_matrix(fit: LdaFit) -> np.ndarray:
    """P(word | topic), shape (K, vocabulary size), rows sum to 1."""
    matrix: np.ndarray = np.asarray(fit.model.get_topics(), dtype=np.float64)
    normalised: np.ndarray = matrix / matrix.sum(axis=1, keepdims=True)
    return normalised


def prior(fit: LdaFit) -> np.ndarray:
    """The document-topic prior, normalised: what a passage without known words gets."""
    alpha: np.ndarray = np.asarray(fit.model.alpha, dtype=np.float64)
    normalised: np.ndarray = alpha / alpha.sum()
    return normalised


def document_topics(fit: LdaFit, bows: Sequence[Bow]) -> np.ndarray:
    """P(topic | passage), shape (len(bows), K); a passage without known words gets the prior.

    Inference starts from a random state seeded with the fit's seed, so the result does not
    depend on what the model inferred before (or on a save/load in between).
    """
    if not bows:
        return np.zeros((0, fit.num_topics))
    fit.model.random_state = np.random.RandomState(fit.seed)
    gamma, _ = fit.model.inference(list(bows))
    matrix: np.ndarray = np.asarray(gamma, dtype=np.float64)
    normalised: np.ndarray = matrix / matrix.sum(axis=1, keepdims=True)
    return normalised


def save_lda(fit: LdaFit, directory: Path) -> None:
    """Save model and dictionary in gensim's native formats, plus a small meta.json."""
    directory.mkdir(parents=True, exist_ok=True)
    # gensim stamps every object with datetime.now() events ("created", "saving"): without
    # them the saved files are byte-identical for the same data and seed.
    for obj in (fit.model, fit.model.state, fit.model.id2word, fit.dictionary):
        obj.lifecycle_events = None
    # ignore=() still keeps state/dispatcher/id2word out of the pickle, in a fixed order (the
    # default goes through a set, whose order changes from process to process).
    fit.model.save(str(directory / MODEL_FILE), ignore=())
    fit.dictionary.save(str(directory / DICTIONARY_FILE))
    meta = {"engine": "gensim", "num_topics": fit.num_topics, "seed": fit.seed}
    (directory / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def load_lda(directory: Path) -> LdaFit:
    """Load a model saved by `save_lda`."""
    if not (directory / MODEL_FILE).exists():
        raise UserError(f"{directory}: no LDA model here (run `dvc repro lda`)")
    meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
    model = LdaModel.load(str(directory / MODEL_FILE))
    dictionary = Dictionary.load(str(directory / DICTIONARY_FILE))
    return LdaFit(model=model, dictionary=dictionary, seed=int(meta["seed"]))
