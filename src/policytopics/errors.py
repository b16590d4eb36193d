"""Errors a user can cause and fix: reported as one line, never a traceback."""

from collections import Counter


class UserError(Exception):
    """Bad input or configuration; the message says what to change."""


def no_passages_in_languages(
    setting: str, wanted: list[str], languages: list[str], where: str
) -> UserError:
    """The error for a model with no passage in its `setting` (e.g. lda.fit_languages): it
    names the languages the corpus has, so the user knows what to add."""
    found = ", ".join(f"{lang} {n}" for lang, n in sorted(Counter(languages).items())) or "none"
    return UserError(
        f"{where}: no passage in {setting} {wanted} (passages by language: {found}); "
        f"add the corpus's languages to {setting} in params.yaml"
    )
