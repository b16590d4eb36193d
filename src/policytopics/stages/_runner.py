"""Run a stage's `main` so that a user's mistake is one line on stderr, not a traceback."""

from __future__ import annotations

import sys
from collections.abc import Callable

from policytopics.errors import UserError


def run_stage(name: str, main: Callable[[], None]) -> None:
    """Call `main`; report a `UserError` as `policytopics <name>: error: ...` and exit 2."""
    try:
        main()
    except UserError as error:
        print(f"policytopics {name}: error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        print(f"policytopics {name}: interrupted", file=sys.stderr)
        raise SystemExit(130) from None
