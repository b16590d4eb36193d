"""Errors a user can cause and fix: reported as one line, never a traceback."""


class UserError(Exception):
    """Bad input or configuration; the message says what to change."""


def no_passages_in_languages(
    setting: str, wanted: list[str], languages: list[str], where: str
) -> UserError:
    """The error for a model with no passage in its `setting` (e.g. lda.fit_languages): it
    names the languages the corpus has, so the user knows what to add."""
    counts: dict[str, int] = {}
    for language in languages:
        counts[language] = counts.get(language, 0) + 1
    found = ", ".join(f"{lang} {n}" for lang, n in sorted(counts.items())) or "none"
    return UserError(
        f"{where}: no passage in {setting} {wanted} (passages by language: {found}); "
        f"add the corpus's languages to {setting} in params.yaml"
    )
