"""Errors a user can cause and fix: reported as one line, never a traceback."""


class UserError(Exception):
    """Bad input or configuration; the message says what to change."""
