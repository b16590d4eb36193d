"""DVC stage `stability`: refit LDA and BERTopic per seed, match topics to the pipeline's own."""

from __future__ import annotations

import argparse
import time
from functools import partial
from pathlib import Path

import pandas as pd

from policytopics.compute import Shared, build_executor, map_with_progress
from policytopics.config import Params, load_params
from policytopics.io import read_table, write_csv_atomic, write_json_atomic
from policytopics.models import stability
from policytopics.models.bertopic import load_topic_model
from policytopics.models.bertopic_check import PASSAGE_COLUMNS
from policytopics.models.embed import anchors_from_table, build_embedder
from policytopics.models.lda_sweep import load_fit
from policytopics.models.stability_refit import (
    RefitInputs,
    bertopic_inputs,
    bertopic_run,
    lda_inputs,
    lda_run,
    refit,
)
from policytopics.precision import round_table
from policytopics.stages._runner import path_parser, run_stage
from policytopics.text.stem import english_stem
from policytopics.themes.lexicon import lexicon_from_params

# a blank locality, as the prevalence tables name it (analysis.prevalence.UNKNOWN_GROUP; not
# imported, so a change to the prevalence code does not re-run these refits)
UNKNOWN_LOCALITY = "unknown"
EMPTY_NOTE = "stability.seeds is empty (or no engine is on): nothing refitted, tables empty"


def topic_themes_of(table: pd.DataFrame, model: str) -> dict[int, str]:
    """The themes stage's mapping of `model`'s reference topics."""
    rows = table[table["model"] == model]
    return {int(t): str(theme) for t, theme in zip(rows["topic"], rows["theme"], strict=True)}


def references(
    params: Params,
    paths: dict[str, Path],
) -> tuple[dict[str, stability.TopicRun], RefitInputs]:
    """The pipeline's own models as runs, and what the refits need."""
    settings = params.stability
    top_n = settings.top_words
    tokens = read_table(paths["tokens"], "tokenize", ("passage_id", "language", "tokens"))
    lexicon = lexicon_from_params(params.themes.lexicon)
    refs: dict[str, stability.TopicRun] = {}
    lda, bert = None, None
    if "lda" in settings.engines:
        fit = load_fit(paths["lda_model"])
        refs["lda"] = lda_run(fit, read_table(paths["lda_doc_topics"], "lda", ("status",)), top_n)
        token_lexicon = lexicon.for_tokens(english_stem(params.tokenize.english_stemmer))
        lda = lda_inputs(tokens, params.lda, fit.num_topics, token_lexicon)
    if "bertopic" in settings.engines:
        model, _ = load_topic_model(paths["bertopic_model"])
        assigned = read_table(paths["bertopic_assignments"], "bertopic", ("passage_id", "topic"))
        ids, topics = assigned["passage_id"].astype(str).tolist(), assigned["topic"].tolist()
        refs["bertopic"] = bertopic_run(model, params.seed, ids, topics, top_n)
        guided = params.bertopic.guided
        bert = bertopic_inputs(
            read_table(paths["passages"], "segment", PASSAGE_COLUMNS),
            tokens,
            read_table(paths["embeddings"], "embed", ("passage_id", "embedding")),
            anchors_from_table(read_table(paths["anchors"], "embed", ("language", "embedding")))
            if params.bertopic.align_languages
            else None,
            params.bertopic,
            lexicon if guided else None,
            build_embedder(params.embed) if guided else None,
        )
    return refs, RefitInputs(lda=lda, bertopic=bert, top_n=top_n)


def main(
    passages: Path,
    tokens: Path,
    embeddings: Path,
    anchors: Path,
    lda_model: Path,
    lda_doc_topics: Path,
    bertopic_model: Path,
    bertopic_assignments: Path,
    topic_themes: Path,
    lda_stability: Path,
    bertopic_stability: Path,
    theme_spread: Path,
    topic_spread: Path,
    matches: Path,
    runs: Path,
    metrics: Path,
) -> None:
    started = time.perf_counter()
    params = load_params()
    settings = params.stability
    stability.check_seeds(settings.seeds, params.seed)
    engines = [e for e in ("lda", "bertopic") if e in settings.engines] if settings.seeds else []
    tables: dict[str, stability.EngineTables] = {}
    workers = 0
    if engines:
        given = {
            "passages": passages,
            "tokens": tokens,
            "embeddings": embeddings,
            "anchors": anchors,
            "lda_model": lda_model,
            "lda_doc_topics": lda_doc_topics,
            "bertopic_model": bertopic_model,
            "bertopic_assignments": bertopic_assignments,
        }
        refs, inputs = references(params, given)
        tasks = [(engine, seed) for engine in engines for seed in settings.seeds]
        with build_executor(params.compute, n_tasks=len(tasks)) as executor:
            workers = executor.workers
            fitted = map_with_progress(
                executor, partial(refit, Shared(inputs)), tasks, "stability refits"
            )
        layout = stability.passage_weights(
            read_table(passages, "segment", ("passage_id", "locality", "n_chars")),
            params.prevalence.weight,
            UNKNOWN_LOCALITY,
        )
        mapping = read_table(topic_themes, "themes", ("model", "topic", "theme"))
        for engine in engines:
            tables[engine] = stability.engine_tables(
                engine,
                refs[engine],
                [run for (e, _), run in zip(tasks, fitted, strict=True) if e == engine],
                topic_themes_of(mapping, engine),
                layout,
                similarity=settings.similarity,
                top_n=settings.top_words,
                min_similarity=getattr(settings.min_similarity, engine),
                stable_share=settings.stable_share,
            )
    out = stability.StabilityOutputs(tables)
    for engine, path in (("lda", lda_stability), ("bertopic", bertopic_stability)):
        write_csv_atomic(round_table(out.topics(engine)), path)
    write_csv_atomic(round_table(out.combined("themes")), theme_spread)
    write_csv_atomic(round_table(out.combined("spread")), topic_spread)
    write_csv_atomic(round_table(out.combined("matches")), matches)
    write_csv_atomic(round_table(out.combined("runs")), runs)
    write_json_atomic(out.metrics(settings.seeds, settings.similarity, EMPTY_NOTE), metrics)
    print(f"{out.summary()}; {workers} workers, {time.perf_counter() - started:.0f} s")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    inputs: tuple[str, ...] = ("passages", "tokens", "embeddings", "anchors")
    inputs += ("lda-model", "lda-doc-topics", "bertopic-model", "bertopic-assignments")
    inputs += ("topic-themes",)
    outputs: tuple[str, ...] = ("lda-stability", "bertopic-stability", "theme-spread")
    outputs += ("topic-spread", "matches", "runs", "metrics")
    return path_parser("stability", __doc__, (*inputs, *outputs)).parse_args(argv)


def cli(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    run_stage("stability", lambda: main(**vars(args)))


if __name__ == "__main__":
    cli()
