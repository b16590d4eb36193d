"""Summaries of a tokenized corpus: removal counts, tokens per passage, most frequent tokens."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
import pandas as pd

from policytopics.text.tokenize import REMOVAL_REASONS


def tokenize_metrics(
    tokens: Sequence[Sequence[str]], languages: Sequence[str], removed: Counter[str]
) -> dict[str, object]:
    """DVC metrics: passages (and empty ones) per language, tokens kept/removed per rule."""
    lengths = np.array([len(t) for t in tokens], dtype=np.int64)
    kept = int(lengths.sum())
    removed_total = sum(removed.values())
    by_language = {}
    for language in sorted(set(languages)):
        mask = np.array([lang == language for lang in languages], dtype=bool)
        by_language[language] = {
            "passages": int(mask.sum()),
            "empty_passages": int((lengths[mask] == 0).sum()),
            "tokens_kept": int(lengths[mask].sum()),
        }
    return {
        "passages": len(tokens),
        "empty_passages": int((lengths == 0).sum()),
        "tokens_segmented": kept + removed_total,
        "tokens_kept": kept,
        "kept_share": round(kept / (kept + removed_total), 4) if kept + removed_total else 0.0,
        "removed": {reason: int(removed.get(reason, 0)) for reason in REMOVAL_REASONS},
        "tokens_per_passage": _distribution(lengths),
        "vocabulary": len({token for passage in tokens for token in passage}),
        "by_language": by_language,
    }


def _distribution(lengths: np.ndarray) -> dict[str, float]:
    if lengths.size == 0:
        return {"mean": 0.0, "median": 0.0, "p10": 0.0, "p90": 0.0, "max": 0.0}
    return {
        "mean": round(float(lengths.mean()), 2),
        "median": round(float(np.median(lengths)), 2),
        "p10": round(float(np.percentile(lengths, 10)), 2),
        "p90": round(float(np.percentile(lengths, 90)), 2),
        "max": float(lengths.max()),
    }


def top_tokens(tokens: Sequence[Sequence[str]], n: int = 200) -> pd.DataFrame:
    """The `n` most frequent tokens with their count and passage frequency (ties by token)."""
    counts: Counter[str] = Counter()
    passages: Counter[str] = Counter()
    for passage in tokens:
        counts.update(passage)
        passages.update(set(passage))
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:n]
    return pd.DataFrame(
        {
            "rank": range(1, len(ranked) + 1),
            "token": [t for t, _ in ranked],
            "count": [c for _, c in ranked],
            "passages": [passages[t] for t, _ in ranked],
        }
    )
