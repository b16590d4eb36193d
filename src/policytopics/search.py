"""`policytopics search`: passages by substring or by embedding similarity (pure: the
passages table and scores in, ranked hits out)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from policytopics.errors import UserError

COLUMNS = ["rank", "passage_id", "locality", "title", "section_path", "score", "text"]


def substring_scores(texts: Sequence[str], query: str) -> np.ndarray:
    """How often `query` occurs in each text, exactly as typed (no folding, no tokenizing)."""
    if not query:
        raise ValueError("an empty query matches everything")
    return np.array([text.count(query) for text in texts], dtype=np.float64)


def cosine_scores(matrix: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Cosine similarity of each row of `matrix` to the vector `query` (0 for a zero row)."""
    matrix = np.asarray(matrix, dtype=np.float64)
    query = np.asarray(query, dtype=np.float64).ravel()
    if matrix.shape[1:] != query.shape:
        raise ValueError(f"the query has {query.shape[0]} dimensions, the passages {matrix.shape}")
    norms = np.linalg.norm(matrix, axis=1) * np.linalg.norm(query)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(np.where(norms > 0, matrix @ query / norms, 0.0))


def filter_mask(
    passages: pd.DataFrame,
    locality: str | None = None,
    theme: str | None = None,
    themes: pd.DataFrame | None = None,
) -> np.ndarray:
    """Rows of `passages` of `locality` (exact) and whose classified theme is `theme`
    (`themes`: passage_id, theme); an unknown locality or theme is a UserError."""
    keep = np.ones(len(passages), dtype=bool)
    if locality is not None:
        known = sorted(set(passages["locality"].dropna().astype(str)))
        if locality not in known:
            shown = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "")
            raise UserError(f"no passages of locality {locality!r} (localities: {shown})")
        keep &= (passages["locality"] == locality).fillna(False).to_numpy(dtype=bool)
    if theme is not None:
        if themes is None:
            raise ValueError("filtering by theme needs the passages' themes")
        known = sorted(set(themes["theme"].astype(str)))
        if theme not in known:
            raise UserError(f"no passages of theme {theme!r} (themes: {', '.join(known)})")
        of = dict(zip(themes["passage_id"], themes["theme"], strict=True))
        keep &= np.array([of.get(p) == theme for p in passages["passage_id"]], dtype=bool)
    return keep


def ranked_hits(
    passages: pd.DataFrame,
    scores: np.ndarray,
    keep: np.ndarray,
    limit: int,
    min_score: float | None = None,
) -> list[dict[str, Any]]:
    """The `limit` best-scoring kept passages (ties in table order), as records with rank,
    passage_id, locality, title, section_path, score and text. Scores at or below
    `min_score` are left out (substring search: 0 = no match)."""
    scores = np.asarray(scores, dtype=np.float64)
    eligible = keep.copy()
    if min_score is not None:
        eligible &= scores > min_score
    rows = np.flatnonzero(eligible)
    order = rows[np.argsort(-scores[rows], kind="stable")][:limit]
    hits = []
    for rank, row in enumerate(order, start=1):
        passage = passages.iloc[int(row)]
        hits.append(
            {
                "rank": rank,
                "passage_id": str(passage["passage_id"]),
                "locality": _text(passage.get("locality")),
                "title": _text(passage.get("title")),
                "section_path": _text(passage.get("section_path")),
                "score": round(float(scores[row]), 4),
                "text": str(passage["text"]),
            }
        )
    return hits


def _text(value: object) -> str:
    return (
        ""
        if value is None or value is pd.NA or (isinstance(value, float) and value != value)
        else str(value)
    )


def with_titles(passages: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """`passages` with each one's document `title` ("" when the document has none)."""
    title = dict(zip(documents["doc_id"], documents["title"].fillna(""), strict=True))
    return passages.assign(title=[title.get(d, "") for d in passages["doc_id"]])
