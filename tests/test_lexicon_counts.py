"""Lexicon.count_matches remembers counts without changing them or the pickled lexicon."""

import pickle

import pytest

from policytopics.themes import lexicon as lexicon_module
from policytopics.themes.lexicon import load_lexicon

TEXT = "加强长江生态保护，发展数字经济。"


def test_remembered_counts_equal_fresh_ones_and_are_copies() -> None:
    lexicon = load_lexicon()
    first = lexicon.count_matches(TEXT)
    first["ecology"] = 99  # a caller changing its dict does not change the next answer
    assert lexicon.count_matches(TEXT) == load_lexicon().count_matches(TEXT)
    assert lexicon.count_matches(TEXT)["ecology"] > 0


def test_the_memory_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lexicon_module, "COUNT_CACHE_SIZE", 2)
    lexicon = load_lexicon()
    for text in ("生态", "数字", "白酒"):
        lexicon.count_matches(text)
    assert list(lexicon._counts) == ["数字", "白酒"]


def test_counting_does_not_change_the_pickled_lexicon() -> None:
    lexicon = load_lexicon()
    before = pickle.dumps(lexicon)
    lexicon.count_matches(TEXT)
    after = pickle.dumps(lexicon)
    assert after == before
    restored = pickle.loads(after)
    assert restored.count_matches(TEXT) == lexicon.count_matches(TEXT)
