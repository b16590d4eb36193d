"""The tokenizer's English stemmer, in a module of its own: the stages that match English text
against tokens (the theme lexicon against topic words) depend on it, not on the tokenizer."""

from __future__ import annotations

from collections.abc import Callable

import snowballstemmer


def english_stem(setting: str) -> Callable[[str], str]:
    """The stemmer `tokenize.english_stemmer` names, for lower-cased English words:
    snowball (ecological -> ecolog) or none (unchanged)."""
    if setting == "none":
        return str
    stemmer = snowballstemmer.stemmer("english")
    return lambda word: str(stemmer.stemWord(word))
