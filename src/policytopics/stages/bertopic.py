"""DVC stage `bertopic`: embeddings + tokens -> BERTopic model, topics, assignments, metrics."""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd

from policytopics.config import load_params
from policytopics.errors import UserError
from policytopics.io import read_table, write_csv_atomic, write_json_atomic, write_parquet_atomic
from policytopics.models.bertopic import (
    AnchoredEmbedder,
    TopicFit,
    fit_topics,
    load_topic_model,
    predict_topics,
    save_topic_model,
    token_documents,
    topic_table,
    topic_words,
)
from policytopics.models.bertopic_report import (
    cross_language_examples,
    representative_passages,
    topic_info,
)
from policytopics.models.bertopic_viz import write_visualisations
from policytopics.models.embed import align_languages, anchors_from_table, build_embedder
from policytopics.models.quality import topic_diversity, topic_quality
from policytopics.schemas import require_columns
from policytopics.stages._runner import run_stage

DIVERSITY_TOP_N = 25


def read_inputs(
    passages_path: Path, tokens_path: Path, embeddings_path: Path
) -> tuple[pd.DataFrame, np.ndarray]:
    """Passages (with tokens) in passage order and their embeddings, every passage accounted."""
    for path, stage in (
        (passages_path, "segment"),
        (tokens_path, "tokenize"),
        (embeddings_path, "embed"),
    ):
        if not path.exists():
            raise UserError(f"{path}: not found; run `dvc repro {stage}` first")
    passages = pd.read_parquet(passages_path)
    require_columns(
        passages, ("passage_id", "doc_id", "language", "locality", "text"), str(passages_path)
    )
    tokens = pd.read_parquet(tokens_path, columns=["passage_id", "tokens"])
    embeddings = pd.read_parquet(embeddings_path)
    for name, table in (("tokens", tokens), ("embeddings", embeddings)):
        missing = set(passages["passage_id"]) - set(table["passage_id"])
        if missing or len(table) != len(passages):
            raise UserError(
                f"bertopic: {name} table does not match passages.parquet "
                f"({len(table)} rows, {len(missing)} passages missing); re-run `dvc repro`"
            )
    frame = passages.merge(tokens, on="passage_id", how="left", validate="one_to_one")
    vectors = embeddings.set_index("passage_id").loc[frame["passage_id"], "embedding"]
    return frame, np.vstack(list(vectors)).astype(np.float32)


def read_anchors(path: Path) -> dict[str, np.ndarray]:
    """The embed stage's per-language anchors."""
    return anchors_from_table(read_table(path, "embed", ("language", "embedding")))


def guided_seeds(lexicon_param: str) -> list[list[str]]:
    """Each theme's Chinese seed words, as BERTopic's seed_topic_list."""
    from policytopics.themes.lexicon import load_lexicon

    lexicon = load_lexicon(Path(lexicon_param) if lexicon_param else None)
    return [list(t.seeds_zh) for t in lexicon.themes if t.seeds_zh]


def metrics(
    fit: TopicFit, texts: list[list[str]], top_n: int, extra: dict[str, object]
) -> dict[str, object]:
    """metrics.json in the layout of LDA's (`chosen.c_v`, ...): one `dvc metrics show` table."""
    words = [
        [w for w, _ in pairs]
        for pairs in topic_words(fit.model, max(top_n, DIVERSITY_TOP_N)).values()
    ]
    quality = topic_quality(words, texts, top_n=top_n)

    def number(value: float) -> float | None:
        return None if math.isnan(value) else round(float(value), 6)

    return {
        "chosen": {
            "num_topics": len(words),
            "c_v": number(quality["c_v"]),
            "c_npmi": number(quality["c_npmi"]),
            "diversity": number(topic_diversity(words, top_n=DIVERSITY_TOP_N)),
        },
        "outliers": {
            "share_before": round(fit.outlier_share_before, 6),
            "share_after": round(fit.outlier_share_after, 6),
        },
        **extra,
    }


def main(
    passages_path: Path,
    tokens_path: Path,
    embeddings_path: Path,
    anchors_path: Path,
    model_dir: Path,
    topics_path: Path,
    info_path: Path,
    cross_language_path: Path,
    assignments_path: Path,
    metrics_path: Path,
    figures: tuple[Path, Path, Path],
) -> None:
    all_params = load_params()
    params = all_params.bertopic
    started = time.perf_counter()
    frame, raw = read_inputs(passages_path, tokens_path, embeddings_path)
    anchors = read_anchors(anchors_path) if params.align_languages else None
    languages = frame["language"].tolist()
    vectors = align_languages(raw, languages, anchors) if anchors else raw
    docs = token_documents(frame["tokens"].tolist())
    seeds, seed_embedder = None, None
    if params.guided:
        seeds = guided_seeds(all_params.themes.lexicon)
        seed_embedder = AnchoredEmbedder(build_embedder(all_params.embed), anchors)
    fit_mask = [not params.fit_languages or lang in params.fit_languages for lang in languages]
    if not any(fit_mask):
        raise UserError(f"bertopic.fit_languages {params.fit_languages}: no such passages")
    fit = fit_topics(docs, vectors, params, all_params.seed, seeds, seed_embedder, fit_mask)
    write_parquet_atomic(
        pd.DataFrame(
            {
                "passage_id": frame["passage_id"],
                "topic": fit.topics,
                "probability": fit.probability,
                "topic_before_reduction": fit.topics_before,
            }
        ),
        assignments_path,
    )
    representatives = representative_passages(fit.topics, vectors, frame["text"].tolist(), 3)
    info = topic_info(fit.model, fit.topics, languages, representatives)
    write_csv_atomic(topic_table(fit.model, params.top_n_words), topics_path)
    write_csv_atomic(info, info_path)
    examples = cross_language_examples(frame, fit.topics, vectors, info)
    write_csv_atomic(examples, cross_language_path)
    predicted, _ = predict_topics(fit.model, vectors)
    save_topic_model(fit.model, model_dir, anchors, representatives)
    reloaded, _ = load_topic_model(model_dir)
    reload_predicted, _ = predict_topics(reloaded, vectors)
    en_topics = [t for t, lang in zip(fit.topics, languages, strict=True) if lang == "en"]
    mixed = set(examples.loc[examples["zh_passages_in_topic"] > 0, "passage_id"])
    extra: dict[str, object] = {
        "passages": {
            "total": len(frame),
            "zh": languages.count("zh"),
            "en": languages.count("en"),
            "fitted": int(fit.fitted.sum()),
            "assigned_to_nearest_topic": int((~fit.fitted).sum()),
        },
        "vocabulary_size": len(fit.model.vectorizer_model.vocabulary_),
        "prediction": {
            "centroid_agrees_with_assignment": round(
                float(np.mean(np.array(predicted) == np.array(fit.topics))), 6
            ),
            "reload_agrees_with_fitted": round(
                float(np.mean(np.array(reload_predicted) == np.array(predicted))), 6
            ),
        },
        "cross_language": {
            "en_passages": len(en_topics),
            "en_in_topics_with_zh": len(mixed),
        },
    }
    write_json_atomic(
        metrics(fit, frame["tokens"].map(list).tolist(), params.top_n_words, extra), metrics_path
    )
    write_visualisations(
        fit.model,
        docs,
        frame["locality"].fillna("").tolist(),
        params.visualise_top_n_topics,
        *figures,
    )
    print(
        f"bertopic: {len(frame)} passages -> {len(set(fit.topics) - {-1})} topics; outliers "
        f"{fit.outlier_share_before:.1%} -> {fit.outlier_share_after:.1%} "
        f"({params.outliers.strategy}); {len(mixed)}/{len(en_topics)} English passages share a "
        f"topic with Chinese ones; {time.perf_counter() - started:.0f} s"
    )


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    for name in (
        "passages",
        "tokens",
        "embeddings",
        "anchors",
        "model-dir",
        "topics",
        "topic-info",
        "cross-language",
        "assignments",
        "metrics",
        "barchart",
        "per-locality",
        "hierarchy",
    ):
        parser.add_argument(f"--{name}", type=Path, required=True)
    a = parser.parse_args()
    run_stage(
        "bertopic",
        lambda: main(
            a.passages,
            a.tokens,
            a.embeddings,
            a.anchors,
            a.model_dir,
            a.topics,
            a.topic_info,
            a.cross_language,
            a.assignments,
            a.metrics,
            (a.barchart, a.per_locality, a.hierarchy),
        ),
    )


if __name__ == "__main__":
    cli()
