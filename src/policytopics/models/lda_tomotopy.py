"""LDA with tomotopy (collapsed Gibbs sampling in C++), the optional `lda.engine: tomotopy`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tomotopy as tp
from gensim.corpora import Dictionary

from policytopics.config import LdaParams
from policytopics.errors import UserError

MODEL_FILE = "tomotopy.bin"
DICTIONARY_FILE = "dictionary.dict"
META_FILE = "meta.json"
INFER_ITERATIONS = 100
DEFAULT_ALPHA = 0.1  # tomotopy's defaults, used when params give gensim's named priors
DEFAULT_ETA = 0.01


@dataclass(frozen=True)
class TomotopyFit:
    """A fitted tomotopy LDAModel and the gensim dictionary of the words it was given."""

    model: tp.LDAModel
    dictionary: Dictionary
    seed: int

    @property
    def num_topics(self) -> int:
        return int(self.model.k)


def fit_tomotopy(
    texts: Sequence[Sequence[str]],
    dictionary: Dictionary,
    num_topics: int,
    params: LdaParams,
    seed: int,
    seed_words: Sequence[Sequence[str]] = (),
) -> TomotopyFit:
    """Gibbs-sample `params.gibbs_iterations` sweeps on one thread (deterministic for a seed).

    `texts` must hold only dictionary words. A float lda.alpha / lda.eta is used as is; the
    named gensim priors fall back to tomotopy's defaults (alpha 0.1, optimised; eta 0.01).
    """
    alpha = params.alpha if isinstance(params.alpha, float) else DEFAULT_ALPHA
    eta = params.eta if isinstance(params.eta, float) else DEFAULT_ETA
    model = tp.LDAModel(k=num_topics, alpha=alpha, eta=eta, seed=seed)
    if params.seed_priors and seed_words:
        if len(seed_words) > num_topics:
            raise UserError(
                f"lda: {len(seed_words)} seeded themes need at least as many topics, "
                f"got num_topics={num_topics}"
            )
        for topic, words in enumerate(seed_words):
            for word in words:
                if word in dictionary.token2id:
                    prior = [eta] * num_topics
                    prior[topic] = params.seed_prior_weight
                    model.set_word_prior(word, prior)
    for text in texts:
        model.add_doc(list(text))
    model.train(params.gibbs_iterations, workers=1)
    return TomotopyFit(model=model, dictionary=dictionary, seed=seed)


def topic_words(fit: TomotopyFit, top_n: int) -> list[list[tuple[str, float]]]:
    """Each topic's `top_n` most probable words with their probabilities."""
    return [
        [(w, float(p)) for w, p in fit.model.get_topic_words(k, top_n=top_n)]
        for k in range(fit.num_topics)
    ]


def topic_term_matrix(fit: TomotopyFit) -> np.ndarray:
    """P(word | topic) over the gensim dictionary's ids, shape (K, vocabulary size)."""
    matrix = np.zeros((fit.num_topics, len(fit.dictionary)), dtype=np.float64)
    ids = [fit.dictionary.token2id.get(w, -1) for w in fit.model.used_vocabs]
    cols = np.array([i for i in ids if i >= 0], dtype=np.int64)
    keep = np.array([i >= 0 for i in ids], dtype=bool)
    for k in range(fit.num_topics):
        matrix[k, cols] = np.asarray(fit.model.get_topic_word_dist(k), dtype=np.float64)[keep]
    matrix += 1e-12  # words the sampler never saw
    normalised: np.ndarray = matrix / matrix.sum(axis=1, keepdims=True)
    return normalised


def prior(fit: TomotopyFit) -> np.ndarray:
    """The (possibly optimised) document-topic prior, normalised."""
    alpha: np.ndarray = np.asarray(fit.model.alpha, dtype=np.float64)
    normalised: np.ndarray = alpha / alpha.sum()
    return normalised


def document_topics(fit: TomotopyFit, texts: Sequence[Sequence[str]]) -> np.ndarray:
    """P(topic | passage) by Gibbs inference on one thread; texts must contain known words."""
    if not texts:
        return np.zeros((0, fit.num_topics))
    docs = [fit.model.make_doc(list(t)) for t in texts]
    dists, _ = fit.model.infer(docs, iterations=INFER_ITERATIONS, workers=1)
    matrix: np.ndarray = np.asarray([np.asarray(d, dtype=np.float64) for d in dists])
    normalised: np.ndarray = matrix / matrix.sum(axis=1, keepdims=True)
    return normalised


def save_tomotopy(fit: TomotopyFit, directory: Path) -> None:
    """Save the tomotopy model (its binary format), the dictionary and meta.json."""
    directory.mkdir(parents=True, exist_ok=True)
    fit.model.save(str(directory / MODEL_FILE), full=True)
    fit.dictionary.save(str(directory / DICTIONARY_FILE))
    meta = {"engine": "tomotopy", "num_topics": fit.num_topics, "seed": fit.seed}
    (directory / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def load_tomotopy(directory: Path) -> TomotopyFit:
    """Load a model saved by `save_tomotopy`."""
    if not (directory / MODEL_FILE).exists():
        raise UserError(f"{directory}: no tomotopy LDA model here (run `dvc repro lda`)")
    meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
    model = tp.LDAModel.load(str(directory / MODEL_FILE))
    dictionary = Dictionary.load(str(directory / DICTIONARY_FILE))
    return TomotopyFit(model=model, dictionary=dictionary, seed=int(meta["seed"]))
