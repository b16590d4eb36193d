"""Curation aids for the word lists: candidates with counts, for a researcher to accept by hand.

    python -m policytopics.text.curate userdict seeds/            # user-dictionary candidates
    python -m policytopics.text.curate boilerplate seeds/         # policy-stopword candidates
    python -m policytopics.text.curate snapshot-stopwords zh      # refresh a stopwords-iso list

A corpus is a directory of UTF-8 .txt files (one passage per non-empty line) or a passages
parquet (passage_id, doc_id, language, text). Only Chinese text is used for the first two.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import math
import re
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from policytopics.config import TokenizeParams
from policytopics.errors import UserError
from policytopics.text.normalize import detect_language
from policytopics.text.tokenize import Tokenizer, build_tokenizer

_HAN_WORD = re.compile(r"[\u4e00-\u9fff]+")


@dataclass(frozen=True)
class Passage:
    """A unit of text and the document it belongs to."""

    doc: str
    text: str


@dataclass(frozen=True)
class Candidate:
    """A candidate word with its corpus statistics."""

    word: str
    parts: str  # the segmenter's split, space-separated ("" for a single token)
    count: int
    passages: int
    documents: int
    score: float  # userdict: cohesion; boilerplate: spread (~1 = evenly sprinkled)


def userdict_candidates(
    passages: Sequence[Passage], tokenizer: Tokenizer, max_n: int = 4, min_count: int = 5
) -> list[Candidate]:
    """Adjacent-token n-grams (2..max_n) of content tokens, most frequent first.

    Content tokens are Han words that no stopword or number rule removes (single characters
    included, since a split term often leaves them). Cohesion = n-gram count / count of its
    rarest part: near 1 when a part hardly occurs outside the n-gram (河 长 制 -> 河长制).
    """
    grams: Counter[tuple[str, ...]] = Counter()
    unigrams: Counter[str] = Counter()
    in_passages: Counter[tuple[str, ...]] = Counter()
    in_docs: dict[tuple[str, ...], set[str]] = {}
    memo: dict[str, bool] = {}
    for passage in passages:
        words = tokenizer.segmenter.cut(passage.text)
        unigrams.update(words)
        seen: set[tuple[str, ...]] = set()
        content = [_is_content(w, tokenizer, memo) for w in words]
        for n in range(2, max_n + 1):
            for i in range(len(words) - n + 1):
                if all(content[i : i + n]):
                    gram = tuple(words[i : i + n])
                    grams[gram] += 1
                    seen.add(gram)
        in_passages.update(seen)
        for gram in seen:
            in_docs.setdefault(gram, set()).add(passage.doc)
    candidates = [
        Candidate(
            "".join(gram),
            " ".join(gram),
            count,
            in_passages[gram],
            len(in_docs[gram]),
            round(count / min(unigrams[w] for w in gram), 3),
        )
        for gram, count in grams.items()
        if count >= min_count
    ]
    return sorted(candidates, key=lambda c: (-c.count, -c.score, c.word))


def boilerplate_candidates(
    passages: Sequence[Passage], tokenizer: Tokenizer, min_share: float = 0.03
) -> list[Candidate]:
    """Kept tokens in at least `min_share` of passages, most evenly spread first.

    Score = spread: passages containing the word / passages expected to contain it if its
    occurrences were scattered at random (Poisson, N * (1 - exp(-count / N))). Boilerplate
    (推进, 切实, 要求) is sprinkled once per passage everywhere, so spread is near 1; a topic
    word (白酒, 生态, 旅游) is bursty, several times in the passages about its topic, so
    spread is lower (Church and Gale's burstiness).
    """
    in_docs: dict[str, set[str]] = {}
    counts: Counter[str] = Counter()
    df: Counter[str] = Counter()
    for passage in passages:
        tokens = tokenizer.tokenize(passage.text, "zh")
        counts.update(tokens)
        df.update(set(tokens))
        for token in set(tokens):
            in_docs.setdefault(token, set()).add(passage.doc)
    n = len(passages)
    candidates = [
        Candidate(word, "", counts[word], freq, len(in_docs[word]), _spread(freq, counts[word], n))
        for word, freq in df.items()
        if freq >= min_share * n
    ]
    return sorted(candidates, key=lambda c: (-c.score, -c.passages, c.word))


def _spread(passages: int, count: int, total: int) -> float:
    expected = total * (1 - math.exp(-count / total))
    return round(passages / expected, 3)


def _is_content(word: str, tokenizer: Tokenizer, memo: dict[str, bool]) -> bool:
    """A Han word that no punctuation, number or general-stopword rule removes."""
    if word not in memo:
        reason = tokenizer.removal_reason(word)
        memo[word] = _HAN_WORD.fullmatch(word) is not None and reason in (None, "short")
    return memo[word]


def snapshot_stopwords(language: str) -> str:
    """A stopwords-iso list as an editable resource file with its provenance header."""
    import stopwordsiso

    if language not in ("zh", "en"):
        raise UserError(f"snapshot-stopwords: language must be zh or en, got {language!r}")
    words = sorted(stopwordsiso.stopwords(language))
    version = importlib.metadata.version("stopwordsiso")
    name = {"zh": "Chinese", "en": "English"}[language]
    header = (
        f"# General {name} stopwords: snapshot of stopwords-iso ({language}),\n"
        f"# https://github.com/stopwords-iso/stopwords-{language}, via the Python package "
        f"stopwordsiso {version}\n"
        f"# (stopwordsiso.stopwords({language!r}), {len(words)} words, sorted). Regenerate with\n"
        f"# `python -m policytopics.text.curate snapshot-stopwords {language}`; "
        "edit freely (one word per line).\n"
    )
    return header + "\n".join(words) + "\n"


def read_corpus(path: Path) -> list[Passage]:
    """Chinese passages of a directory of .txt files or of a passages parquet."""
    if path.is_dir():
        passages = [
            Passage(file.stem, line.strip())
            for file in sorted(path.glob("*.txt"))
            for line in file.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        return [p for p in passages if detect_language(p.text) == "zh"]
    if path.suffix == ".parquet":
        import pandas as pd

        frame = pd.read_parquet(path, columns=["doc_id", "language", "text"])
        frame = frame[frame["language"] == "zh"]
        return [Passage(d, t) for d, t in zip(frame["doc_id"], frame["text"], strict=True)]
    raise UserError(f"{path}: expected a directory of .txt files or a .parquet file")


def format_candidates(candidates: Iterable[Candidate], limit: int) -> str:
    """Tab-separated table: word, parts, count, passages, documents, score."""
    lines = ["word\tparts\tcount\tpassages\tdocuments\tscore"]
    for c in list(candidates)[:limit]:
        lines.append(f"{c.word}\t{c.parts}\t{c.count}\t{c.passages}\t{c.documents}\t{c.score}")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    """Print candidates (or a stopword snapshot) to stdout."""
    parser = argparse.ArgumentParser(prog="python -m policytopics.text.curate")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("userdict", "boilerplate"):
        cmd = sub.add_parser(name)
        cmd.add_argument("corpus", type=Path)
        cmd.add_argument("--limit", type=int, default=300)
        cmd.add_argument("--user-dict", default="", help="segment with this dictionary")
    sub.add_parser("snapshot-stopwords").add_argument("language")
    args = parser.parse_args(argv)
    if args.command == "snapshot-stopwords":
        sys.stdout.write(snapshot_stopwords(args.language))
        return
    passages = read_corpus(args.corpus)
    if args.command == "userdict":
        tokenizer = build_tokenizer(TokenizeParams(user_dict=args.user_dict, hmm=False))
        found = userdict_candidates(passages, tokenizer)
    else:
        # Boilerplate is judged with the policy list emptied, so listed words show up too.
        tokenizer = build_tokenizer(TokenizeParams(user_dict=args.user_dict))
        tokenizer.stopwords["stopwords_policy_zh"] = frozenset()
        found = boilerplate_candidates(passages, tokenizer)
    sys.stdout.write(format_candidates(found, args.limit))


if __name__ == "__main__":
    from policytopics.stages._runner import run_stage

    run_stage("curate", main)
