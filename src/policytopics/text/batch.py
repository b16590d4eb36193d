"""Tokenize many passages: fixed-size chunks through the executor seam, in order, with counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from functools import partial

from policytopics.compute import Executor, SerialExecutor, Shared, chunked
from policytopics.text.tokenize import REMOVAL_REASONS, Analysis, Tokenizer

# Results cross the process boundary packed: one string of tokens joined by a separator that
# no token can contain (it is punctuation, which the tokenizer always removes), and the removal
# counts in REMOVAL_REASONS order. That halves the pickling cost of a list of short strings.
_SEPARATOR = "\x1f"
_Packed = tuple[str, tuple[int, ...]]


def _pack(analysis: Analysis) -> _Packed:
    counts = tuple(analysis.removed.get(reason, 0) for reason in REMOVAL_REASONS)
    return _SEPARATOR.join(analysis.tokens), counts


def _unpack(packed: _Packed) -> Analysis:
    joined, counts = packed
    tokens = joined.split(_SEPARATOR) if joined else []
    removed = Counter({r: n for r, n in zip(REMOVAL_REASONS, counts, strict=True) if n})
    return Analysis(tokens, removed)


def analyse_chunk(tokenizer: Shared[Tokenizer], chunk: list[tuple[str, str]]) -> list[_Packed]:
    """One task: analyse a chunk of (text, language) pairs with the worker's tokenizer."""
    analyse = tokenizer.get().analyse
    return [_pack(analyse(text, language)) for text, language in chunk]


def analyse_stream(
    items: Iterable[tuple[str, str]],
    tokenizer: Tokenizer,
    executor: Executor | None = None,
    chunk_size: int = 256,
) -> Iterator[Analysis]:
    """Analyse (text, language) pairs lazily, in input order, `chunk_size` pairs per task.

    The input is consumed chunk by chunk and only a few chunks per worker are in flight, so
    memory stays bounded for any corpus size. The output never depends on the executor.
    """
    executor = executor or SerialExecutor()
    task = partial(analyse_chunk, Shared(tokenizer))
    for packed in executor.imap(task, chunked(items, chunk_size)):
        yield from map(_unpack, packed)


def tokenize_all(
    texts: Iterable[str],
    languages: Iterable[str],
    tokenizer: Tokenizer,
    executor: Executor | None = None,
    chunk_size: int = 256,
) -> tuple[list[list[str]], Counter[str]]:
    """Token lists for every text (same order; empty lists kept) and the summed removal counts."""
    tokens: list[list[str]] = []
    removed: Counter[str] = Counter()
    pairs = zip(texts, languages, strict=True)
    for analysis in analyse_stream(pairs, tokenizer, executor, chunk_size):
        tokens.append(analysis.tokens)
        removed.update(analysis.removed)
    return tokens, removed


def apply_phrases(
    token_lists: list[list[str]], min_count: int, threshold: float, delimiter: str = "_"
) -> tuple[list[list[str]], list[str]]:
    """Join frequent adjacent token pairs with gensim Phrases (deterministic); also list them."""
    from gensim.models.phrases import Phrases

    model = Phrases(token_lists, min_count=min_count, threshold=threshold, delimiter=delimiter)
    frozen = model.freeze()
    joined = [list(frozen[tokens]) for tokens in token_lists]
    return joined, sorted(frozen.phrasegrams)
