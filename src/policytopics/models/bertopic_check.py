"""The bertopic stage's work as one call (fit, tables, metrics) and the save/reload check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from policytopics.config import BertopicParams
from policytopics.errors import UserError, no_passages_in_languages
from policytopics.models.bertopic import (
    DIVERSITY_TOP_N,
    AnchoredEmbedder,
    TopicFit,
    fit_topics,
    load_topic_model,
    predict_topics,
    token_documents,
    topic_table,
    topic_words,
)
from policytopics.models.bertopic_report import (
    cross_language_examples,
    representative_passages,
    topic_info,
)
from policytopics.models.embed import Embedder, align_languages
from policytopics.models.quality import topic_diversity, topic_quality
from policytopics.precision import metric_number, round_table
from policytopics.schemas import require_columns
from policytopics.themes.lexicon import Lexicon

PASSAGE_COLUMNS = ("passage_id", "doc_id", "language", "locality", "text")


def passage_frame(
    passages: pd.DataFrame, tokens: pd.DataFrame, embeddings: pd.DataFrame
) -> tuple[pd.DataFrame, np.ndarray]:
    """Passages (with tokens) in passage order and their embeddings, every passage accounted."""
    require_columns(passages, PASSAGE_COLUMNS, "passages.parquet")
    for name, table in (("tokens", tokens), ("embeddings", embeddings)):
        missing = set(passages["passage_id"]) - set(table["passage_id"])
        if missing or len(table) != len(passages):
            raise UserError(
                f"bertopic: {name} table does not match passages.parquet "
                f"({len(table)} rows, {len(missing)} passages missing); re-run `dvc repro`"
            )
    frame = passages.merge(
        tokens[["passage_id", "tokens"]], on="passage_id", how="left", validate="one_to_one"
    )
    vectors = embeddings.set_index("passage_id").loc[frame["passage_id"], "embedding"]
    return frame, np.vstack(list(vectors)).astype(np.float32)


def guided_seeds(lexicon: Lexicon) -> list[list[str]]:
    """Each theme's Chinese seed words, as BERTopic's seed_topic_list."""
    return [list(t.seeds_zh) for t in lexicon.themes if t.seeds_zh]


def guidance(
    params: BertopicParams,
    lexicon: Lexicon | None,
    embedder: Embedder | None,
    anchors: dict[str, np.ndarray] | None,
) -> tuple[list[list[str]] | None, AnchoredEmbedder | None]:
    """The guided-topic seeds and the embedder for them; (None, None) unless `params.guided`."""
    if not params.guided:
        return None, None
    if lexicon is None or embedder is None:
        raise ValueError("bertopic.guided needs the lexicon and an embedder")
    return guided_seeds(lexicon), AnchoredEmbedder(embedder, anchors)


def fit_language_mask(params: BertopicParams, languages: list[str]) -> list[bool]:
    """The passages that shape the topics: those in `params.fit_languages` ([] = all)."""
    return [not params.fit_languages or lang in params.fit_languages for lang in languages]


def quality_metrics(fit: TopicFit, texts: list[list[str]], top_n: int) -> dict[str, object]:
    """`chosen` and `outliers` of metrics.json, in the layout of LDA's (`chosen.c_v`, ...)."""
    words = [
        [w for w, _ in pairs]
        for pairs in topic_words(fit.model, max(top_n, DIVERSITY_TOP_N)).values()
    ]
    quality = topic_quality(words, texts, top_n=top_n)
    return {
        "chosen": {
            "num_topics": len(words),
            "c_v": metric_number(quality["c_v"]),
            "c_npmi": metric_number(quality["c_npmi"]),
            "diversity": metric_number(topic_diversity(words, top_n=DIVERSITY_TOP_N)),
        },
        "outliers": {
            "share_before": metric_number(fit.outlier_share_before),
            "share_after": metric_number(fit.outlier_share_after),
        },
        "clusters": {  # bertopic.hdbscan.min_cluster_size (auto resolved), bertopic.nr_topics
            "min_cluster_size": fit.min_cluster_size,
            "found": fit.n_clusters,
            "merged": fit.n_clusters - len(words),
        },
    }


def agreement(a: list[int], b: list[int]) -> float:
    """Share of positions where two topic assignments agree (6 decimals)."""
    return round(float(np.mean(np.array(a) == np.array(b))), 6)


@dataclass(frozen=True)
class BertopicOutputs:
    """Everything the bertopic stage writes, except the model files and the reload check."""

    fit: TopicFit
    frame: pd.DataFrame  # passages in order, with their tokens
    vectors: np.ndarray  # the (language-aligned) embeddings the model saw
    docs: list[str]  # token documents
    assignments: pd.DataFrame
    topics: pd.DataFrame
    info: pd.DataFrame
    cross_language: pd.DataFrame
    representatives: dict[int, list[str]]
    predicted: list[int]  # centroid prediction of the fitted model
    quality: dict[str, object]

    @property
    def en_topics(self) -> list[int]:
        languages = self.frame["language"].tolist()
        return [t for t, lang in zip(self.fit.topics, languages, strict=True) if lang == "en"]

    @property
    def en_with_zh(self) -> int:
        """English passages in a topic that also holds Chinese ones."""
        examples = self.cross_language
        return len(set(examples.loc[examples["zh_passages_in_topic"] > 0, "passage_id"]))

    def metrics(self, reload_predicted: list[int]) -> dict[str, object]:
        """metrics.json, given the topics the saved-and-reloaded model predicts."""
        languages = self.frame["language"].tolist()
        return {
            **self.quality,
            "passages": {
                "total": len(self.frame),
                "zh": languages.count("zh"),
                "en": languages.count("en"),
                "fitted": int(self.fit.fitted.sum()),
                "assigned_to_nearest_topic": int((~self.fit.fitted).sum()),
            },
            "vocabulary_size": len(self.fit.model.vectorizer_model.vocabulary_),
            "prediction": {
                "centroid_agrees_with_assignment": agreement(self.predicted, self.fit.topics),
                "reload_agrees_with_fitted": agreement(reload_predicted, self.predicted),
            },
            "cross_language": {
                "en_passages": len(self.en_topics),
                "en_in_topics_with_zh": self.en_with_zh,
            },
        }

    def summary(self, params: BertopicParams) -> str:
        """The stage's one-line report."""
        fit = self.fit
        languages = sorted(set(self.frame["language"]))
        cross = (
            f"{self.en_with_zh}/{len(self.en_topics)} English passages share a topic with "
            "Chinese ones"
            if {"zh", "en"} <= set(languages)
            else f"passages in {'/'.join(languages)} only: no cross-language check"
        )
        return (
            f"bertopic: {len(self.frame)} passages -> {len(set(fit.topics) - {-1})} topics "
            f"(min_cluster_size {fit.min_cluster_size}, {fit.n_clusters} found); "
            f"outliers {fit.outlier_share_before:.1%} -> {fit.outlier_share_after:.1%} "
            f"({params.outliers.strategy}); {cross}"
        )


# the steps `model_passage_topics` reports to its `on_step` callback, in order
MODEL_STEPS = (
    "reduce (UMAP) and cluster (HDBSCAN)",
    "describe topics",
    "topic quality (coherence)",
)


def _no_step(name: str) -> None:
    """The default `on_step`: report nothing."""


def model_passage_topics(
    passages: pd.DataFrame,
    tokens: pd.DataFrame,
    embeddings: pd.DataFrame,
    anchors: dict[str, np.ndarray] | None,
    params: BertopicParams,
    seed: int,
    lexicon: Lexicon | None = None,
    embedder: Embedder | None = None,
    on_step: Callable[[str], None] = _no_step,
) -> BertopicOutputs:
    """Fit BERTopic on the passages in `params.fit_languages`, assign every passage, tabulate.

    `on_step(name)` is called as each of `MODEL_STEPS` begins (a stage's progress bar).

    Table floats are rounded to `precision.SIGNIFICANT_DIGITS` (BLAS noise never written).

    `anchors` (None = no alignment) remove each language's offset first; with `params.guided`
    the lexicon's Chinese seeds guide the topics, embedded by `embedder`.
    """
    frame, raw = passage_frame(passages, tokens, embeddings)
    languages = frame["language"].tolist()
    vectors = align_languages(raw, languages, anchors) if anchors else raw
    docs = token_documents(frame["tokens"].tolist())
    seeds, seed_embedder = guidance(params, lexicon, embedder, anchors)
    fit_mask = fit_language_mask(params, languages)
    if not any(fit_mask):
        raise no_passages_in_languages(
            "bertopic.fit_languages", params.fit_languages, languages, "embeddings.parquet"
        )
    on_step(MODEL_STEPS[0])
    fit = fit_topics(docs, vectors, params, seed, seeds, seed_embedder, fit_mask)
    on_step(MODEL_STEPS[1])
    assignments = round_table(
        pd.DataFrame(
            {
                "passage_id": frame["passage_id"],
                "topic": fit.topics,
                "probability": fit.probability,
                "topic_before_reduction": fit.topics_before,
            }
        )
    )
    representatives = representative_passages(fit.topics, vectors, frame["text"].tolist(), 3)
    info = topic_info(fit.model, fit.topics, languages, representatives)
    predicted, _ = predict_topics(fit.model, vectors)
    topics = round_table(topic_table(fit.model, params.top_words))
    cross_language = round_table(cross_language_examples(frame, fit.topics, vectors, info))
    on_step(MODEL_STEPS[2])
    quality = quality_metrics(fit, frame["tokens"].map(list).tolist(), params.top_words)
    return BertopicOutputs(
        fit=fit,
        frame=frame,
        vectors=vectors,
        docs=docs,
        assignments=assignments,
        topics=topics,
        info=round_table(info),
        cross_language=cross_language,
        representatives=representatives,
        predicted=list(predicted),
        quality=quality,
    )


def reload_predictions(model_dir: Path, vectors: np.ndarray) -> list[int]:
    """The topics the model saved in `model_dir` predicts once loaded again."""
    reloaded, _ = load_topic_model(model_dir)
    predicted, _ = predict_topics(reloaded, vectors)
    return list(predicted)
