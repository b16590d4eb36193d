"""DVC stage `lda`: tokens.parquet -> LDA sweep over K, chosen model, topics, metrics, LDAvis."""

from __future__ import annotations

import argparse
import math
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from policytopics.config import LdaParams, load_params
from policytopics.errors import UserError
from policytopics.io import (
    write_csv_atomic,
    write_json_atomic,
    write_parquet_atomic,
    write_text_atomic,
)
from policytopics.models import lda_sweep
from policytopics.models.ldavis import ldavis_page, prepare_ldavis
from policytopics.schemas import TOKEN_COLUMNS, require_columns
from policytopics.stages._runner import run_stage


def theme_seed_words(
    params: LdaParams, lexicon_path: Path, vocabulary: Iterable[str]
) -> list[list[str]]:
    """Per theme in `params.seed_themes`: the corpus words the theme lexicon matches.

    A word is a seed when the lexicon finds one of the theme's seed terms in it (so the token
    白酒产业 counts for 白酒), with the lexicon's traps and weak terms honoured (产业生态圈 is
    not ecology; 绿色 alone is not). Empty when `params.seed_priors` is off.
    """
    if not params.seed_priors:
        return []
    from policytopics.themes.lexicon import load_lexicon

    lexicon = load_lexicon(lexicon_path)
    unknown = [k for k in params.seed_themes if k not in lexicon.keys]
    if unknown:
        raise UserError(f"lda.seed_themes: {unknown} not in {lexicon_path} ({lexicon.keys})")
    matches = {word: lexicon.count_matches(word) for word in sorted(set(vocabulary))}
    return [[w for w, counts in matches.items() if counts[k] > 0] for k in params.seed_themes]


def _number(value: float) -> float | None:
    return None if math.isnan(value) else round(float(value), 6)


def sweep_metrics(
    points: list[lda_sweep.SweepPoint],
    chosen: lda_sweep.SweepPoint,
    params: LdaParams,
    statuses: list[str],
    vocabulary_size: int,
) -> dict[str, object]:
    """metrics.json: the chosen K and its scores, every K's scores, and passage accounting."""

    def scores(p: lda_sweep.SweepPoint) -> dict[str, float | None]:
        return {
            "c_v": _number(p.c_v),
            "c_npmi": _number(p.c_npmi),
            "diversity": _number(p.diversity),
        }

    counts = Counter(statuses)
    return {
        "engine": params.engine,
        "select_by": params.select_by,
        "chosen": {"num_topics": chosen.num_topics, **scores(chosen)},
        "sweep": {str(p.num_topics): scores(p) for p in points},
        "passages": {
            "total": len(statuses),
            **{
                s: counts.get(s, 0)
                for s in (
                    lda_sweep.STATUS_MODELLED,
                    lda_sweep.STATUS_EMPTY,
                    lda_sweep.STATUS_NO_VOCABULARY,
                    lda_sweep.STATUS_OTHER_LANGUAGE,
                )
            },
        },
        "vocabulary_size": vocabulary_size,
    }


def coherence_table(points: list[lda_sweep.SweepPoint]) -> pd.DataFrame:
    """coherence.csv for `dvc plots`: num_topics, c_v, c_npmi, diversity."""
    return pd.DataFrame(
        [(p.num_topics, p.c_v, p.c_npmi, p.diversity) for p in points],
        columns=["num_topics", "c_v", "c_npmi", "diversity"],
    ).round(6)


def ldavis_html(fit: lda_sweep.TopicFit, doc_topics: pd.DataFrame, tokens: pd.Series) -> str:
    """The LDAvis page of the chosen model over the modelled passages."""
    modelled = (doc_topics["status"] == lda_sweep.STATUS_MODELLED).to_numpy()
    dictionary = fit.dictionary
    bows = [dictionary.doc2bow(list(t)) for t in tokens[modelled]]
    term_frequency = np.zeros(len(dictionary))
    for bow in bows:
        for word_id, count in bow:
            term_frequency[word_id] += count
    topic_columns = [f"topic_{k}" for k in range(fit.num_topics)]
    prepared = prepare_ldavis(
        topic_term=lda_sweep.topic_term_of(fit),
        doc_topic=doc_topics.loc[modelled, topic_columns].to_numpy(),
        doc_lengths=[sum(c for _, c in bow) for bow in bows],
        vocab=[dictionary[i] for i in range(len(dictionary))],
        term_frequency=term_frequency,
    )
    title = f"LDA topics (K={fit.num_topics}; page topic n = topic_{{n-1}} in the tables)"
    return ldavis_page(prepared, title)


def main(
    tokens_path: Path,
    lexicon_path: Path,
    model_dir: Path,
    topics_path: Path,
    doc_topics_path: Path,
    metrics_path: Path,
    coherence_path: Path,
    ldavis_path: Path,
) -> None:
    start = time.perf_counter()
    all_params = load_params()
    params, seed = all_params.lda, all_params.seed
    if not tokens_path.exists():
        raise UserError(f"{tokens_path}: not found (run `dvc repro tokenize` first)")
    tokens = pd.read_parquet(tokens_path)
    require_columns(tokens, TOKEN_COLUMNS, str(tokens_path))
    token_lists = tokens["tokens"].map(list)
    in_scope = tokens["language"].isin(params.languages)
    texts = [list(t) for t in token_lists[in_scope]]
    if not any(texts):
        raise UserError(f"{tokens_path}: no tokens in languages {params.languages}")

    seed_words = theme_seed_words(params, lexicon_path, (w for text in texts for w in text))
    dictionary, points, fits = lda_sweep.sweep(texts, params, seed, seed_words)
    chosen = lda_sweep.select_num_topics(points, params.select_by, params.min_diversity)
    fit = fits[chosen.num_topics]

    doc_topics = lda_sweep.doc_topics_table(
        fit,
        tokens["passage_id"].tolist(),
        token_lists.tolist(),
        tokens["language"].tolist(),
        params.languages,
    )
    lda_sweep.save_fit(fit, model_dir)
    write_csv_atomic(lda_sweep.topics_table(fit, params.top_words), topics_path)
    write_parquet_atomic(doc_topics, doc_topics_path)
    metrics = sweep_metrics(points, chosen, params, doc_topics["status"].tolist(), len(dictionary))
    write_json_atomic(metrics, metrics_path)
    # no BOM here: `dvc plots` reads the header, and the table holds no Chinese
    write_text_atomic(coherence_table(points).to_csv(index=False), coherence_path)
    write_text_atomic(ldavis_html(fit, doc_topics, token_lists), ldavis_path)
    print(
        f"lda: K={chosen.num_topics} chosen by {params.select_by} from {sorted(fits)} "
        f"(c_v {chosen.c_v:.3f}, c_npmi {chosen.c_npmi:.3f}, diversity {chosen.diversity:.2f}); "
        f"{len(doc_topics)} passages; {time.perf_counter() - start:.0f}s"
    )


def cli() -> None:
    parser = argparse.ArgumentParser(prog="python -m policytopics.stages.lda", description=__doc__)
    parser.add_argument("--tokens", type=Path, required=True)
    parser.add_argument("--lexicon", type=Path, required=True, help="theme lexicon (seed priors)")
    parser.add_argument("--model-dir", type=Path, required=True)
    parser.add_argument("--topics", type=Path, required=True)
    parser.add_argument("--doc-topics", type=Path, required=True)
    parser.add_argument("--metrics", type=Path, required=True)
    parser.add_argument("--coherence", type=Path, required=True)
    parser.add_argument("--ldavis", type=Path, required=True)
    args = parser.parse_args()
    run_stage(
        "lda",
        lambda: main(
            args.tokens,
            args.lexicon,
            args.model_dir,
            args.topics,
            args.doc_topics,
            args.metrics,
            args.coherence,
            args.ldavis,
        ),
    )


if __name__ == "__main__":
    cli()
