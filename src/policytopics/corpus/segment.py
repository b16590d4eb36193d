"""Passages: the document's own blocks, kept within `min_chars`..`max_chars`.

From the blocks of `structure.parse_document`:

1. a sentence longer than `max_chars` is cut at its clause punctuation (，、；：);
2. a block longer than `max_chars` is cut at sentence boundaries into the fewest parts of
   balanced size;
3. a unit shorter than `min_chars` merges with its neighbour in the same section (the one
   giving the shorter result); if together they exceed `max_chars` they are re-cut into two
   balanced parts when both parts reach `min_chars`, else kept as one.

A passage never crosses a heading, so its section path is exact. Hence the two exceptions to
the bounds: a passage exceeds `max_chars` (by less than `min_chars`) when a short tail could
not be balanced, and falls short of `min_chars` when its whole section is that short (a
part's one-sentence introduction, a document's title lines).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from tqdm import tqdm

from policytopics.config import SegmentParams
from policytopics.corpus.packing import balanced_groups
from policytopics.corpus.sentences import clauses
from policytopics.corpus.structure import Block, Heading, parse_document
from policytopics.schemas import (
    DOCUMENT_COLUMNS,
    PASSAGE_COLUMNS,
    SENTENCE_COLUMNS,
    require_columns,
)

Segment = tuple[str, ...]  # consecutive sentences of one block
_CARRIED = ("locality", "province", "city", "year", "doc_type", "language")


@dataclass(frozen=True)
class Passage:
    """A passage: its section path and its sentences, grouped by the blocks they came from."""

    path: tuple[str, ...]
    segments: tuple[Segment, ...]

    @property
    def sentences(self) -> list[str]:
        return [s for segment in self.segments for s in segment]

    def text(self, language: str) -> str:
        joiner = "" if language == "zh" else " "
        return "\n".join(joiner.join(segment) for segment in self.segments)


def bounds(params: SegmentParams, language: str) -> tuple[int, int]:
    """(min_chars, max_chars) for a language: Chinese characters, or English characters."""
    if language == "zh":
        return params.min_chars, params.max_chars
    return params.en_min_chars, params.en_max_chars


def segment_text(
    text: str, language: str, params: SegmentParams
) -> tuple[list[Passage], list[Heading]]:
    """Passages and headings of one document body.

    Every non-space character of `text` is in exactly one heading or passage, in order; this
    is checked here, so a bug can never silently drop text.
    """
    items = parse_document(text, language, params.lead_max_chars)
    headings = [item for item in items if isinstance(item, Heading)]
    blocks = [item for item in items if isinstance(item, Block)]
    passages = make_passages(blocks, language, *bounds(params, language))
    in_order = [
        item.text if isinstance(item, Heading) else "".join(item.sentences) for item in items
    ]
    in_blocks = [s for block in blocks for s in block.sentences]
    if _squash("".join(in_order)) != _squash(text) or in_blocks != [
        s for passage in passages for s in passage.sentences
    ]:  # a bug, not a user error: text must never be lost or duplicated
        raise RuntimeError("segment: headings and passages do not add up to the document text")
    return passages, headings


def make_passages(
    blocks: list[Block], language: str, min_chars: int, max_chars: int
) -> list[Passage]:
    """Split long blocks, then merge short units (see the module docstring)."""
    units: list[Passage] = []
    for block in blocks:
        units.extend(_split_block(block, language, max_chars))
    return _merge_short(units, language, min_chars, max_chars)


def _size(segments: tuple[Segment, ...], language: str) -> int:
    return len(Passage((), segments).text(language))


def _split_block(block: Block, language: str, max_chars: int) -> list[Passage]:
    pieces: list[str] = []
    for sentence in block.sentences:
        if len(sentence) <= max_chars:
            pieces.append(sentence)
        else:
            pieces.extend(_cut_sentence(sentence, language, max_chars))
    sep = 0 if language == "zh" else 1
    groups = balanced_groups([len(p) + sep for p in pieces], max_chars + sep)
    return [Passage(block.path, (tuple(pieces[i] for i in group),)) for group in groups]


def _cut_sentence(sentence: str, language: str, max_chars: int) -> list[str]:
    """Cut an over-long sentence at clause ends (or every `max_chars` if it has none)."""
    parts: list[str] = []
    for clause in clauses(sentence, language):
        parts.extend(clause[i : i + max_chars] for i in range(0, len(clause), max_chars))
    groups = balanced_groups([len(p) for p in parts], max_chars)
    return ["".join(parts[i] for i in group) for group in groups]


def _merge_short(
    units: list[Passage], language: str, min_chars: int, max_chars: int
) -> list[Passage]:
    units = list(units)
    i = 0
    while i < len(units):
        if _size(units[i].segments, language) >= min_chars:
            i += 1
            continue
        j = _partner(units, i, language)
        if j is None:  # its whole top-level section is this short
            i += 1
            continue
        left, right = sorted((i, j))
        units[left : right + 1] = _merge_pair(
            units[left], units[right], language, min_chars, max_chars
        )
        i = left
    return units


def _partner(units: list[Passage], i: int, language: str) -> int | None:
    """The neighbour in the same section a short unit merges with (the shorter result)."""
    options = [j for j in (i - 1, i + 1) if 0 <= j < len(units) and units[j].path == units[i].path]
    if not options:
        return None
    return min(
        options,
        key=lambda j: (
            _size(units[min(i, j)].segments + units[max(i, j)].segments, language),
            j > i,
        ),
    )


def _merge_pair(
    left: Passage, right: Passage, language: str, min_chars: int, max_chars: int
) -> list[Passage]:
    """One passage, or two balanced ones when together they exceed `max_chars`."""
    path = left.path
    segments = left.segments + right.segments
    if _size(segments, language) <= max_chars:
        return [Passage(path, segments)]
    flat = [(k, s) for k, segment in enumerate(segments) for s in segment]
    sep = 0 if language == "zh" else 1
    groups = balanced_groups([len(s) + sep for _, s in flat], max_chars + sep)
    parts = [Passage(path, _regroup([flat[i] for i in group])) for group in groups]
    if all(_size(p.segments, language) >= min_chars for p in parts):
        return parts
    return [Passage(path, segments)]


def _regroup(flat: list[tuple[int, str]]) -> tuple[Segment, ...]:
    segments: list[list[str]] = []
    last = None
    for key, sentence in flat:
        if key != last:
            segments.append([])
            last = key
        segments[-1].append(sentence)
    return tuple(tuple(segment) for segment in segments)


def _squash(text: str) -> str:
    return "".join(text.split())


def segment_documents(
    documents: pd.DataFrame, params: SegmentParams
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """Passages and sentences tables for all documents, plus heading characters per document."""
    require_columns(documents, DOCUMENT_COLUMNS, "documents")
    passage_rows: list[dict[str, object]] = []
    sentence_rows: list[dict[str, object]] = []
    heading_chars: dict[str, int] = {}
    for doc in tqdm(documents.to_dict("records"), desc="segment", unit="doc", leave=False):
        doc_id, language = str(doc["doc_id"]), str(doc["language"])
        text = doc["text"] if isinstance(doc["text"], str) else ""  # a missing body: no passages
        passages, headings = segment_text(text, language, params)
        texts = [p.text(language) for p in passages]
        heading_chars[doc_id] = sum(len(_squash(h.text)) for h in headings)
        for position, (passage, text) in enumerate(zip(passages, texts, strict=True)):
            passage_id = f"{doc_id}/p{position:04d}"
            passage_rows.append(
                {
                    "passage_id": passage_id,
                    "doc_id": doc_id,
                    "position": position,
                    **{key: doc[key] for key in _CARRIED},
                    "section_path": " > ".join(passage.path),
                    "text": text,
                    "n_chars": len(text),
                    "n_sentences": len(passage.sentences),
                }
            )
            for k, sentence in enumerate(passage.sentences):
                sentence_rows.append(
                    {
                        "sentence_id": f"{passage_id}/s{k:03d}",
                        "passage_id": passage_id,
                        "doc_id": doc_id,
                        "position": k,
                        "text": sentence,
                    }
                )
    passages_frame = pd.DataFrame(passage_rows, columns=list(PASSAGE_COLUMNS))
    passages_frame["year"] = passages_frame["year"].astype("Int64")
    for column in ("position", "n_chars", "n_sentences"):
        passages_frame[column] = passages_frame[column].astype("int64")
    sentences_frame = pd.DataFrame(sentence_rows, columns=list(SENTENCE_COLUMNS))
    sentences_frame["position"] = sentences_frame["position"].astype("int64")
    return passages_frame, sentences_frame, heading_chars
