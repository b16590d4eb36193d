"""Passages: the document's own blocks, kept within `min_chars`..`max_chars`.

From the blocks of `structure.parse_document`:

1. a sentence longer than `max_chars` is cut into pieces of at most `max_chars`: at its clause
   punctuation (，、；：), then at spaces, then (a 2 MB unpunctuated line) every `max_chars`
   characters; the pieces are the sentence's text exactly, become rows of the sentences
   table, and each cut is recorded (`SentenceCut`, the corpus summary, segment metrics);
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
from policytopics.corpus.sentences import cut_points
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
class SentenceCut:
    """An over-long sentence cut into pieces: where its pieces start among the document's
    sentences (after cutting), how many there are, its length and the finest cut needed."""

    first: int
    n_pieces: int
    n_chars: int
    cut_at: str  # clause | space | hard (see sentences.CUT_LEVELS)
    preview: str


@dataclass(frozen=True)
class Segmented:
    """One document body: its passages, its headings and the over-long sentences cut."""

    passages: list[Passage]
    headings: list[Heading]
    cuts: list[SentenceCut]


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
    """Passages and headings of one document body (see `segment_body`)."""
    segmented = segment_body(text, language, params)
    return segmented.passages, segmented.headings


def segment_body(text: str, language: str, params: SegmentParams) -> Segmented:
    """Passages, headings and sentence cuts of one document body.

    Every non-space character of `text` is in exactly one heading or passage, in order; this
    is checked here, so a bug can never silently drop text.
    """
    items = parse_document(text, language, params.lead_max_chars)
    headings = [item for item in items if isinstance(item, Heading)]
    min_chars, max_chars = bounds(params, language)
    blocks, cuts = cut_long_sentences(
        [item for item in items if isinstance(item, Block)], max_chars
    )
    passages = make_passages(blocks, language, min_chars, max_chars)
    in_order = [
        item.text if isinstance(item, Heading) else "".join(item.sentences) for item in items
    ]
    in_blocks = [s for block in blocks for s in block.sentences]
    if _squash("".join(in_order)) != _squash(text) or in_blocks != [
        s for passage in passages for s in passage.sentences
    ]:  # a bug, not a user error: text must never be lost or duplicated
        raise RuntimeError("segment: headings and passages do not add up to the document text")
    return Segmented(passages, headings, cuts)


def cut_long_sentences(
    blocks: list[Block], max_chars: int
) -> tuple[list[Block], list[SentenceCut]]:
    """Blocks whose sentences longer than `max_chars` are replaced by their pieces.

    The pieces of a sentence, stripped of the whitespace at their edges, are its text in order
    (a cut after a space drops only that space, as between sentences).
    """
    out: list[Block] = []
    cuts: list[SentenceCut] = []
    position = 0  # index of the next sentence among the document's (cut) sentences
    for block in blocks:
        if all(len(sentence) <= max_chars for sentence in block.sentences):
            out.append(block)
            position += len(block.sentences)
            continue
        kept: list[str] = []
        for sentence in block.sentences:
            if len(sentence) <= max_chars:
                kept.append(sentence)
                continue
            pieces, cut_at = cut_sentence(sentence, max_chars)
            cuts.append(
                SentenceCut(position + len(kept), len(pieces), len(sentence), cut_at, sentence[:40])
            )
            kept.extend(pieces)
        out.append(Block(block.path, tuple(kept)))
        position += len(kept)
    return out, cuts


def cut_sentence(sentence: str, max_chars: int) -> tuple[list[str], str]:
    """An over-long sentence as the fewest balanced pieces of at most `max_chars`, and the cut.

    `"".join(pieces) == sentence` up to whitespace at the pieces' edges, which is stripped.
    """
    parts, cut_at = cut_points(sentence, max_chars)
    groups = balanced_groups([len(p) for p in parts], max_chars)
    pieces = ("".join(parts[i] for i in group).strip() for group in groups)
    return [piece for piece in pieces if piece], cut_at


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
            pieces.extend(cut_sentence(sentence, max_chars)[0])
    sep = 0 if language == "zh" else 1
    groups = balanced_groups([len(p) + sep for p in pieces], max_chars + sep)
    return [Passage(block.path, (tuple(pieces[i] for i in group),)) for group in groups]


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


CUT_COLUMNS: tuple[str, ...] = (
    "doc_id",
    "first_passage_id",  # the passages holding the sentence's pieces, first..last
    "last_passage_id",
    "n_chars",  # the sentence's length
    "n_pieces",
    "cut_at",  # clause | space | hard
    "preview",  # its first 40 characters
)


def segment_documents(
    documents: pd.DataFrame, params: SegmentParams
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int], pd.DataFrame]:
    """Passages and sentences tables for all documents, heading characters per document, and
    the over-long sentences that were cut (`CUT_COLUMNS`, one row per cut sentence)."""
    require_columns(documents, DOCUMENT_COLUMNS, "documents")
    passage_rows: list[dict[str, object]] = []
    sentence_rows: list[dict[str, object]] = []
    cut_rows: list[dict[str, object]] = []
    heading_chars: dict[str, int] = {}
    for doc in tqdm(documents.to_dict("records"), desc="segment", unit="doc", leave=False):
        doc_id, language = str(doc["doc_id"]), str(doc["language"])
        text = doc["text"] if isinstance(doc["text"], str) else ""  # a missing body: no passages
        segmented = segment_body(text, language, params)
        passages = segmented.passages
        texts = [p.text(language) for p in passages]
        heading_chars[doc_id] = sum(len(_squash(h.text)) for h in segmented.headings)
        passage_of: list[str] = []  # passage id of each of the document's sentences
        for position, (passage, text) in enumerate(zip(passages, texts, strict=True)):
            passage_id = f"{doc_id}/p{position:04d}"
            passage_of.extend([passage_id] * len(passage.sentences))
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
        for cut in segmented.cuts:
            cut_rows.append(
                {
                    "doc_id": doc_id,
                    "first_passage_id": passage_of[cut.first],
                    "last_passage_id": passage_of[cut.first + cut.n_pieces - 1],
                    "n_chars": cut.n_chars,
                    "n_pieces": cut.n_pieces,
                    "cut_at": cut.cut_at,
                    "preview": cut.preview,
                }
            )
    passages_frame = pd.DataFrame(passage_rows, columns=list(PASSAGE_COLUMNS))
    passages_frame["year"] = passages_frame["year"].astype("Int64")
    for column in ("position", "n_chars", "n_sentences"):
        passages_frame[column] = passages_frame[column].astype("int64")
    sentences_frame = pd.DataFrame(sentence_rows, columns=list(SENTENCE_COLUMNS))
    sentences_frame["position"] = sentences_frame["position"].astype("int64")
    cuts_frame = pd.DataFrame(cut_rows, columns=list(CUT_COLUMNS))
    for column in ("n_chars", "n_pieces"):
        cuts_frame[column] = cuts_frame[column].astype("int64")
    return passages_frame, sentences_frame, heading_chars, cuts_frame
