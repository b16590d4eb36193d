"""Sentence-level theme scores: classify each sentence; a passage is their char-weighted mean."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from tqdm import tqdm

from policytopics.models.embed import align_languages, embedding_matrix
from policytopics.text.tokenize import Tokenizer
from policytopics.themes.classifier import ThemeClassifier, ThemeInputs


@dataclass(frozen=True)
class SentenceTable:
    """The sentences to score (sentence_id, passage_id, text), row-aligned with their inputs."""

    sentences: pd.DataFrame
    inputs: ThemeInputs
    dropped: int  # sentences of passages not in the passages table (not scored)


@dataclass(frozen=True)
class SentenceScores:
    sentence_themes: pd.DataFrame  # sentence_id, passage_id, theme, p_<key>...
    passage_proba: np.ndarray  # (n_passages, n_themes), char-weighted means (fallback rows)
    fallback: np.ndarray  # bool per passage: no scored sentence text, passage-level row used


def theme_table(
    id_column: str, ids: Sequence[str], proba: np.ndarray, keys: Sequence[str]
) -> pd.DataFrame:
    """(id, theme = argmax, p_<key> for every key) with float32 probabilities."""
    table = pd.DataFrame({id_column: list(ids), "theme": [keys[i] for i in proba.argmax(axis=1)]})
    for j, key in enumerate(keys):
        table[f"p_{key}"] = proba[:, j].astype(np.float32)
    return table


def section_paths(passages: pd.DataFrame) -> list[str]:
    """Each passage's heading path, the classifier's context ("" where none or no column)."""
    if "section_path" not in passages:
        return [""] * len(passages)
    return [str(h or "") for h in passages["section_path"]]


def sentence_inputs_from_tables(
    sentences: pd.DataFrame,
    passages: pd.DataFrame,
    passage_inputs: ThemeInputs,
    embeddings: pd.DataFrame,
    tokenizer: Tokenizer,
    anchors: dict[str, np.ndarray] | None,
    progress: bool = False,
) -> SentenceTable:
    """Classifier inputs per sentence: its embedding (aligned by its passage's language), the
    pipeline's tokens of its text and its context, its passage's heading path and embedding
    (from `passage_inputs`, row-aligned with `passages`). Sentences of unknown passages are
    dropped (counted)."""
    language = dict(zip(passages["passage_id"], passages["language"], strict=True))
    known = sentences["passage_id"].isin(language.keys())
    kept = sentences.loc[known, ["sentence_id", "passage_id", "text"]].reset_index(drop=True)
    matrix = embedding_matrix(embeddings, "sentence_id", kept["sentence_id"].tolist(), "sentences")
    langs = [str(language[p]) for p in kept["passage_id"]]
    if anchors is not None and len(kept):
        matrix = align_languages(matrix, langs, anchors)
    texts = kept["text"].astype(str).tolist()
    pairs = tqdm(
        zip(texts, langs, strict=True),
        total=len(texts),
        desc="tokenize sentences",
        unit="sentence",
        disable=not progress,
    )
    tokens = [tokenizer.tokenize(t, lang) for t, lang in pairs]
    row_of = {pid: i for i, pid in enumerate(passages["passage_id"])}
    inputs = ThemeInputs(texts=texts, embeddings=matrix, tokens=tokens).with_passages(
        passage_inputs, [row_of[p] for p in kept["passage_id"]]
    )
    return SentenceTable(kept, inputs, dropped=int((~known).sum()))


def char_weighted_mean(
    passage_of: Sequence[str],
    lengths: Sequence[int],
    proba: np.ndarray,
    passage_ids: Sequence[str],
) -> tuple[np.ndarray, np.ndarray]:
    """Per passage, Σ len(s)·p_s / Σ len(s) over its sentences s.

    Returns the (n_passages, n_themes) means and a bool mask of passages with no sentence
    characters (their rows are zero).
    """
    row = {pid: i for i, pid in enumerate(passage_ids)}
    index = np.array([row[p] for p in passage_of], dtype=int)
    weights = np.asarray(lengths, dtype=np.float64)
    sums = np.zeros((len(passage_ids), proba.shape[1]), dtype=np.float64)
    np.add.at(sums, index, proba.astype(np.float64) * weights[:, None])
    totals = np.bincount(index, weights=weights, minlength=len(passage_ids))
    empty = totals <= 0
    means = sums / np.where(empty, 1.0, totals)[:, None]
    return means, empty


def score_sentences(
    classifier: ThemeClassifier,
    table: SentenceTable,
    passage_ids: Sequence[str],
    passage_proba: np.ndarray,
) -> SentenceScores:
    """Classify every sentence; passages without sentence text keep `passage_proba` rows."""
    proba = classifier.predict_proba(table.inputs)
    keys = classifier.keys
    ids = table.sentences["sentence_id"].tolist()
    passage_of = table.sentences["passage_id"].tolist()
    sentence_themes = theme_table("sentence_id", ids, proba, keys)
    sentence_themes.insert(1, "passage_id", passage_of)
    lengths = [len(t) for t in table.inputs.texts]
    means, empty = char_weighted_mean(passage_of, lengths, proba, passage_ids)
    means[empty] = passage_proba[empty]
    return SentenceScores(sentence_themes, means, empty)
