"""Hand labels by document: which document a label comes from, and a by-document split."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from policytopics.themes.labels import containing_rows, match_key

UNPLACED = "unplaced:"  # document id prefix of a label found in no corpus passage


def hash_is_test(document: str, test_share: float) -> bool:
    """The by-document rule: test iff sha256(document id) mod 1000 < 1000 * `test_share`."""
    value = int(hashlib.sha256(document.encode("utf-8")).hexdigest(), 16)
    return value % 1000 < round(1000 * test_share)


def place_labels(hand: pd.DataFrame, passages: pd.DataFrame, test_share: float) -> pd.DataFrame:
    """`hand` with every row's `document` and `doc_split` filled.

    A row without a document takes the doc_id of the first passage (table order) whose text
    contains its text (punctuation ignored), else of the first document whose headings and passages,
    joined, contain it (a heading, a sentence across a passage break), else the only document of its
    `source_file` (doc ids are `<file stem>#<part>`); a text found nowhere is a document of its
    own (`unplaced:<corpus>:<sha256 of its text>`). A row without a `doc_split` gets the
    by-document rule `hash_is_test` on its document, so one document is never on both sides.
    """
    out = hand.copy().reset_index(drop=True)
    for column in ("corpus", "document", "doc_split", "source_file"):
        if column not in out:
            out[column] = ""
    out["split_by_document"] = out["doc_split"] != ""  # the file split by document itself
    todo = out.index[out["document"] == ""].tolist()
    found = containing_rows(out.loc[todo, "text"].tolist(), passages["text"].tolist())
    doc_ids = passages["doc_id"].astype(str).tolist()
    sections = passages["section_path"].astype(str) if "section_path" in passages else ""
    full_text = sections + passages["text"].astype(str)
    joined = full_text.groupby(passages["doc_id"], sort=False).agg("".join)
    by_file: dict[str, list[str]] = {}
    for doc in joined.index:
        by_file.setdefault(str(doc).split("#")[0], []).append(str(doc))
    unfound = [row for row, rows in zip(todo, found, strict=True) if not rows]
    # every document's key is computed once: per label it cost 111 s on the congress reports
    in_documents = containing_rows(out.loc[unfound, "text"].astype(str).tolist(), joined.tolist())
    whole_of = dict(zip(unfound, in_documents, strict=True))
    for row, rows in zip(todo, found, strict=True):
        whole = whole_of.get(row, set())
        of_file = by_file.get(Path(str(out.at[row, "source_file"])).stem, [])
        if rows:
            out.at[row, "document"] = doc_ids[min(rows)]
        elif whole:
            out.at[row, "document"] = str(joined.index[min(whole)])
        elif len(of_file) == 1:
            out.at[row, "document"] = of_file[0]
        else:
            digest = hashlib.sha256(match_key(str(out.at[row, "text"])).encode()).hexdigest()
            corpus = str(out.at[row, "corpus"])
            out.at[row, "document"] = f"{UNPLACED}{corpus}:{digest[:16]}"
    missing = out["doc_split"] == ""
    out.loc[missing, "doc_split"] = [
        "test" if hash_is_test(str(d), test_share) else "train"
        for d in out.loc[missing, "document"]
    ]
    return out


def document_rows(hand: pd.DataFrame, split: str) -> list[int]:
    """Positions of the rows whose document is on the `split` side."""
    return [i for i, s in enumerate(hand["doc_split"]) if s == split]


def corpus_rows(hand: pd.DataFrame, corpus: str) -> tuple[list[int], list[int]]:
    """Leave one corpus out: (rows of every other corpus, rows of `corpus`)."""
    corpora = hand["corpus"].tolist()
    return (
        [i for i, c in enumerate(corpora) if c != corpus],
        [i for i, c in enumerate(corpora) if c == corpus],
    )


def documents_of(hand: pd.DataFrame, rows: Sequence[int]) -> list[str]:
    """The document id of each row at `rows` (the cluster of the bootstrap)."""
    documents = hand["document"].tolist()
    return [str(documents[i]) for i in rows]
