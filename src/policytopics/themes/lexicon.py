"""The policy-theme lexicon: a validated taxonomy with trap-aware seed-term matching."""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml
from pydantic import Field, ValidationError, field_validator

from policytopics.config import Section, format_validation_error
from policytopics.errors import UserError

_KEY = r"^[a-z][a-z0-9_]*$"
_ASCII = re.compile(r"^[\x00-\x7f]+$")
_ASCII_WORD = re.compile(r"[a-z0-9]+")
_BLANK = "\u25a1"  # replaces excluded phrases so no seed can match inside them


class ThemeSpec(Section):
    """One theme as written in the lexicon file."""

    key: str = Field(pattern=_KEY)
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)
    description: str = Field(min_length=1)
    description_zh: str = ""
    seeds_zh: list[str] = Field(default_factory=list)
    seeds_en: list[str] = Field(default_factory=list)
    weak_zh: list[str] = Field(default_factory=list)
    weak_en: list[str] = Field(default_factory=list)
    exclude_zh: list[str] = Field(default_factory=list)
    exclude_en: list[str] = Field(default_factory=list)

    @field_validator("seeds_zh", "seeds_en", "weak_zh", "weak_en", "exclude_zh", "exclude_en")
    @classmethod
    def _no_blank_terms(cls, terms: list[str]) -> list[str]:
        cleaned = [str(t).strip() for t in terms]
        if any(not t for t in cleaned):
            raise ValueError("empty term")
        return cleaned

    @property
    def seeds(self) -> list[str]:
        return [*self.seeds_zh, *self.seeds_en]


class LexiconFile(Section):
    """The whole lexicon file."""

    version: int = 1
    themes: list[ThemeSpec] = Field(min_length=1)

    @field_validator("themes")
    @classmethod
    def _unique_keys_and_seeds(cls, themes: list[ThemeSpec]) -> list[ThemeSpec]:
        keys = [t.key for t in themes]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValueError(f"duplicate theme keys {duplicates}")
        empty = [t.key for t in themes if not t.seeds]
        if empty:
            raise ValueError(f"themes without seed terms {empty}")
        return themes


def _alternation(terms: list[str]) -> str:
    """Regex alternation trying longer terms first, so the longest term at a position wins."""
    unique = sorted({t.lower() for t in terms}, key=lambda t: (-len(t), t))
    return "|".join(re.escape(t) for t in unique)


def _compile(terms: list[str]) -> re.Pattern[str] | None:
    """One pattern: CJK terms as substrings, ASCII terms on word boundaries."""
    cjk = [t for t in terms if not _ASCII.match(t)]
    ascii_terms = [t for t in terms if _ASCII.match(t)]
    parts = []
    if ascii_terms:
        parts.append(rf"(?<![a-z0-9])(?:{_alternation(ascii_terms)})(?![a-z0-9])")
    if cjk:
        parts.append(f"(?:{_alternation(cjk)})")
    return re.compile("|".join(parts)) if parts else None


@dataclass(frozen=True)
class _Matcher:
    seeds: re.Pattern[str] | None
    weak: tuple[str, ...]  # sorted (a few terms): pickles identically in every process
    exclude: re.Pattern[str] | None

    def terms(self, text: str) -> list[str]:
        """Seed terms found in `text` (lower-cased), traps removed, weak terms only with support."""
        if self.seeds is None:
            return []
        lowered = text.lower()
        if self.exclude is not None:
            lowered = self.exclude.sub(lambda m: _BLANK * len(m.group(0)), lowered)
        found = self.seeds.findall(lowered)
        if all(term in self.weak for term in found):
            return []
        return found


COUNT_CACHE_SIZE = 65_536  # texts whose counts a Lexicon remembers (about 1 KB each)


@dataclass(frozen=True)
class Lexicon:
    """Themes in file order, with seed-term matching that honours weak terms and traps.

    `count_matches` remembers the counts of the last `COUNT_CACHE_SIZE` texts: the classify
    stage counts the same label texts in every fold and refit. The memory is not pickled, so
    a saved model holds the same bytes whatever was counted before.
    """

    themes: tuple[ThemeSpec, ...]
    _matchers: dict[str, _Matcher] = field(repr=False, compare=False)
    _counts: OrderedDict[str, dict[str, int]] = field(
        default_factory=OrderedDict, init=False, repr=False, compare=False
    )

    def __getstate__(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if k != "_counts"}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state, _counts=OrderedDict())

    @classmethod
    def from_spec(cls, spec: LexiconFile) -> Lexicon:
        matchers = {
            t.key: _Matcher(
                seeds=_compile([*t.seeds, *t.weak_zh, *t.weak_en]),
                weak=tuple(sorted({w.lower() for w in [*t.weak_zh, *t.weak_en]})),
                exclude=_compile([*t.exclude_zh, *t.exclude_en]),
            )
            for t in spec.themes
        }
        return cls(themes=tuple(spec.themes), _matchers=matchers)

    @property
    def keys(self) -> list[str]:
        return [t.key for t in self.themes]

    def theme(self, key: str) -> ThemeSpec:
        """The theme with this key."""
        for t in self.themes:
            if t.key == key:
                return t
        raise KeyError(key)

    def matched_terms(self, text: str) -> dict[str, list[str]]:
        """Seed terms of each theme found in `text`, in order of occurrence."""
        return {key: m.terms(text) for key, m in self._matchers.items()}

    def count_matches(self, text: str) -> dict[str, int]:
        """Number of seed-term occurrences of each theme in `text` (traps excluded)."""
        counts = self._counts.get(text)
        if counts is None:
            counts = {key: len(m.terms(text)) for key, m in self._matchers.items()}
            self._counts[text] = counts
            if len(self._counts) > COUNT_CACHE_SIZE:
                self._counts.popitem(last=False)
        else:
            self._counts.move_to_end(text)
        return dict(counts)

    def require_keys(self, keys: Sequence[str], setting: str, source: str) -> None:
        """A UserError naming `setting` when any of `keys` is not a theme of this lexicon."""
        unknown = [k for k in keys if k not in self.keys]
        if unknown:
            raise UserError(f"{setting}: {unknown} not in {source} ({self.keys})")

    def for_tokens(self, stem: Callable[[str], str]) -> Lexicon:
        """The lexicon as the topic models' tokens spell it: every English term stemmed word by
        word with `stem`, the tokenizer's stemmer (ecological protection -> ecolog protect);
        Chinese terms unchanged. Match a token with `count_matches(token_text(token))`. The
        terms keep their order, so a theme's n-th seed here is the n-th seed of `self`."""

        def stemmed(terms: list[str]) -> list[str]:
            return [stem_term(term, stem) for term in terms]

        themes = [
            theme.model_copy(
                update={
                    "seeds_en": stemmed(theme.seeds_en),
                    "weak_en": stemmed(theme.weak_en),
                    "exclude_en": stemmed(theme.exclude_en),
                }
            )
            for theme in self.themes
        ]
        return Lexicon.from_spec(LexiconFile.model_construct(version=1, themes=themes))

    def descriptions(self) -> list[str]:
        """One "label：description" text per theme, for embedding (query encoding)."""
        return [f"{t.zh}：{t.description_zh or t.description}" for t in self.themes]


def stem_term(term: str, stem: Callable[[str], str]) -> str:
    """An English term as stemmed tokens joined by spaces; a Chinese term unchanged."""
    if not _ASCII.match(term):
        return term
    return " ".join(stem(word) for word in _ASCII_WORD.findall(term.lower())) or term


def token_text(token: str) -> str:
    """A topic-model token as text to match: an English phrase token (smart_citi) has its
    words joined by _ (Phrases, BERTopic's token documents), a Chinese token is itself."""
    return token.replace("_", " ") if _ASCII.match(token) else token


def parse_lexicon(data: object, source: str) -> Lexicon:
    """Validate a parsed lexicon mapping."""
    try:
        return Lexicon.from_spec(LexiconFile.model_validate(data))
    except ValidationError as error:
        raise UserError(format_validation_error(error, source)) from None


def load_lexicon(path: Path | None = None) -> Lexicon:
    """Read a theme lexicon; None means the packaged default taxonomy."""
    if path is None:
        source = "policytopics/resources/themes.yaml"
        text = resources.files("policytopics.resources").joinpath("themes.yaml").read_text("utf-8")
    else:
        source = str(path)
        if not path.is_file():
            raise UserError(f"{path}: theme lexicon not found")
        text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise UserError(f"{source}: not valid YAML: {str(error).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise UserError(f"{source}: expected a mapping with a `themes` list")
    return parse_lexicon(data, source)


def lexicon_path(setting: str, root: Path | None = None) -> Path | None:
    """The lexicon file `themes.lexicon` names ("" = None, the packaged default), under `root`."""
    if not setting:
        return None
    return root / setting if root is not None else Path(setting)


def lexicon_from_params(setting: str, root: Path | None = None) -> Lexicon:
    """The lexicon `themes.lexicon` names (relative paths under `root`, else the cwd)."""
    return load_lexicon(lexicon_path(setting, root))
