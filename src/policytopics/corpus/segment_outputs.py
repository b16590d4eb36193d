"""The segment stage's work as one call: documents -> passages, sentences, summary, metrics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from policytopics.config import SegmentParams
from policytopics.corpus.segment import segment_documents
from policytopics.corpus.summary import corpus_summary, segment_metrics
from policytopics.errors import UserError


def check_params(params: SegmentParams) -> None:
    """The bounds must leave room for a passage: min_chars < max_chars for each language."""
    for low, high in (("min_chars", "max_chars"), ("en_min_chars", "en_max_chars")):
        if getattr(params, low) >= getattr(params, high):
            raise UserError(f"params.yaml: segment.{low} must be smaller than segment.{high}")


@dataclass(frozen=True)
class SegmentOutputs:
    passages: pd.DataFrame
    sentences: pd.DataFrame
    summary: str  # reports/corpus/summary.md
    metrics: dict[str, Any]

    def line(self, summary_path: object) -> str:
        """The stage's one-line report."""
        m = self.metrics
        return (
            f"segment: {m['n_documents']} documents -> {m['n_passages']} passages, "
            f"{m['n_sentences']} sentences ({m['n_below_min']} below min, "
            f"{m['n_above_max']} above max, {m['n_sentences_cut']} over-long sentences "
            f"cut; see {summary_path})"
        )


def segment_corpus(
    documents: pd.DataFrame, ledger: dict[str, Any], params: SegmentParams
) -> SegmentOutputs:
    """Passages and sentences of every document, with the corpus summary and metrics."""
    check_params(params)
    passages, sentences, heading_chars, cuts = segment_documents(documents, params)
    metrics = segment_metrics(passages, sentences, heading_chars, params, cuts=cuts)
    summary = corpus_summary(documents, passages, metrics, ledger, params, cuts=cuts)
    return SegmentOutputs(passages, sentences, summary, metrics)
