"""Exact and near-duplicate documents, and which copy of each group is kept.

Exact: the same normalised text (whitespace removed). Near: datasketch MinHash over character
5-gram shingles (128 permutations, a fixed seed) with LSH set below `threshold` (so pairs
near it are not missed by chance), each candidate pair then confirmed by the exact Jaccard
similarity of the two shingle sets; pairs join into groups (transitively). Documents are
hashed in doc_id order, so the result never depends on the order
the files were read in.

The kept copy of a group: the one the manifest describes, else the longer text, else the first
doc_id. datasketch is used rather than hand-written hashing: its MinHash/LSH are the standard,
tested implementation, and the estimate it gives is the one its docs describe.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from datasketch import MinHash, MinHashLSH

SHINGLE = 5
NUM_PERM = 128
MINHASH_SEED = 1
LSH_MARGIN = 0.2  # LSH finds candidates from threshold - margin; the exact Jaccard decides
_BATCH = 50_000  # shingles per MinHash update (bounds memory on a 2 MB document)
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Candidate:
    doc_id: str
    text: str
    described: bool  # the manifest states something about this document


@dataclass(frozen=True)
class Duplicate:
    doc_id: str
    kept: str  # doc_id of the copy that is kept
    kind: str  # "exact" | "near"
    similarity: float  # 1.0 for exact, else the Jaccard similarity with the kept copy
    why_kept: str


def _key(text: str) -> str:
    return _SPACE.sub("", text)


def _shingles(text: str) -> set[str]:
    return {text[i : i + SHINGLE] for i in range(max(len(text) - SHINGLE + 1, 1))}


def jaccard(a: str, b: str) -> float:
    """Jaccard similarity of the two texts' character 5-gram sets (whitespace removed)."""
    sa, sb = _shingles(_key(a)), _shingles(_key(b))
    return len(sa & sb) / len(sa | sb)


def _minhash(text: str) -> MinHash:
    minhash = MinHash(num_perm=NUM_PERM, seed=MINHASH_SEED)
    shingles = sorted(_shingles(text))
    for start in range(0, len(shingles), _BATCH):
        minhash.update_batch([s.encode("utf-8") for s in shingles[start : start + _BATCH]])
    return minhash


def _why(keeper: Candidate, other: Candidate) -> str:
    if keeper.described and not other.described:
        return "described in the manifest"
    if len(_key(keeper.text)) > len(_key(other.text)):
        return "the longer text"
    return "the first by doc_id"


def _keeper(group: list[Candidate]) -> Candidate:
    return min(group, key=lambda c: (not c.described, -len(_key(c.text)), c.doc_id))


def find_duplicates(candidates: Sequence[Candidate], threshold: float) -> list[Duplicate]:
    """Every document that duplicates another, with the copy kept; sorted by doc_id."""
    ordered = sorted(candidates, key=lambda c: c.doc_id)
    parent = {c.doc_id: c.doc_id for c in ordered}

    def root(doc_id: str) -> str:
        while parent[doc_id] != doc_id:
            parent[doc_id] = parent[parent[doc_id]]
            doc_id = parent[doc_id]
        return doc_id

    def join(a: str, b: str) -> None:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    first_with: dict[str, str] = {}
    unique = []
    for c in ordered:
        digest = hashlib.sha256(_key(c.text).encode("utf-8")).hexdigest()
        if digest in first_with:
            join(first_with[digest], c.doc_id)
        else:
            first_with[digest] = c.doc_id
            unique.append(c)
    texts = {c.doc_id: c.text for c in ordered}
    similar: dict[frozenset[str], float] = {}
    if len(unique) > 1 and threshold < 1.0:
        lsh = MinHashLSH(threshold=max(threshold - LSH_MARGIN, 0.05), num_perm=NUM_PERM)
        for c in unique:
            minhash = _minhash(_key(c.text))
            for other in sorted(lsh.query(minhash)):
                similarity = jaccard(texts[other], c.text)
                if similarity >= threshold:
                    similar[frozenset((other, c.doc_id))] = similarity
                    join(other, c.doc_id)
            lsh.insert(c.doc_id, minhash)
    groups: dict[str, list[Candidate]] = {}
    for c in ordered:
        groups.setdefault(root(c.doc_id), []).append(c)
    found = []
    for group in groups.values():
        if len(group) < 2:
            continue
        keeper = _keeper(group)
        for c in [c for c in group if c is not keeper]:
            why = _why(keeper, c)
            same = _key(c.text) == _key(keeper.text)
            if same:
                similarity = 1.0
            else:
                pair = frozenset((c.doc_id, keeper.doc_id))
                similarity = round(similar.get(pair) or jaccard(c.text, keeper.text), 4)
            found.append(
                Duplicate(c.doc_id, keeper.doc_id, "exact" if same else "near", similarity, why)
            )
    return sorted(found, key=lambda d: d.doc_id)
