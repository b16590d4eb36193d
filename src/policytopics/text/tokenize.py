"""Policy-aware tokenizer: Chinese segmentation with a user dictionary, stopword lists and rules.

Chinese: normalise, segment with rjieba (or jieba), then drop tokens by rule in this order,
counting each removal under its reason: punctuation, numbers (numbers/dates/units),
stopwords_zh, stopwords_policy_zh, stopwords_en (Latin words), short (fewer than `min_chars`),
pos (tag not in `pos_keep`). English: lowercase, words, numbers, stopwords_en, short, stem.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol

from policytopics.config import TokenizeParams
from policytopics.errors import UserError
from policytopics.text.normalize import detect_language, normalize_text
from policytopics.text.stem import english_stem
from policytopics.text.stopwords import is_number, is_punctuation, load_word_list, number_pattern
from policytopics.text.userdict import UserWord, load_user_dict

LANGUAGES = ("zh", "en")
REMOVAL_REASONS = (
    "punctuation",
    "numbers",
    "stopwords_zh",
    "stopwords_policy_zh",
    "stopwords_en",
    "short",
    "pos",
)
_ENGLISH_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)*")
_POSSESSIVE = re.compile(r"['’]s$")
_ENGLISH_PUNCTUATION = re.compile(r"[^\w\s]")
_MAX_DECISIONS = 1_000_000


class Segmenter(Protocol):
    """What the tokenizer needs from a jieba-compatible engine."""

    def cut(self, text: str) -> list[str]: ...
    def tag(self, text: str) -> list[tuple[str, str]]: ...


class _RjiebaSegmenter:
    def __init__(self, words: tuple[UserWord, ...], hmm: bool) -> None:
        import rjieba

        self._jieba = rjieba.Jieba()
        self._hmm = hmm
        for w in words:
            self._jieba.add_word(w.word, w.freq, w.tag)

    def cut(self, text: str) -> list[str]:
        return list(self._jieba.cut(text, self._hmm))

    def tag(self, text: str) -> list[tuple[str, str]]:
        return [(word, tag) for word, tag in self._jieba.tag(text, self._hmm)]


class _JiebaSegmenter:
    def __init__(self, words: tuple[UserWord, ...], hmm: bool) -> None:
        with warnings.catch_warnings():  # jieba imports the deprecated pkg_resources
            warnings.simplefilter("ignore")
            import jieba
            import jieba.posseg

        jieba.setLogLevel(60)
        self._jieba = jieba.Tokenizer()  # a private instance: the global one is never touched
        self._jieba.initialize()
        for w in words:
            self._jieba.add_word(w.word, w.freq, w.tag)
        self._posseg = jieba.posseg.POSTokenizer(self._jieba)
        self._hmm = hmm

    def cut(self, text: str) -> list[str]:
        return list(self._jieba.cut(text, HMM=self._hmm))

    def tag(self, text: str) -> list[tuple[str, str]]:
        return [(p.word, p.flag) for p in self._posseg.cut(text, HMM=self._hmm)]


@dataclass
class Analysis:
    """Tokens kept from one text, and how many tokens each rule removed."""

    tokens: list[str]
    removed: Counter[str] = field(default_factory=Counter)


class Tokenizer:
    """Turns a passage into topic-model tokens; picklable (the segmenter is built lazily)."""

    def __init__(
        self,
        params: TokenizeParams,
        user_words: tuple[UserWord, ...],
        stopwords: dict[str, frozenset[str]],
        units: frozenset[str],
    ) -> None:
        self.params = params
        self.user_words = user_words
        self.stopwords = stopwords
        self.units = units
        self._numbers = number_pattern(units)
        self._pos_keep = tuple(params.pos_keep)
        self._segmenter: Segmenter | None = None
        self._stemmer: Any = None
        # word -> (token, removal reason or ""): every rule runs once per distinct word.
        self._decisions: dict[str, dict[str, tuple[str, str]]] = {"zh": {}, "en": {}}

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_segmenter"] = None
        state["_stemmer"] = None
        state["_decisions"] = {"zh": {}, "en": {}}
        # Sets pickle in hash order, which changes from process to process: sorted tuples keep
        # a saved model byte-identical across runs.
        state["stopwords"] = {name: tuple(sorted(words)) for name, words in self.stopwords.items()}
        state["units"] = tuple(sorted(self.units))
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state["stopwords"] = {name: frozenset(words) for name, words in state["stopwords"].items()}
        state["units"] = frozenset(state["units"])
        self.__dict__.update(state)

    def __call__(self, text: str) -> list[str]:
        """Tokenize `text` in its detected language (a CountVectorizer `analyzer`)."""
        return self.tokenize(text, detect_language(text))

    def tokenize(self, text: str, language: str) -> list[str]:
        """The tokens a topic model sees for `text` written in `language` ('zh' or 'en')."""
        return self.analyse(text, language).tokens

    def analyse(self, text: str, language: str) -> Analysis:
        """Tokenize and count the tokens each rule removed."""
        if language == "zh":
            return self._analyse_zh(normalize_text(text))
        if language == "en":
            return self._analyse_en(normalize_text(text))
        raise UserError(f"unsupported language {language!r}; expected one of {list(LANGUAGES)}")

    @property
    def segmenter(self) -> Segmenter:
        """The jieba-compatible engine with the user dictionary loaded (built on first use)."""
        if self._segmenter is None:
            engine = _RjiebaSegmenter if self.params.engine == "rjieba" else _JiebaSegmenter
            self._segmenter = engine(self.user_words, self.params.hmm)
        return self._segmenter

    def removal_reason(self, token: str) -> str | None:
        """The rule that removes one segmented token (before POS filtering), or None."""
        if is_punctuation(token):
            return "punctuation"
        if self.params.drop_numbers and is_number(token, self._numbers):
            return "numbers"
        if token in self.stopwords["stopwords_zh"]:
            return "stopwords_zh"
        if token in self.stopwords["stopwords_policy_zh"]:
            return "stopwords_policy_zh"
        if token.isascii() and token in self.stopwords["stopwords_en"]:
            return "stopwords_en"
        if len(token) < self.params.min_chars:
            return "short"
        return None

    def _decide(self, word: str, language: str) -> tuple[str, str]:
        """(token, removal reason or "") for one segmented word, memoised per language."""
        cache = self._decisions[language]
        if len(cache) > _MAX_DECISIONS:
            cache.clear()
        if language == "zh":
            token = word.lower() if word.isascii() else word
            decision = (token, self.removal_reason(token) or "")
        else:
            decision = self._decide_en(_POSSESSIVE.sub("", word))
        cache[word] = decision
        return decision

    def _decide_en(self, token: str) -> tuple[str, str]:
        if self.params.drop_numbers and is_number(token, self._numbers):
            return token, "numbers"
        if token in self.stopwords["stopwords_en"]:
            return token, "stopwords_en"
        if len(token) < self.params.min_chars:
            return token, "short"
        return self._stem(token), ""

    def _analyse_zh(self, text: str) -> Analysis:
        cached = self._decisions["zh"].get
        if self._pos_keep:
            decisions = []
            for word, tag in self.segmenter.tag(text):
                token, reason = cached(word) or self._decide(word, "zh")
                if not reason and not _tag_kept(tag, self._pos_keep):
                    reason = "pos"
                decisions.append((token, reason))
        else:
            words = self.segmenter.cut(text)
            decisions = [cached(word) or self._decide(word, "zh") for word in words]
        return _collect(decisions)

    def _analyse_en(self, text: str) -> Analysis:
        lowered = text.lower()
        cached = self._decisions["en"].get
        words = _ENGLISH_WORD.findall(lowered)
        analysis = _collect([cached(word) or self._decide(word, "en") for word in words])
        analysis.removed["punctuation"] += len(_ENGLISH_PUNCTUATION.findall(lowered))
        return analysis

    def _stem(self, token: str) -> str:
        if self._stemmer is None:
            self._stemmer = english_stem(self.params.english_stemmer)
        return str(self._stemmer(token))


def _collect(decisions: list[tuple[str, str]]) -> Analysis:
    """Kept tokens in order, and the count of each removal reason."""
    return Analysis(
        [token for token, reason in decisions if not reason],
        Counter(reason for _, reason in decisions if reason),
    )


def _tag_kept(tag: str, keep: tuple[str, ...]) -> bool:
    """A POS tag is kept when it starts with a kept prefix; user words without a tag count as nz."""
    return (tag or "nz").startswith(keep)


def _check_params(params: TokenizeParams) -> None:
    problems = []
    if params.chunk_size < 1:
        problems.append("tokenize.chunk_size: must be >= 1")
    if params.min_chars < 1:
        problems.append("tokenize.min_chars: must be >= 1")
    if params.phrases_min_count < 0:
        problems.append("tokenize.phrases_min_count: must be >= 0 (0 = off)")
    if problems:
        raise UserError("params.yaml: " + "; ".join(problems))


def build_tokenizer(params: TokenizeParams) -> Tokenizer:
    """Load the user dictionary and word lists named in `params` ("" = packaged defaults)."""
    _check_params(params)
    stopwords = {
        name: load_word_list(getattr(params, name), name)
        for name in ("stopwords_zh", "stopwords_policy_zh", "stopwords_en")
    }
    units = load_word_list(params.units_zh, "units_zh")
    return Tokenizer(params, tuple(load_user_dict(params.user_dict)), stopwords, units)
