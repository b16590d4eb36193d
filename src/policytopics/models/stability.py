"""Topic stability across seeds: match each run's topics to the reference model's, summarise.

Pure functions on arrays and tables (no model library, no paths), so the prevalence stage
can import `widen_interval` without loading gensim or BERTopic. The refits themselves are in
`models/stability_refit.py`.

A run is described by a `TopicRun`: its topics' word weights over a vocabulary (LDA:
P(word | topic); BERTopic: the c-TF-IDF row), their top words, and each passage's topic mass.
Each reference topic is matched to at most one topic of each run by the Hungarian algorithm
(`scipy.optimize.linear_sum_assignment`, maximising the summed similarity); it *reappears*
in that run when the matched similarity reaches `min_similarity`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Literal

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from policytopics.errors import UserError
from policytopics.precision import significant

Similarity = Literal["cosine", "jaccard"]
UNMATCHED_THEME = "unmatched"  # theme row: text in run topics with no reference counterpart
UNMAPPED = "unmapped"  # a reference topic the themes stage did not map (themes.mapping's word)
NO_MATCH = -1  # run topic of a reference topic the assignment left without a partner

MATCH_COLUMNS = ("engine", "seed", "reference_topic", "run_topic", "similarity", "reappears")
TOPIC_COLUMNS = (
    "topic",
    "theme",
    "top_words",
    "reappear_share",
    "mean_similarity",
    "min_similarity",
    "stable",
    "reference_share",
    "seed_share_min",
    "seed_share_max",
)
THEME_COLUMNS = (
    "engine",
    "theme",
    "reference_share",
    "seed_mean",
    "seed_sd",
    "seed_min",
    "seed_max",
    "n_runs",
)
SPREAD_COLUMNS = ("engine", "locality", "topic", "seed_min", "seed_max", "seed_sd", "n_runs")
RUN_COLUMNS = (
    "engine",
    "seed",
    "n_topics",
    "c_v",
    "c_npmi",
    "diversity",
    "reappeared",
    "mean_similarity",
)


@dataclass(frozen=True)
class TopicRun:
    """One fitted model as stability sees it (the reference, or a refit with another seed)."""

    seed: int
    topics: list[int]  # topic ids, the row order of `weights` and columns of `passage_topics`
    vocabulary: list[str]  # the columns of `weights`
    weights: np.ndarray  # (topics, vocabulary): P(word | topic) or c-TF-IDF
    top_words: list[list[str]]  # per topic, best first
    passage_ids: list[str]  # rows of `passage_topics`
    passage_topics: np.ndarray  # (passages, topics): topic mass; all-zero = not modelled/outlier
    modelled: np.ndarray  # (passages,) bool: the passage counts in the shares' denominator
    quality: dict[str, float] = field(default_factory=dict)  # c_v, c_npmi, diversity


@dataclass(frozen=True)
class Match:
    """Reference topic i's partner in one run: `run_index[i]` (NO_MATCH) and its similarity."""

    run_index: np.ndarray  # (reference topics,) int: row of the run topic, or NO_MATCH
    similarity: np.ndarray  # (reference topics,) float: 0 where NO_MATCH


def check_seeds(seeds: Sequence[int], reference_seed: int) -> None:
    """Seeds must be distinct and differ from the reference model's (the global `seed`)."""
    if len(set(seeds)) != len(seeds):
        raise UserError(f"params.yaml: stability.seeds has repeated seeds: {list(seeds)}")
    if reference_seed in seeds:
        raise UserError(
            f"params.yaml: stability.seeds holds {reference_seed}, the global seed: that run is "
            "the reference model itself; choose other seeds"
        )


def on_vocabulary(
    weights: np.ndarray, vocabulary: Sequence[str], target: Sequence[str]
) -> np.ndarray:
    """`weights`' columns re-indexed onto `target` words (0 for a word `vocabulary` lacks)."""
    index = {word: i for i, word in enumerate(vocabulary)}
    out = np.zeros((weights.shape[0], len(target)))
    columns = [(j, index[w]) for j, w in enumerate(target) if w in index]
    if columns:
        to, source = zip(*columns, strict=True)
        out[:, list(to)] = weights[:, list(source)]
    return out


def union_vocabulary(first: Sequence[str], second: Sequence[str]) -> list[str]:
    """The words of `first` in order, then those only `second` has, in its order."""
    seen = set(first)
    return [*first, *(w for w in second if w not in seen)]


def cosine_matrix(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Cosine similarity of every row of `first` with every row of `second` (0 for a 0 row)."""
    norms_a = np.linalg.norm(first, axis=1, keepdims=True)
    norms_b = np.linalg.norm(second, axis=1, keepdims=True)
    a = np.divide(first, norms_a, out=np.zeros_like(first, dtype=float), where=norms_a > 0)
    b = np.divide(second, norms_b, out=np.zeros_like(second, dtype=float), where=norms_b > 0)
    similarity: np.ndarray = np.clip(a @ b.T, 0.0, 1.0)
    return similarity


def jaccard_matrix(first: Sequence[Sequence[str]], second: Sequence[Sequence[str]]) -> np.ndarray:
    """Jaccard overlap of every word list of `first` with every one of `second`."""
    sets_a, sets_b = [set(w) for w in first], [set(w) for w in second]
    out = np.zeros((len(sets_a), len(sets_b)))
    for i, a in enumerate(sets_a):
        for j, b in enumerate(sets_b):
            union = len(a | b)
            out[i, j] = len(a & b) / union if union else 0.0
    return out


def similarity_matrix(
    reference: TopicRun, run: TopicRun, method: Similarity, top_n: int
) -> np.ndarray:
    """(reference topics, run topics): cosine of the word weights over the union of both
    vocabularies, or Jaccard of the top `top_n` words."""
    if method == "jaccard":
        return jaccard_matrix(
            [w[:top_n] for w in reference.top_words], [w[:top_n] for w in run.top_words]
        )
    words = union_vocabulary(reference.vocabulary, run.vocabulary)
    return cosine_matrix(
        on_vocabulary(reference.weights, reference.vocabulary, words),
        on_vocabulary(run.weights, run.vocabulary, words),
    )


def match_topics(similarity: np.ndarray) -> Match:
    """The one-to-one matching of reference topics (rows) to run topics (columns) with the
    largest total similarity; with fewer run topics, some reference topics get NO_MATCH."""
    run_index = np.full(similarity.shape[0], NO_MATCH, dtype=np.int64)
    matched = np.zeros(similarity.shape[0])
    if similarity.size:
        rows, columns = linear_sum_assignment(similarity, maximize=True)
        run_index[rows] = columns
        matched[rows] = similarity[rows, columns]
    return Match(run_index=run_index, similarity=matched)


def match_runs(
    engine: str,
    reference: TopicRun,
    runs: Sequence[TopicRun],
    similarities: Sequence[np.ndarray],
    min_similarity: float,
) -> pd.DataFrame:
    """The long match table: one row per (seed, reference topic), in seed then topic order;
    `similarities[i]` is `similarity_matrix(reference, runs[i], ...)`."""
    frames = []
    for run, matrix in zip(runs, similarities, strict=True):
        match = match_topics(matrix)
        similarity = significant(match.similarity)  # as written: no BLAS noise at the threshold
        partner = [run.topics[i] if i != NO_MATCH else NO_MATCH for i in match.run_index]
        frames.append(
            pd.DataFrame(
                {
                    "engine": engine,
                    "seed": run.seed,
                    "reference_topic": reference.topics,
                    "run_topic": partner,
                    "similarity": similarity,
                    "reappears": (match.run_index != NO_MATCH) & (similarity >= min_similarity),
                }
            )
        )
    if not frames:
        return empty_frame(MATCH_COLUMNS)
    return pd.concat(frames, ignore_index=True)[list(MATCH_COLUMNS)]


def topic_stability(
    reference: TopicRun,
    matches: pd.DataFrame,
    themes: Mapping[int, str],
    stable_share: float,
    top_n: int,
) -> pd.DataFrame:
    """Per reference topic: theme, top words, the share of runs it reappears in, the mean and
    least match similarity (0 in a run that left it without a partner), and stable (that
    share >= `stable_share`)."""
    grouped = matches.groupby("reference_topic", sort=False)
    share = grouped["reappears"].mean()
    mean = grouped["similarity"].mean()
    least = grouped["similarity"].min()
    table = pd.DataFrame(
        {
            "topic": reference.topics,
            "theme": reference_themes(reference, themes),
            "top_words": [" ".join(words[:top_n]) for words in reference.top_words],
            "reappear_share": share.reindex(reference.topics).to_numpy(dtype=float),
            "mean_similarity": mean.reindex(reference.topics).to_numpy(dtype=float),
            "min_similarity": least.reindex(reference.topics).to_numpy(dtype=float),
        }
    )
    table["stable"] = table["reappear_share"] >= stable_share
    return table


def topic_shares(
    run: TopicRun, weights: np.ndarray, groups: np.ndarray, n_groups: int
) -> np.ndarray:
    """(groups, run topics): each group's weighted share of text in each topic, over the
    run's modelled passages (a group without any gets NaN)."""
    mask = run.modelled
    onehot = np.zeros((int(mask.sum()), n_groups))
    onehot[np.arange(len(onehot)), groups[mask]] = 1.0
    numerator = onehot.T @ (weights[mask, None] * run.passage_topics[mask])
    denominator = onehot.T @ weights[mask]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(numerator / denominator[:, None])


def matched_shares(run_shares: np.ndarray, matches: pd.DataFrame, run: TopicRun) -> np.ndarray:
    """(groups, reference topics): the share of each reference topic's partner in `run`
    (NaN where it does not reappear); `matches` holds this run's rows in reference order."""
    column = {topic: i for i, topic in enumerate(run.topics)}
    out = np.full((run_shares.shape[0], len(matches)), np.nan)
    for j, (topic, reappears) in enumerate(
        zip(matches["run_topic"], matches["reappears"], strict=True)
    ):
        if reappears:
            out[:, j] = run_shares[:, column[int(topic)]]
    return out


def reference_themes(reference: TopicRun, themes: Mapping[int, str]) -> list[str]:
    """The theme of each reference topic (UNMAPPED when the mapping lacks it)."""
    return [themes.get(t, UNMAPPED) for t in reference.topics]


def run_topic_themes(
    similarity: np.ndarray, reference_topic_themes: Sequence[str], min_similarity: float
) -> list[str]:
    """The theme of each run topic (columns of `similarity`): that of its most similar
    reference topic (the first on a tie), or UNMATCHED_THEME when none reaches
    `min_similarity`. Many-to-one, unlike the topic matching: when a run splits a reference
    topic in two, both halves keep its theme, so a theme's share does not drop for that."""
    if similarity.shape[0] == 0:
        return [UNMATCHED_THEME] * similarity.shape[1]
    rounded = significant(similarity)
    best, value = rounded.argmax(axis=0), rounded.max(axis=0)
    return [
        reference_topic_themes[b] if v >= min_similarity else UNMATCHED_THEME
        for b, v in zip(best, value, strict=True)
    ]


def theme_shares(
    shares: np.ndarray, topic_themes: Sequence[str], order: Sequence[str]
) -> dict[str, float]:
    """Corpus share per theme (in `order`, then UNMATCHED_THEME): the summed shares of the
    topics carrying it; text in no topic (outliers) counts as UNMATCHED_THEME too."""
    out = dict.fromkeys([*order, UNMATCHED_THEME], 0.0)
    for share, theme in zip(shares, topic_themes, strict=True):
        out[theme] = out.get(theme, 0.0) + float(share)
    out[UNMATCHED_THEME] += round(max(0.0, 1.0 - float(np.sum(shares))), 12)  # no 1e-16 noise
    return out


def theme_spread(
    engine: str, reference: dict[str, float], runs: Sequence[dict[str, float]]
) -> pd.DataFrame:
    """Per theme: the reference model's share and the mean, sd (ddof=1), min and max over the
    seeds' runs (themes in the reference's order; NaN spread without runs)."""
    rows = []
    for theme, share in reference.items():
        values = np.array([run.get(theme, 0.0) for run in runs])
        rows.append(
            {
                "engine": engine,
                "theme": theme,
                "reference_share": share,
                "seed_mean": values.mean() if len(values) else np.nan,
                "seed_sd": values.std(ddof=1) if len(values) > 1 else np.nan,
                "seed_min": values.min() if len(values) else np.nan,
                "seed_max": values.max() if len(values) else np.nan,
                "n_runs": len(values),
            }
        )
    return pd.DataFrame(rows, columns=list(THEME_COLUMNS))


def seed_spread(
    engine: str, localities: Sequence[str], reference: TopicRun, per_run: Sequence[np.ndarray]
) -> pd.DataFrame:
    """Per (locality, reference topic): min, max and sd (ddof=1) of the topic's share across
    the runs it reappears in (`per_run`: each run's `matched_shares`), and how many those are."""
    if not per_run:
        return empty_frame(SPREAD_COLUMNS)
    stack = np.stack(per_run)  # (runs, localities, topics)
    present = ~np.isnan(stack)
    n_runs = present.sum(axis=0)
    with warnings.catch_warnings():  # an all-NaN column is meant: never reappeared
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanmin(stack, axis=0), np.nanmax(stack, axis=0)
        sd = np.where(n_runs > 1, np.nanstd(stack, axis=0, ddof=1), np.nan)
    n_loc, n_top = len(localities), len(reference.topics)
    return pd.DataFrame(
        {
            "engine": engine,
            "locality": np.repeat(list(localities), n_top),
            "topic": np.tile(reference.topics, n_loc),
            "seed_min": low.ravel(),
            "seed_max": high.ravel(),
            "seed_sd": sd.ravel(),
            "n_runs": n_runs.ravel(),
        }
    )


def run_summary(engine: str, runs: Sequence[TopicRun], matches: pd.DataFrame) -> pd.DataFrame:
    """Per run: topics found, its coherence and diversity, how many reference topics reappear."""
    rows = []
    for run in runs:
        mine = matches[matches["seed"] == run.seed]
        rows.append(
            {
                "engine": engine,
                "seed": run.seed,
                "n_topics": len(run.topics),
                **{k: run.quality.get(k, np.nan) for k in ("c_v", "c_npmi", "diversity")},
                "reappeared": int(mine["reappears"].sum()),
                "mean_similarity": float(mine["similarity"].mean()) if len(mine) else np.nan,
            }
        )
    return pd.DataFrame(rows, columns=list(RUN_COLUMNS))


def widen_interval(
    prevalence: np.ndarray,
    ci_low: np.ndarray,
    ci_high: np.ndarray,
    seed_min: np.ndarray,
    seed_max: np.ndarray,
    seed_sd: np.ndarray,
    method: Literal["union", "variance"] = "union",
    confidence: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """A topic-prevalence interval widened by the topic's across-seed spread.

    union: [min(ci_low, seed_min), max(ci_high, seed_max)], the bootstrap interval together
    with every share the seeds gave. variance: each side's half-width h becomes
    sqrt(h**2 + (z * seed_sd)**2) (z the normal quantile of `confidence`), as if sampling and
    seed were independent errors; bounds kept within [0, 1]. Where the seed figures are NaN
    (the topic reappeared in no run, or in one for `seed_sd`) the interval is left as it is.
    """
    point, low, high = (np.asarray(a, dtype=float) for a in (prevalence, ci_low, ci_high))
    if method == "union":
        return np.fmin(low, np.asarray(seed_min, float)), np.fmax(high, np.asarray(seed_max, float))
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    extra = np.nan_to_num(z * np.asarray(seed_sd, dtype=float))
    wide_low = point - np.hypot(point - low, extra)
    wide_high = point + np.hypot(high - point, extra)
    return np.clip(wide_low, 0.0, 1.0), np.clip(wide_high, 0.0, 1.0)


def empty_frame(columns: Sequence[str]) -> pd.DataFrame:
    """A table with these columns and no rows (what a switched-off engine writes)."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


@dataclass(frozen=True)
class EngineTables:
    """Everything stability reports about one engine."""

    matches: pd.DataFrame  # MATCH_COLUMNS
    topics: pd.DataFrame  # TOPIC_COLUMNS
    themes: pd.DataFrame  # THEME_COLUMNS
    spread: pd.DataFrame  # SPREAD_COLUMNS: per locality, for prevalence intervals
    runs: pd.DataFrame  # RUN_COLUMNS
    metrics: dict[str, object]


def passage_weights(
    passages: pd.DataFrame, weight: Literal["n_chars", "equal"], unknown: str
) -> pd.DataFrame:
    """passage_id -> weight (n_chars, or 1 for `equal`) and locality (blank -> `unknown`), the
    layout `engine_tables` reads, weighted as the prevalence stage weighs passages."""
    locality = passages["locality"].astype("string").str.strip().fillna("")
    return pd.DataFrame(
        {
            "weight": passages["n_chars"].to_numpy(dtype=float) if weight == "n_chars" else 1.0,
            "locality": locality.where(locality != "", unknown).astype(str).to_numpy(),
        },
        index=pd.Index(passages["passage_id"].astype(str), name="passage_id"),
    )


def passage_layout(
    passages: pd.DataFrame, run: TopicRun
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Weights, locality codes and locality names for `run`'s passage rows; `passages` is
    indexed by passage_id with `weight` and `locality` columns (localities sorted)."""
    missing = pd.Index(run.passage_ids).difference(passages.index)
    if len(missing):
        raise UserError(
            f"stability: {len(missing)} passages of the topic model (e.g. {missing[0]}) are not "
            "in passages.parquet; re-run `dvc repro`"
        )
    rows = passages.loc[run.passage_ids]
    names = sorted(passages["locality"].unique())
    codes = pd.Categorical(rows["locality"], categories=names).codes.astype(np.int64)
    return rows["weight"].to_numpy(dtype=float), codes, names


def engine_tables(
    engine: str,
    reference: TopicRun,
    runs: Sequence[TopicRun],
    themes: Mapping[int, str],
    passages: pd.DataFrame,
    *,
    similarity: Similarity,
    top_n: int,
    min_similarity: float,
    stable_share: float,
) -> EngineTables:
    """Match every run to the reference and tabulate topics, themes, locality spread, runs.

    `passages`: indexed by passage_id, with `weight` (the prevalence weight) and `locality`.
    """
    matrices = [similarity_matrix(reference, run, similarity, top_n) for run in runs]
    matches = match_runs(engine, reference, runs, matrices, min_similarity)
    topics = topic_stability(reference, matches, themes, stable_share, top_n)
    ref_themes = reference_themes(reference, themes)
    order = list(dict.fromkeys(ref_themes))
    weights, codes, names = passage_layout(passages, reference)
    own = topic_shares(reference, weights, np.zeros_like(codes), 1)[0]
    corpus_runs, local_runs, theme_runs = [], [], []
    for run, matrix in zip(runs, matrices, strict=True):
        mine = matches[matches["seed"] == run.seed]
        run_weights, run_codes, _ = passage_layout(passages, run)
        corpus = topic_shares(run, run_weights, np.zeros_like(run_codes), 1)[0]
        corpus_runs.append(matched_shares(corpus[None, :], mine, run)[0])
        run_themes = run_topic_themes(matrix, ref_themes, min_similarity)
        theme_runs.append(theme_shares(corpus, run_themes, order))
        local_runs.append(
            matched_shares(topic_shares(run, run_weights, run_codes, len(names)), mine, run)
        )
    topics["reference_share"] = own
    with warnings.catch_warnings():  # a topic that never reappeared has no seed shares
        warnings.simplefilter("ignore", RuntimeWarning)
        stack = np.stack(corpus_runs) if corpus_runs else np.full((1, len(own)), np.nan)
        topics["seed_share_min"] = np.nanmin(stack, axis=0)
        topics["seed_share_max"] = np.nanmax(stack, axis=0)
    summary = run_summary(engine, runs, matches)
    return EngineTables(
        matches=matches,
        topics=topics[list(TOPIC_COLUMNS)],
        themes=theme_spread(engine, theme_shares(own, ref_themes, order), theme_runs),
        spread=seed_spread(engine, names, reference, local_runs),
        runs=summary,
        metrics=engine_metrics(topics, summary),
    )


def engine_metrics(topics: pd.DataFrame, runs: pd.DataFrame) -> dict[str, object]:
    """The few numbers DVC tracks per engine (6 decimals)."""

    def number(value: float) -> float | None:
        return None if pd.isna(value) else round(float(value), 6)

    return {
        "reference_topics": len(topics),
        "mean_reappearance": number(topics["reappear_share"].mean()),
        "mean_similarity": number(topics["mean_similarity"].mean()),
        "unstable_topics": int((~topics["stable"].astype(bool)).sum()),
        "n_topics_seed_min": int(runs["n_topics"].min()) if len(runs) else None,
        "n_topics_seed_max": int(runs["n_topics"].max()) if len(runs) else None,
        "c_v_seed_min": number(runs["c_v"].min()),
        "c_v_seed_max": number(runs["c_v"].max()),
    }


TABLE_COLUMNS = {
    "matches": MATCH_COLUMNS,
    "themes": THEME_COLUMNS,
    "spread": SPREAD_COLUMNS,
    "runs": RUN_COLUMNS,
}


@dataclass(frozen=True)
class StabilityOutputs:
    """The stage's tables and metrics from each engine's `EngineTables` (none: stage off)."""

    engines: dict[str, EngineTables]

    def topics(self, engine: str) -> pd.DataFrame:
        """The engine's per-topic table (empty with its header when the engine is off)."""
        tables = self.engines.get(engine)
        return tables.topics if tables is not None else empty_frame(TOPIC_COLUMNS)

    def combined(self, kind: Literal["matches", "themes", "spread", "runs"]) -> pd.DataFrame:
        """One table of `kind` for all engines, LDA first."""
        frames: list[pd.DataFrame] = [getattr(t, kind) for t in self.engines.values()]
        if not frames:
            return empty_frame(TABLE_COLUMNS[kind])
        return pd.concat(frames, ignore_index=True)

    def metrics(self, seeds: Sequence[int], similarity: str, note: str) -> dict[str, object]:
        """metrics.json: the seeds and, per engine, `engine_metrics`; `note` when off."""
        out: dict[str, object] = {"seeds": list(seeds), "similarity": similarity}
        if not self.engines:
            out["note"] = note
        for engine, tables in self.engines.items():
            out[engine] = tables.metrics
        return out

    def summary(self) -> str:
        """The stage's one-line report."""
        if not self.engines:
            return "stability: off (stability.seeds is empty)"
        parts = []
        for engine, tables in self.engines.items():
            m = tables.metrics
            parts.append(
                f"{engine} {m['reference_topics']} topics, mean reappearance "
                f"{m['mean_reappearance']:.2f}, {m['unstable_topics']} unstable"
            )
        n_runs = sum(len(t.runs) for t in self.engines.values())
        return f"stability: {n_runs} refits; " + "; ".join(parts)
