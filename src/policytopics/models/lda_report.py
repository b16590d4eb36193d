"""The lda stage's work as one call: seed words, the K sweep, and every table it writes."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from policytopics.config import ComputeParams, LdaParams
from policytopics.errors import UserError, no_passages_in_languages
from policytopics.models import lda_sweep
from policytopics.models.ldavis import ldavis_page, prepare_ldavis
from policytopics.precision import (
    METRIC_DECIMALS,
    metric_number,
    round_json_floats,
    round_table,
    single_threaded,
)
from policytopics.schemas import TOKEN_COLUMNS, require_columns
from policytopics.themes.lexicon import Lexicon, token_text


def theme_seed_words(
    params: LdaParams, lexicon: Lexicon, vocabulary: Iterable[str]
) -> list[list[str]]:
    """Per theme in `params.seed_themes`: the corpus words the theme lexicon matches.

    A word is a seed when the lexicon finds one of the theme's seed terms in it (so the token
    白酒产业 counts for 白酒), with the lexicon's traps and weak terms honoured (产业生态圈 is
    not ecology; 绿色 alone is not). Pass the lexicon as the tokens spell it
    (`Lexicon.for_tokens`), so that English seeds meet stemmed English words. Empty when
    `params.seed_priors` is off.
    """
    if not params.seed_priors:
        return []
    lexicon.require_keys(params.seed_themes, "lda.seed_themes", "the theme lexicon")
    matches = {word: lexicon.count_matches(token_text(word)) for word in sorted(set(vocabulary))}
    return [[w for w, counts in matches.items() if counts[k] > 0] for k in params.seed_themes]


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
            "c_v": metric_number(p.c_v),
            "c_npmi": metric_number(p.c_npmi),
            "diversity": metric_number(p.diversity),
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
    ).round(METRIC_DECIMALS)


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
    # its projection (an eigendecomposition) agrees across machines only to ~15 digits
    rounded = json.dumps(round_json_floats(json.loads(prepared)), ensure_ascii=False)
    return ldavis_page(rounded, title)


@dataclass(frozen=True)
class LdaOutputs:
    """Everything the lda stage writes, computed from the tokens table."""

    fit: lda_sweep.TopicFit
    chosen: lda_sweep.SweepPoint
    num_topics_tried: list[int]
    topics: pd.DataFrame  # topic, rank, word, weight
    doc_topics: pd.DataFrame  # passage_id, topic_0..topic_{K-1}, status
    coherence: pd.DataFrame
    metrics: dict[str, object]
    ldavis_html: str

    def summary(self, params: LdaParams) -> str:
        """The stage's one-line report."""
        c = self.chosen
        return (
            f"lda: K={c.num_topics} chosen by {params.select_by} from {self.num_topics_tried} "
            f"(c_v {c.c_v:.3f}, c_npmi {c.c_npmi:.3f}, diversity {c.diversity:.2f}); "
            f"{len(self.doc_topics)} passages"
        )


def model_topics(
    tokens: pd.DataFrame,
    params: LdaParams,
    seed: int,
    lexicon: Lexicon,
    source: str = "tokens",
    compute: ComputeParams | None = None,
) -> LdaOutputs:
    """Sweep K over the passages in `params.fit_languages`, choose K, tabulate the chosen model.

    Written to be compared across machines: BLAS runs on one thread, the fitted models are
    rounded (`lda.quantize`) and so are the tables (`precision.SIGNIFICANT_DIGITS`). The K of
    the sweep run where `compute` says (None: one after the other in this process).
    """
    with single_threaded():
        return _model_topics(tokens, params, seed, lexicon, source, compute)


def _model_topics(
    tokens: pd.DataFrame,
    params: LdaParams,
    seed: int,
    lexicon: Lexicon,
    source: str,
    compute: ComputeParams | None,
) -> LdaOutputs:
    require_columns(tokens, TOKEN_COLUMNS, source)
    token_lists = tokens["tokens"].map(list)
    in_scope = tokens["language"].isin(params.fit_languages)
    texts = [list(t) for t in token_lists[in_scope]]
    if not in_scope.any():
        raise no_passages_in_languages(
            "lda.fit_languages", params.fit_languages, tokens["language"].tolist(), source
        )
    if not any(texts):
        raise UserError(f"{source}: the passages in lda.fit_languages have no tokens left")

    seed_words = theme_seed_words(params, lexicon, (w for text in texts for w in text))
    dictionary, points, fits = lda_sweep.sweep(texts, params, seed, seed_words, compute=compute)
    chosen = lda_sweep.select_num_topics(points, params.select_by, params.min_diversity)
    fit = fits[chosen.num_topics]
    doc_topics = round_table(
        lda_sweep.doc_topics_table(
            fit,
            tokens["passage_id"].tolist(),
            token_lists.tolist(),
            tokens["language"].tolist(),
            params.fit_languages,
        )
    )
    metrics = sweep_metrics(points, chosen, params, doc_topics["status"].tolist(), len(dictionary))
    return LdaOutputs(
        fit=fit,
        chosen=chosen,
        num_topics_tried=sorted(fits),
        topics=round_table(lda_sweep.topics_table(fit, params.top_words)),
        doc_topics=doc_topics,
        coherence=coherence_table(points),
        metrics=metrics,
        ldavis_html=ldavis_html(fit, doc_topics, token_lists),
    )
