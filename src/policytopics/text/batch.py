"""Tokenize many passages: in order, optionally in worker processes, with removal counts."""

from __future__ import annotations

import multiprocessing
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from itertools import islice
from multiprocessing.pool import AsyncResult

from policytopics.text.tokenize import REMOVAL_REASONS, Analysis, Tokenizer

_WORKER_TOKENIZER: Tokenizer | None = None


def _init_worker(tokenizer: Tokenizer) -> None:
    global _WORKER_TOKENIZER
    _WORKER_TOKENIZER = tokenizer


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


def _analyse_chunk(chunk: list[tuple[str, str]]) -> list[_Packed]:
    assert _WORKER_TOKENIZER is not None, "worker started without a tokenizer"
    return [_pack(_WORKER_TOKENIZER.analyse(text, language)) for text, language in chunk]


def _chunks(items: Iterable[tuple[str, str]], size: int) -> Iterator[list[tuple[str, str]]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def analyse_stream(
    items: Iterable[tuple[str, str]], tokenizer: Tokenizer, workers: int = 1, chunk_size: int = 256
) -> Iterator[Analysis]:
    """Analyse (text, language) pairs lazily, in input order; `workers` > 1 uses processes.

    The input is consumed chunk by chunk, so memory stays bounded for any corpus size.
    """
    if workers <= 1:
        for text, language in items:
            yield tokenizer.analyse(text, language)
        return
    context = multiprocessing.get_context("spawn")  # no fork of a threaded parent
    with context.Pool(workers, initializer=_init_worker, initargs=(tokenizer,)) as pool:
        # At most 2 chunks per worker in flight: ordered results, bounded memory.
        pending: deque[AsyncResult[list[_Packed]]] = deque()
        for chunk in _chunks(items, chunk_size):
            pending.append(pool.apply_async(_analyse_chunk, (chunk,)))
            if len(pending) >= 2 * workers:
                yield from map(_unpack, pending.popleft().get())
        while pending:
            yield from map(_unpack, pending.popleft().get())


def tokenize_all(
    texts: Iterable[str],
    languages: Iterable[str],
    tokenizer: Tokenizer,
    workers: int = 1,
    chunk_size: int = 256,
) -> tuple[list[list[str]], Counter[str]]:
    """Token lists for every text (same order; empty lists kept) and the summed removal counts."""
    tokens: list[list[str]] = []
    removed: Counter[str] = Counter()
    pairs = zip(texts, languages, strict=True)
    for analysis in analyse_stream(pairs, tokenizer, workers, chunk_size):
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
