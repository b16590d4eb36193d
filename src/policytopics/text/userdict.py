"""The policy user dictionary: multi-word terms the segmenter must keep whole."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from policytopics.errors import UserError

PACKAGED_USER_DICT = "userdict.txt"


@dataclass(frozen=True)
class UserWord:
    """One entry in jieba's dictionary format: `word [freq] [tag]`."""

    word: str
    freq: int | None = None  # None = the segmenter picks a frequency that keeps the word whole
    tag: str | None = None


def read_resource(path: str, packaged_name: str) -> tuple[str, str]:
    """Return (text, source) of `path`, or of the packaged resource when `path` is ""."""
    if not path:
        ref = resources.files("policytopics.resources").joinpath(packaged_name)
        return ref.read_text(encoding="utf-8"), f"package:{packaged_name}"
    file = Path(path)
    if not file.is_file():
        raise UserError(
            f"{path}: word list not found (set the path in params.yaml, or '' for the default)"
        )
    try:
        return file.read_text(encoding="utf-8"), str(file)
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text") from None


def parse_user_dict(text: str, source: str = "user dictionary") -> list[UserWord]:
    """Parse jieba's user-dictionary format; `#` starts a comment; duplicates keep the first."""
    words: list[UserWord] = []
    seen: set[str] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) > 3:
            raise UserError(f"{source}:{number}: expected 'word [freq] [tag]', got {raw.strip()!r}")
        word, freq, tag = parts[0], None, None
        for part in parts[1:]:
            if part.isdigit() and freq is None and tag is None:
                freq = int(part)
            elif tag is None and part.isalpha() and part.isascii():
                tag = part
            else:
                raise UserError(
                    f"{source}:{number}: bad frequency or tag {part!r} in {raw.strip()!r}"
                )
        if word not in seen:
            seen.add(word)
            words.append(UserWord(word, freq, tag))
    return words


def load_user_dict(path: str = "") -> list[UserWord]:
    """Load the user dictionary at `path` ("" = the packaged policy dictionary)."""
    text, source = read_resource(path, PACKAGED_USER_DICT)
    return parse_user_dict(text, source)
