"""DVC stage `classify`: hand + weak labels -> theme classifier -> sentence and passage scores."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from policytopics.config import EmbedParams, Params, load_params
from policytopics.errors import UserError
from policytopics.io import read_table, write_json_atomic, write_parquet_atomic
from policytopics.models.embed import (
    KnownEmbedder,
    anchors_from_table,
    build_embedder,
    language_anchors,
    load_parallel_pairs,
)
from policytopics.stages._runner import run_stage
from policytopics.text.tokenize import Tokenizer, build_tokenizer
from policytopics.themes.bundle import save_bundle
from policytopics.themes.classifier import ThemeInputs
from policytopics.themes.labels import (
    dominant_topics_lda,
    read_hand_labels,
    topic_themes_for_passages,
    weak_label_candidates,
)
from policytopics.themes.lexicon import Lexicon, load_lexicon
from policytopics.themes.sentences import SentenceTable, sentence_inputs_from_tables
from policytopics.themes.training import passage_inputs_from_tables, train_and_evaluate

PASSAGE_FIELDS = ("passage_id", "doc_id", "language", "section_path", "text")


def _anchors(path: Path | None, embed_params: EmbedParams) -> dict[str, np.ndarray]:
    """Language anchors written by the embed stage (else computed from the packaged pairs)."""
    if path is not None and path.exists():
        return anchors_from_table(read_table(path, "embed", ("language", "embedding")))
    return language_anchors(build_embedder(embed_params), load_parallel_pairs())


def _sentences(
    args: argparse.Namespace,
    passages: pd.DataFrame,
    passage_inputs: ThemeInputs,
    tokenizer: Tokenizer,
    anchors: dict[str, np.ndarray] | None,
) -> tuple[SentenceTable | None, dict[str, np.ndarray]]:
    """Sentence inputs, and the embed stage's vector for each sentence text (for reuse)."""
    if args.sentences is None and args.sentence_embeddings is None:
        return None, {}
    if args.sentences is None or args.sentence_embeddings is None:
        raise UserError("--sentences and --sentence-embeddings go together")
    sentences = read_table(args.sentences, "segment", ("sentence_id", "passage_id", "text"))
    vectors = read_table(args.sentence_embeddings, "embed", ("sentence_id", "embedding"))
    table = sentence_inputs_from_tables(
        sentences, passages, passage_inputs, vectors, tokenizer, anchors, True
    )
    by_id = dict(zip(vectors["sentence_id"], vectors["embedding"], strict=True))
    known = {
        str(t): np.asarray(by_id[i], np.float32)
        for i, t in zip(sentences["sentence_id"], sentences["text"], strict=True)
        if i in by_id
    }
    return table, known


@dataclass
class ClassifyInputs:
    """Everything the classify stage reads, loaded and checked (see `load_inputs`)."""

    passages: pd.DataFrame
    passage_inputs: ThemeInputs
    hand: pd.DataFrame
    candidates: Mapping[str, Mapping[str, str]]
    lexicon: Lexicon
    tokenizer: Tokenizer
    embedder: KnownEmbedder
    anchors: dict[str, np.ndarray] | None
    sentences: SentenceTable | None


def load_inputs(args: argparse.Namespace, params: Params) -> ClassifyInputs:
    """Read the stage's inputs (paths from `args`, settings from `params`)."""
    settings = params.classify
    lexicon = load_lexicon(Path(params.themes.lexicon) if params.themes.lexicon else None)
    passages = read_table(args.passages, "segment", PASSAGE_FIELDS)
    tokens = read_table(args.tokens, "tokenize", ("passage_id", "tokens"))
    embeddings = read_table(args.embeddings, "embed", ("passage_id", "embedding"))
    hand = read_hand_labels(args.labels, lexicon)

    anchors = _anchors(args.anchors, params.embed) if settings.align_languages else None
    inputs = passage_inputs_from_tables(passages, tokens, embeddings, anchors)
    tokenizer = build_tokenizer(params.tokenize)
    sentences, known = _sentences(args, passages, inputs, tokenizer, anchors)
    if settings.unit == "sentence" and sentences is None:
        raise UserError(
            "classify.unit: sentence needs the sentences table and its embeddings "
            "(--sentences, --sentence-embeddings); or set classify.unit: passage"
        )

    votes = []
    if settings.topic_labels:
        topic_themes = read_table(args.topic_themes, "themes", ("model", "topic", "theme", "score"))
        lda = dominant_topics_lda(read_table(args.lda_doc_topics, "lda", ("passage_id",)))
        bert = read_table(
            args.bertopic_doc_topics, "bertopic", ("passage_id", "topic", "probability")
        )
        for model, table in (("lda", lda), ("bertopic", bert)):
            votes.append(
                topic_themes_for_passages(
                    table,
                    topic_themes,
                    model,
                    settings.topic_min_probability,
                    settings.topic_min_score,
                )
            )
    candidates = weak_label_candidates(
        passages,
        lexicon,
        headings=settings.heading_labels,
        lexicon_dominance=(settings.lexicon_min_count, settings.lexicon_min_ratio)
        if settings.lexicon_labels
        else None,
        topic_votes=votes,
    )
    embedder = KnownEmbedder(build_embedder(params.embed), known)  # hand sentences seen by embed
    return ClassifyInputs(
        passages, inputs, hand, candidates, lexicon, tokenizer, embedder, anchors, sentences
    )


def main(args: argparse.Namespace) -> None:
    params = load_params()
    settings = params.classify
    loaded = load_inputs(args, params)
    passages, hand = loaded.passages, loaded.hand
    result = train_and_evaluate(
        passages,
        loaded.passage_inputs,
        hand,
        loaded.candidates,
        loaded.lexicon,
        settings,
        params.seed,
        loaded.embedder,
        loaded.tokenizer,
        params.embed,
        loaded.anchors,
        progress=True,
        sentences=loaded.sentences,
    )
    save_bundle(result.bundle, args.model)
    write_parquet_atomic(result.passage_themes, args.passage_themes)
    if result.sentence_themes is not None and args.sentence_themes is not None:
        write_parquet_atomic(result.sentence_themes, args.sentence_themes)
    write_json_atomic(result.metrics, args.metrics)
    held = result.metrics.get("held_out", {}).get("macro_f1")
    cv = result.metrics.get("cross_validated", {}).get("macro_f1")
    scored = result.metrics.get("sentences", {}).get("scored", 0)
    print(
        f"classify: {len(passages)} passages scored by {settings.unit} ({scored} sentences); "
        f"hand labels {len(hand)}, weak labels {len(result.weak_labels)}; "
        f"held-out macro-F1 {held}, cross-validated {cv}"
    )


def build_parser() -> argparse.ArgumentParser:
    """The stage's arguments (dvc.yaml's `cmd` gives the paths)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--passages", type=Path, required=True)
    parser.add_argument("--sentences", type=Path, default=None, help="segment's sentences")
    parser.add_argument("--tokens", type=Path, required=True)
    parser.add_argument("--embeddings", type=Path, required=True)
    parser.add_argument("--sentence-embeddings", type=Path, default=None)
    parser.add_argument("--anchors", type=Path, default=None, help="embed stage's language anchors")
    parser.add_argument("--labels", type=Path, required=True, help="hand labels (may be absent)")
    parser.add_argument("--topic-themes", type=Path, required=True)
    parser.add_argument("--lda-doc-topics", type=Path, required=True)
    parser.add_argument("--bertopic-doc-topics", type=Path, required=True)
    parser.add_argument("--model", type=Path, required=True, help="output directory")
    parser.add_argument("--passage-themes", type=Path, required=True)
    parser.add_argument("--sentence-themes", type=Path, default=None, help="per-sentence scores")
    parser.add_argument("--metrics", type=Path, required=True)
    return parser


def cli() -> None:
    args = build_parser().parse_args()
    run_stage("classify", lambda: main(args))


if __name__ == "__main__":
    cli()
