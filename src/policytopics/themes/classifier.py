"""Passage theme classifier: logistic regression on [e5 embedding ⊕ TF-IDF ⊕ lexicon counts
⊕ lexicon counts of the heading path ⊕ e5 embedding of the surrounding passage], its
probabilities blended with a nearest-neighbour vote in the e5 space."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from policytopics.config import ClassifierModelParams
from policytopics.themes.lexicon import Lexicon
from policytopics.themes.ood import unit_rows

_DEFAULTS = ClassifierModelParams()  # the pipeline's settings (params.yaml classify.model)


@dataclass(frozen=True)
class ThemeInputs:
    """What the classifier reads for each text: the raw text, its embedding, its tokens and its
    context: the heading path of the passage it sits in ("" when unknown, e.g. new text) and
    that passage's embedding (None = each text's own: a text on its own is its own passage)."""

    texts: list[str]
    embeddings: np.ndarray  # (n, dim), L2-normalised (language-aligned when the model says so)
    tokens: list[list[str]]
    contexts: list[str] = field(default_factory=list)  # empty = "" for every text
    passage_embeddings: np.ndarray | None = None  # (n, dim), aligned like `embeddings`

    def __post_init__(self) -> None:
        n = len(self.texts)
        if not self.contexts:
            object.__setattr__(self, "contexts", [""] * n)
        if self.passage_embeddings is None:
            object.__setattr__(self, "passage_embeddings", self.embeddings)
        shape, passage_shape = self.embeddings.shape, self.passages.shape
        if shape[0] != n or len(self.tokens) != n or len(self.contexts) != n:
            raise ValueError(
                f"inputs disagree: {n} texts, {shape[0]} embeddings, "
                f"{len(self.tokens)} token lists, {len(self.contexts)} contexts"
            )
        if passage_shape != shape:
            raise ValueError(f"passage embeddings {passage_shape} differ from embeddings {shape}")

    @property
    def passages(self) -> np.ndarray:
        """The passage embeddings (the texts' own where none were given)."""
        assert self.passage_embeddings is not None  # set in __post_init__
        return self.passage_embeddings

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, index: Sequence[int] | np.ndarray) -> ThemeInputs:
        """The rows at `index`, in that order."""
        idx = np.asarray(index, dtype=int)
        return ThemeInputs(
            texts=[self.texts[i] for i in idx],
            embeddings=self.embeddings[idx],
            tokens=[self.tokens[i] for i in idx],
            contexts=[self.contexts[i] for i in idx],
            passage_embeddings=self.passages[idx],
        )

    def without_context(self) -> ThemeInputs:
        """The same texts as new text arrives: no heading, each text its own passage."""
        return replace(self, contexts=[""] * len(self), passage_embeddings=self.embeddings)

    def with_passages(self, passages: ThemeInputs, rows: Sequence[int | None]) -> ThemeInputs:
        """These texts read in their passages: each one's heading path and passage embedding
        from `passages` at its row; a text with no row (None) keeps "" and its own embedding."""
        contexts = [passages.contexts[r] if r is not None else "" for r in rows]
        return replace(self.with_passage_vectors(passages.embeddings, rows), contexts=contexts)

    def with_passage_vectors(self, vectors: np.ndarray, rows: Sequence[int | None]) -> ThemeInputs:
        """Each text's passage embedding from `vectors` at its row (None: its own)."""
        if len(rows) != len(self):
            raise ValueError(f"{len(rows)} passage rows for {len(self)} texts")
        own = self.embeddings
        chosen = [vectors[r] if r is not None else own[i] for i, r in enumerate(rows)]
        return replace(
            self, passage_embeddings=np.vstack(chosen).astype(own.dtype) if chosen else own
        )

    @staticmethod
    def concat(parts: Sequence[ThemeInputs]) -> ThemeInputs:
        """Rows of all parts, in order."""
        dims = [p.embeddings.shape[1] for p in parts if len(p)]
        dim = dims[0] if dims else 0
        return ThemeInputs(
            texts=[t for p in parts for t in p.texts],
            embeddings=np.vstack([p.embeddings.reshape(len(p), dim) for p in parts]),
            tokens=[t for p in parts for t in p.tokens],
            contexts=[c for p in parts for c in p.contexts],
            passage_embeddings=np.vstack([p.passages.reshape(len(p), dim) for p in parts]),
        )


def token_list(tokens: list[str]) -> list[str]:
    """Identity analyzer: the pipeline's tokens go into TF-IDF unchanged (picklable)."""
    return tokens


def lexicon_features(texts: Sequence[str], lexicon: Lexicon) -> np.ndarray:
    """log(1 + seed-term count) per theme, one row per text (language-independent evidence).

    Each distinct text is counted once: contexts repeat (5,711 sentences, 378 heading paths).
    """
    row_of: dict[str, int] = {}
    index = [row_of.setdefault(t, len(row_of)) for t in texts]
    counts = np.array(
        [[np.log1p(n) for n in lexicon.count_matches(t).values()] for t in row_of],
        dtype=np.float64,
    ).reshape(len(row_of), len(lexicon.keys))
    out: np.ndarray = counts[np.asarray(index, dtype=int)]
    return out


def neighbour_vote(
    queries: np.ndarray,
    neighbours: np.ndarray,
    themes: np.ndarray,
    weights: np.ndarray,
    k: int,
    n_themes: int,
    temperature: float = 0.0,
    chunk: int = 1024,
) -> np.ndarray:
    """(len(queries), n_themes): each query's vote of its `k` most cosine-similar rows of
    `neighbours` (unit rows, as `queries`), each counting its similarity (negative ones 0), or with
    `temperature` > 0 exp((similarity - 1) / temperature), times its weight for its theme,
    normalised to sum 1 (a query with no positive similarity gets a zero row). Ties go to the
    earlier neighbour; queries are scored `chunk` at a time, so memory stays at `chunk` x
    len(neighbours) whatever the corpus size."""
    votes = np.zeros((len(queries), n_themes), dtype=np.float64)
    k = min(k, len(neighbours))
    for start in range(0, len(queries), chunk):
        similarity = queries[start : start + chunk] @ neighbours.T
        nearest = np.argsort(-similarity, axis=1, kind="stable")[:, :k]
        strength = np.clip(np.take_along_axis(similarity, nearest, axis=1), 0.0, None)
        if temperature > 0:
            strength = np.where(strength > 0, np.exp((strength - 1.0) / temperature), 0.0)
        strength *= weights[nearest]
        block = votes[start : start + chunk]
        for j in range(k):  # column by column: the same sums in the same order for every query
            np.add.at(block, (np.arange(len(block)), themes[nearest[:, j]]), strength[:, j])
    totals = votes.sum(axis=1, keepdims=True)
    return votes / np.where(totals > 0, totals, 1.0)


class ThemeClassifier:
    """Multinomial logistic regression over embedding, TF-IDF and lexicon-count blocks.

    With `context_weight` > 0 a fourth block holds the lexicon counts of each text's context
    (its passage's heading path): a sentence under "第一节 大力发展数字经济" leans digital, one
    with no context ("") gets zeros there. With `passage_weight` > 0 a fifth holds the
    embedding of the passage the text sits in (its own embedding when it stands alone), so a
    short sentence is read with its paragraph. Each block is scaled by its weight;
    `predict_proba` returns one column per lexicon theme (themes with no training example get
    probability 0), `(1 - knn_weight)` times the regression's plus `knn_weight` times a vote
    of the `knn_k` training items nearest in the e5 space (`neighbour_vote`). The defaults are
    the pipeline's (`ClassifierModelParams`).
    """

    def __init__(
        self,
        lexicon: Lexicon,
        c: float = _DEFAULTS.c,
        embedding_weight: float = _DEFAULTS.embedding_weight,
        tfidf_weight: float = _DEFAULTS.tfidf_weight,
        lexicon_weight: float = _DEFAULTS.lexicon_weight,
        context_weight: float = _DEFAULTS.context_weight,
        passage_weight: float = _DEFAULTS.passage_weight,
        min_df: int = _DEFAULTS.min_df,
        class_weight: str = _DEFAULTS.class_weight,
        knn_weight: float = _DEFAULTS.knn_weight,
        knn_k: int = _DEFAULTS.knn_k,
        knn_temperature: float = _DEFAULTS.knn_temperature,
        max_iter: int = 3000,
        random_state: int = 0,
    ) -> None:
        self.lexicon = lexicon
        self.c = c
        self.embedding_weight = embedding_weight
        self.tfidf_weight = tfidf_weight
        self.lexicon_weight = lexicon_weight
        self.context_weight = context_weight
        self.passage_weight = passage_weight
        self.min_df = min_df
        self.class_weight = class_weight
        self.knn_weight = knn_weight
        self.knn_k = knn_k
        self.knn_temperature = knn_temperature
        self.max_iter = max_iter
        self.random_state = random_state

    @classmethod
    def from_params(
        cls, lexicon: Lexicon, params: ClassifierModelParams, random_state: int
    ) -> ThemeClassifier:
        """An unfitted classifier with the settings of params.yaml's `classify.model`."""
        return cls(
            lexicon,
            c=params.c,
            embedding_weight=params.embedding_weight,
            tfidf_weight=params.tfidf_weight,
            lexicon_weight=params.lexicon_weight,
            context_weight=params.context_weight,
            passage_weight=params.passage_weight,
            min_df=params.min_df,
            class_weight=params.class_weight,
            knn_weight=params.knn_weight,
            knn_k=params.knn_k,
            knn_temperature=params.knn_temperature,
            random_state=random_state,
        )

    def __setstate__(self, state: dict[str, object]) -> None:
        """Models saved before the context blocks or the neighbour vote existed load without
        them."""
        state.setdefault("context_weight", 0.0)
        state.setdefault("passage_weight", 0.0)
        state.setdefault("class_weight", "none")
        state.setdefault("knn_weight", 0.0)
        state.setdefault("knn_k", _DEFAULTS.knn_k)
        state.setdefault("knn_temperature", 0.0)
        self.__dict__.update(state)

    @property
    def keys(self) -> list[str]:
        return self.lexicon.keys

    def _features(self, inputs: ThemeInputs) -> csr_matrix:
        blocks = [csr_matrix(inputs.embeddings.astype(np.float64) * self.embedding_weight)]
        if self.tfidf_weight > 0:
            blocks.append(self.vectorizer_.transform(inputs.tokens) * self.tfidf_weight)
        if self.lexicon_weight > 0:
            lex = lexicon_features(inputs.texts, self.lexicon) * self.lexicon_weight
            blocks.append(csr_matrix(lex))
        if self.context_weight > 0:
            ctx = lexicon_features(inputs.contexts, self.lexicon) * self.context_weight
            blocks.append(csr_matrix(ctx))
        if self.passage_weight > 0:
            blocks.append(csr_matrix(inputs.passages.astype(np.float64) * self.passage_weight))
        return hstack(blocks).tocsr()

    def fit(
        self,
        inputs: ThemeInputs,
        themes: Sequence[str],
        sample_weight: np.ndarray | None = None,
    ) -> ThemeClassifier:
        """Learn the TF-IDF vocabulary and the regression from labelled inputs."""
        unknown = sorted(set(themes) - set(self.keys))
        if unknown:
            raise ValueError(f"labels outside the lexicon: {unknown}")
        if len(set(themes)) < 2:
            raise ValueError("need at least two themes among the training labels")
        self.vectorizer_ = TfidfVectorizer(
            analyzer=token_list, sublinear_tf=True, min_df=self.min_df, dtype=np.float64
        )
        self.vectorizer_.fit(inputs.tokens)
        self.model_ = LogisticRegression(
            C=self.c,
            max_iter=self.max_iter,
            random_state=self.random_state,
            class_weight="balanced" if self.class_weight == "balanced" else None,
        )
        self.model_.fit(self._features(inputs), np.asarray(themes), sample_weight=sample_weight)
        if self.knn_weight > 0:
            column = {k: i for i, k in enumerate(self.keys)}
            self.neighbours_ = unit_rows(inputs.embeddings, np.float64)
            self.neighbour_themes_ = np.array([column[t] for t in themes], dtype=np.int64)
            weights = np.ones(len(themes)) if sample_weight is None else sample_weight
            self.neighbour_weights_ = np.asarray(weights, dtype=np.float64)
        return self

    def predict_proba(self, inputs: ThemeInputs) -> np.ndarray:
        """(n, n_themes) probabilities, columns in lexicon order."""
        out = np.zeros((len(inputs), len(self.keys)), dtype=np.float64)
        if not len(inputs):
            return out
        proba = self.model_.predict_proba(self._features(inputs))
        column = {k: i for i, k in enumerate(self.keys)}
        for j, theme in enumerate(self.model_.classes_):
            out[:, column[str(theme)]] = proba[:, j]
        if self.knn_weight > 0:
            vote = neighbour_vote(
                unit_rows(inputs.embeddings, np.float64),
                self.neighbours_,
                self.neighbour_themes_,
                self.neighbour_weights_,
                self.knn_k,
                len(self.keys),
                self.knn_temperature,
            )
            out = (1.0 - self.knn_weight) * out + self.knn_weight * vote
        return out

    def predict(self, inputs: ThemeInputs) -> list[str]:
        """The most probable theme of each input."""
        proba = self.predict_proba(inputs)
        return [self.keys[i] for i in proba.argmax(axis=1)]
