"""The one exit rule: a user's mistake is one line on stderr and status 2, never a traceback."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from policytopics.errors import UserError

USER_ERROR = 2  # exit status of a UserError (stages and the `policytopics` command)
INTERRUPTED = 130  # Ctrl-C


def exit_status(name: str, main: Callable[[], None]) -> int:
    """Call `main`; 0 when it returns, 2 after reporting a `UserError` as
    `policytopics <name>: error: ...`, 130 after an interrupt."""
    try:
        main()
    except UserError as error:
        print(f"policytopics {name}: error: {error}", file=sys.stderr)
        return USER_ERROR
    except KeyboardInterrupt:
        print(f"policytopics {name}: interrupted", file=sys.stderr)
        return INTERRUPTED
    return 0


def run_stage(name: str, main: Callable[[], None]) -> None:
    """Run a stage's `main` under `exit_status`; exit with its status when it is not 0."""
    status = exit_status(name, main)
    if status:
        raise SystemExit(status)


def path_parser(
    stage: str, description: str | None, required: Sequence[str], optional: Sequence[str] = ()
) -> argparse.ArgumentParser:
    """The arguments of a stage: `--name PATH` for each path dvc.yaml passes (`optional` ones
    default to None), named like the parameters of the stage's `main`."""
    parser = argparse.ArgumentParser(
        prog=f"python -m policytopics.stages.{stage}", description=description
    )
    for name in required:
        parser.add_argument(f"--{name}", type=Path, required=True)
    for name in optional:
        parser.add_argument(f"--{name}", type=Path, default=None)
    return parser
