"""DVC stage `tokenize`: passages.parquet -> tokens.parquet, metrics.json, top_tokens.csv."""

from __future__ import annotations

import argparse
import math
from collections import Counter
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from policytopics.compute import build_executor
from policytopics.config import load_params
from policytopics.errors import UserError
from policytopics.io import write_csv_atomic, write_json_atomic, write_parquet_atomic
from policytopics.schemas import TOKEN_COLUMNS, require_columns
from policytopics.stages._runner import run_stage
from policytopics.text.batch import analyse_stream, apply_phrases
from policytopics.text.metrics import tokenize_metrics, top_tokens
from policytopics.text.tokenize import LANGUAGES, build_tokenizer


def main(passages_path: Path, tokens_path: Path, metrics_path: Path, top_path: Path) -> None:
    loaded = load_params()
    params = loaded.tokenize
    if not passages_path.exists():
        raise UserError(f"{passages_path}: not found; run `dvc repro segment` first")
    passages = pd.read_parquet(passages_path, columns=["passage_id", "language", "text"])
    require_columns(passages, ["passage_id", "language", "text"], str(passages_path))
    unknown = sorted(set(passages["language"]) - set(LANGUAGES))
    if unknown:
        raise UserError(f"{passages_path}: unsupported languages {unknown}; expected zh or en")
    tokenizer = build_tokenizer(params)
    languages = passages["language"].tolist()
    pairs = zip(passages["text"].fillna("").tolist(), languages, strict=True)
    tokens: list[list[str]] = []
    removed: Counter[str] = Counter()
    n_tasks = math.ceil(len(passages) / params.chunk_size)
    with build_executor(loaded.compute, n_tasks=n_tasks, light=True) as executor:
        stream = analyse_stream(pairs, tokenizer, executor, params.chunk_size)
        for analysis in tqdm(stream, total=len(passages), desc="tokenize", unit="passage"):
            tokens.append(analysis.tokens)
            removed.update(analysis.removed)
    metrics = tokenize_metrics(tokens, languages, removed)
    if params.phrases_min_count > 0:
        tokens, phrases = apply_phrases(tokens, params.phrases_min_count, params.phrases_threshold)
        metrics["phrases"] = len(phrases)
        metrics["tokens_after_phrases"] = sum(len(t) for t in tokens)
    table = pd.DataFrame(
        {"passage_id": passages["passage_id"], "language": languages, "tokens": tokens}
    )
    require_columns(table, TOKEN_COLUMNS, str(tokens_path))
    write_parquet_atomic(table[list(TOKEN_COLUMNS)], tokens_path)
    write_json_atomic(metrics, metrics_path)
    write_csv_atomic(top_tokens(tokens), top_path)


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--passages", type=Path, required=True)
    parser.add_argument("--tokens", type=Path, required=True)
    parser.add_argument("--metrics", type=Path, required=True)
    parser.add_argument("--top-tokens", type=Path, required=True)
    args = parser.parse_args()
    run_stage("tokenize", lambda: main(args.passages, args.tokens, args.metrics, args.top_tokens))


if __name__ == "__main__":
    cli()
