"""Fit LDA for every K in the sweep, score each model, choose K, and tabulate the result.

One K is one task on the executor (`policytopics.compute`): every K keeps the run's seed and
fits with BLAS on one thread, so the chosen K and the saved model are the same whether the K
ran one after the other here or side by side on local processes or a cluster.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from gensim.corpora import Dictionary

from policytopics.compute import (
    Executor,
    SerialExecutor,
    Shared,
    build_executor,
    map_with_progress,
)
from policytopics.config import ComputeParams, LdaParams
from policytopics.errors import UserError
from policytopics.models import lda, lda_tomotopy
from policytopics.models.quality import topic_diversity, topic_quality
from policytopics.precision import single_threaded

TopicFit = lda.LdaFit | lda_tomotopy.TomotopyFit

DIVERSITY_TOP_N = 25
# lda.num_topics: auto = AUTO_POINTS values of K, evenly spaced from half the largest (but
# at most AUTO_MIN_LOW) up to the largest: about one topic per PASSAGES_PER_TOPIC modelled
# passages, a multiple of 5, at most AUTO_MAX_K. On the seeds' 1,160-odd passages: 15..30.
AUTO_POINTS = 4
AUTO_MIN_LOW = 15
AUTO_MAX_K = 60
PASSAGES_PER_TOPIC = 40

# Why a passage got the row it got in lda_doc_topics.parquet.
STATUS_MODELLED = "modelled"
STATUS_EMPTY = "empty"  # no tokens at all
STATUS_NO_VOCABULARY = "no_vocabulary"  # tokens, but none left in the filtered dictionary
STATUS_OTHER_LANGUAGE = "other_language"  # language not in lda.fit_languages


@dataclass(frozen=True)
class SweepPoint:
    """Quality of the model with `num_topics` topics."""

    num_topics: int
    c_v: float
    c_npmi: float
    diversity: float


def fit_model(
    engine: str,
    texts: Sequence[Sequence[str]],
    dictionary: Dictionary,
    num_topics: int,
    params: LdaParams,
    seed: int,
    seed_words: Sequence[Sequence[str]] = (),
) -> TopicFit:
    """Fit one model with the configured engine on texts already known to be non-empty."""
    if engine == "tomotopy":
        return lda_tomotopy.fit_tomotopy(texts, dictionary, num_topics, params, seed, seed_words)
    bows = lda.to_bows(dictionary, texts)
    return lda.fit_lda(bows, dictionary, num_topics, params, seed, seed_words)


def words_of(fit: TopicFit, top_n: int) -> list[list[tuple[str, float]]]:
    """Each topic's `top_n` words with weights, whatever the engine."""
    if isinstance(fit, lda_tomotopy.TomotopyFit):
        return lda_tomotopy.topic_words(fit, top_n)
    return lda.topic_words(fit, top_n)


def score(fit: TopicFit, texts: list[list[str]], coherence_top_n: int) -> SweepPoint:
    """c_v and c_npmi of the top words over `texts`, and topic diversity (top 25)."""
    top = [[w for w, _ in topic] for topic in words_of(fit, max(coherence_top_n, DIVERSITY_TOP_N))]
    quality = topic_quality(top, texts, top_n=coherence_top_n)
    return SweepPoint(
        num_topics=fit.num_topics,
        c_v=quality["c_v"],
        c_npmi=quality["c_npmi"],
        diversity=topic_diversity(top, top_n=DIVERSITY_TOP_N),
    )


def sweep_values(setting: list[int] | str, n_passages: int, n_seeded: int) -> list[int]:
    """The K values to fit: the list set, or for "auto" a range scaled to the corpus.

    "auto": the largest K is about one topic per `PASSAGES_PER_TOPIC` modelled passages
    (rounded to a multiple of 5, between 5 and `AUTO_MAX_K`); the smallest is half of it, or
    `AUTO_MIN_LOW` if that is less; `AUTO_POINTS` values in all (so the sweep costs at most
    four models of at most 60 topics); never below `n_seeded` (the seeded themes, one topic
    each) nor 2.
    """
    if setting == "auto":
        high = min(AUTO_MAX_K, max(5, 5 * round(n_passages / PASSAGES_PER_TOPIC / 5)))
        high = max(high, n_seeded, 2)
        low = max(n_seeded, 2, min(AUTO_MIN_LOW, high // 2))
        return sorted({round(v) for v in np.linspace(low, high, AUTO_POINTS)})
    if not isinstance(setting, list) or not setting or any(k < 2 for k in setting):
        raise UserError(f"lda.num_topics: need auto or a list of numbers >= 2, got {setting}")
    return sorted(set(setting))


@dataclass(frozen=True)
class SweepInputs:
    """What every K of a sweep fits on (shared by the tasks: sent once per worker)."""

    train: list[list[str]]  # modelled passages' tokens, restricted to the dictionary
    texts: list[list[str]]  # all in-scope passages' tokens (the coherence reference)
    dictionary: Dictionary
    params: LdaParams
    seed: int
    seed_words: Sequence[Sequence[str]]


def fit_and_score(shared: Shared[SweepInputs], num_topics: int) -> tuple[TopicFit, SweepPoint]:
    """One task of the sweep: fit K topics with the run's seed and score the model."""
    inputs = shared.get()
    params = inputs.params
    with single_threaded():  # as in the stage's own process, wherever this runs
        fit = fit_model(
            params.engine,
            inputs.train,
            inputs.dictionary,
            num_topics,
            params,
            inputs.seed,
            inputs.seed_words,
        )
        return fit, score(fit, inputs.texts, params.coherence_top_n)


def sweep(
    texts: list[list[str]],
    params: LdaParams,
    seed: int,
    seed_words: Sequence[Sequence[str]] = (),
    progress: bool = True,
    compute: ComputeParams | None = None,
) -> tuple[Dictionary, list[SweepPoint], dict[int, TopicFit]]:
    """Fit and score one model per K of `params.num_topics` (`sweep_values`; same seed).

    `compute`: where the K run (one task each, `build_executor`); None = one after the
    other in this process (as inside a stability refit, itself a task). The largest K go
    first, so two workers finish together; the results do not depend on that order.
    """
    sweep_values(params.num_topics, 0, 0)  # a bad list is an error before any work
    dictionary = lda.build_dictionary(texts, params.min_df, params.max_df, params.keep_n)
    known = [[w for w in text if w in dictionary.token2id] for text in texts]
    train = [text for text in known if text]
    values = sweep_values(params.num_topics, len(train), len(seed_words))
    inputs = SweepInputs(train, texts, dictionary, params, seed, seed_words)
    task = partial(fit_and_score, Shared(inputs))
    largest_first = sorted(values, reverse=True)
    executor: Executor = (
        SerialExecutor() if compute is None else build_executor(compute, n_tasks=len(values))
    )
    with executor:
        done = map_with_progress(executor, task, largest_first, "lda sweep (K)", progress)
    results = dict(zip(largest_first, done, strict=True))
    fits = {k: results[k][0] for k in values}
    points = [results[k][1] for k in values]
    return dictionary, points, fits


def select_num_topics(
    points: Sequence[SweepPoint], select_by: str, min_diversity: float = 0.0
) -> SweepPoint:
    """The point with the best `select_by` score among those with diversity >= min_diversity.

    If no point reaches `min_diversity`, all points are eligible. Scores are compared at the
    6 decimals written to metrics.json; ties go to the smaller K.
    """
    if not points:
        raise ValueError("no sweep points to choose from")
    eligible = [p for p in points if p.diversity >= min_diversity] or list(points)

    def key(p: SweepPoint) -> tuple[float, int]:
        value = float(getattr(p, select_by))
        return (round(value, 6) if not np.isnan(value) else -np.inf, -p.num_topics)

    return max(eligible, key=key)


def topics_table(fit: TopicFit, top_n: int) -> pd.DataFrame:
    """Long table of each topic's top words: topic, rank (1 = most probable), word, weight."""
    rows = [
        (topic, rank, word, weight)
        for topic, words in enumerate(words_of(fit, top_n))
        for rank, (word, weight) in enumerate(words, start=1)
    ]
    return pd.DataFrame(rows, columns=["topic", "rank", "word", "weight"])


def passage_status(
    tokens: Sequence[Sequence[str]],
    languages: Sequence[str],
    modelled_languages: Sequence[str],
    vocabulary: set[str] | dict[str, int],
) -> list[str]:
    """Status of each passage: modelled, empty, no_vocabulary or other_language."""
    statuses = []
    for toks, language in zip(tokens, languages, strict=True):
        if language not in modelled_languages:
            statuses.append(STATUS_OTHER_LANGUAGE)
        elif len(toks) == 0:
            statuses.append(STATUS_EMPTY)
        elif not any(t in vocabulary for t in toks):
            statuses.append(STATUS_NO_VOCABULARY)
        else:
            statuses.append(STATUS_MODELLED)
    return statuses


def doc_topics_table(
    fit: TopicFit,
    passage_ids: Sequence[str],
    tokens: Sequence[Sequence[str]],
    languages: Sequence[str],
    modelled_languages: Sequence[str],
) -> pd.DataFrame:
    """passage_id, topic_0..topic_{K-1}, status for every passage, in the input order.

    Passages that are not modelled get the model's normalised prior and say why in `status`.
    """
    statuses = passage_status(tokens, languages, modelled_languages, fit.dictionary.token2id)
    matrix = np.tile(prior_of(fit), (len(passage_ids), 1))
    rows = [i for i, s in enumerate(statuses) if s == STATUS_MODELLED]
    if rows:
        matrix[rows] = document_topics_of(fit, [list(tokens[i]) for i in rows])
    frame = pd.DataFrame(matrix, columns=[f"topic_{k}" for k in range(fit.num_topics)])
    frame.insert(0, "passage_id", list(passage_ids))
    frame["status"] = statuses
    return frame


def prior_of(fit: TopicFit) -> np.ndarray:
    """Normalised document-topic prior, whatever the engine."""
    if isinstance(fit, lda_tomotopy.TomotopyFit):
        return lda_tomotopy.prior(fit)
    return lda.prior(fit)


def document_topics_of(fit: TopicFit, texts: Sequence[Sequence[str]]) -> np.ndarray:
    """P(topic | passage) for `texts`, whatever the engine."""
    if isinstance(fit, lda_tomotopy.TomotopyFit):
        return lda_tomotopy.document_topics(fit, texts)
    return lda.document_topics(fit, lda.to_bows(fit.dictionary, texts))


def topic_term_of(fit: TopicFit) -> np.ndarray:
    """P(word | topic) over `fit.dictionary` ids, whatever the engine."""
    if isinstance(fit, lda_tomotopy.TomotopyFit):
        return lda_tomotopy.topic_term_matrix(fit)
    return lda.topic_term_matrix(fit)


def save_fit(fit: TopicFit, directory: Path) -> None:
    """Save a model of either engine into `directory`, replacing what was there only at the end."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    tmp.chmod(0o755)  # mkdtemp makes it private; the model is an ordinary output
    try:
        if isinstance(fit, lda_tomotopy.TomotopyFit):
            lda_tomotopy.save_tomotopy(fit, tmp)
        else:
            lda.save_lda(fit, tmp)
        if directory.exists():
            shutil.rmtree(directory)
        tmp.replace(directory)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def load_fit(directory: Path) -> TopicFit:
    """Load a model saved by `save_fit`, whichever engine wrote it."""
    meta = directory / lda.META_FILE
    if not meta.exists():
        raise UserError(f"{directory}: no LDA model here (run `dvc repro lda`)")
    if json.loads(meta.read_text(encoding="utf-8")).get("engine") == "tomotopy":
        return lda_tomotopy.load_tomotopy(directory)
    return lda.load_lda(directory)
